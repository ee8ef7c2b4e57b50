/**
 * The hostile-input suite (issue 9, item 8): a cluster started as the README says for production
 * (TLS on) is driven, for a while, by an honest client and by attackers sending malformed,
 * oversized, forged, unauthorized and concurrent requests to its public and internal APIs. Then:
 * every node is alive; every acknowledged honest write reads back; the replicas of each range that
 * applied the same index hold the same data; and no node logged an error or a fatal line.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { encodeRaftBatch, type RaftEnvelope } from '../../cluster/transport/raft-codec.js';
import { encodeSessionToken } from '../../proto/session-token.js';
import { kvErrorFromServiceError } from '../../proto/kv-error.js';
import { SeededRng, nodeId, type Message } from '../../raft/index.js';
import { Store, timestamp, timestampMax } from '../../storage/index.js';
import { encodeCommand } from '../../cluster/kv/command.js';
import { encodeNodeConfChange } from '../../cluster/replica/conf-change-entry.js';
import { storeId } from '../../proto/range-descriptor.js';
import { fnv1a, mix } from '../sim/hash.js';
import { TlsCluster } from '../cluster/support/tls-cluster.js';
import { decodeRangeDescriptor } from '../../cluster/replica/range-descriptor-codec.js';

export interface FuzzOptions {
  readonly timeMs: number;
  readonly seed?: number;
  /** Attack calls in flight at once. */
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
}

export interface FuzzReport {
  readonly seed: number;
  readonly requests: number;
  /** attack → answer code → count ('ok' for a success). */
  readonly outcomes: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly honestWritesAcked: number;
  readonly rangesCompared: number;
  readonly violations: readonly string[];
}

type Answer = string;

interface Ctx {
  readonly cluster: TlsCluster;
  readonly rng: SeededRng;
  readonly channels: Map<string, grpc.Client>;
  /** Answers that mean the cluster let an attack through. */
  readonly violations: string[];
  /** 1 MiB values written so far (a dozen keep the stores small; then they are read instead). */
  bigValuesWritten: number;
}

const services = {
  kv: '/rangekv.v1.KV/',
  admin: '/rangekv.v1.Admin/',
  internal: '/rangekv.internal.v1.Internal/',
} as const;
const kvMethods = ['Get', 'BatchGet', 'Put', 'Delete', 'CompareAndSwap', 'Scan', 'Locate'];
const adminMethods = ['Status', 'TransferLeader', 'ChangeReplicas'];
const internalUnary = ['Hello', 'RangeInfo'];

interface CallOptions {
  /** The node to call (default: any). */
  readonly at?: number;
  /** gRPC's default message limits (4 MiB received), as an ordinary client has; else 64 MiB. */
  readonly defaultLimits?: boolean;
}

function channel(ctx: Ctx, who: string, at: number, defaultLimits = false): grpc.Client {
  const key = `${who}@${at}${defaultLimits ? '/default-limits' : ''}`;
  let c = ctx.channels.get(key);
  if (c === undefined) {
    const creds = who === 'plaintext' ? grpc.credentials.createInsecure() : ctx.cluster.credentials(who === 'anonymous' ? undefined : who);
    c = new grpc.Client(ctx.cluster.addresses[at]!, creds, defaultLimits ? {} : { 'grpc.max_receive_message_length': 64 << 20, 'grpc.max_send_message_length': 64 << 20 });
    ctx.channels.set(key, c);
  }
  return c;
}

function raw(ctx: Ctx, who: string, path: string, body: Buffer, o: CallOptions = {}): Promise<Answer> {
  const at = o.at ?? ctx.rng.int(ctx.cluster.addresses.length);
  return new Promise((resolve) => {
    channel(ctx, who, at, o.defaultLimits).makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, { deadline: Date.now() + 5_000 }, (e) => resolve(e === null ? 'ok' : kvErrorFromServiceError(e).code));
  });
}

/** A message through the generic client, encoded with the service's own request type. */
function typed(ctx: Ctx, who: string, service: keyof typeof services, method: string, request: object, o: CallOptions = {}): Promise<Answer> {
  const def = definition(service)[method];
  if (def === undefined) throw new Error(`no method ${method}`);
  return raw(ctx, who, services[service] + method, def.requestSerialize(request), o);
}

let defs: Record<string, Record<string, grpc.MethodDefinition<object, unknown>>> | undefined;
function definition(service: keyof typeof services): Record<string, grpc.MethodDefinition<object, unknown>> {
  if (defs === undefined) throw new Error('definitions not loaded');
  return defs[service]!;
}

async function loadDefinitions(): Promise<void> {
  const m = await import('../../proto/grpc-definitions.js');
  defs = {
    kv: m.kvProto().rangekv.v1.KV.service as unknown as Record<string, grpc.MethodDefinition<object, unknown>>,
    admin: m.adminProto().rangekv.v1.Admin.service as unknown as Record<string, grpc.MethodDefinition<object, unknown>>,
    internal: m.internalProto().rangekv.internal.v1.Internal.service as unknown as Record<string, grpc.MethodDefinition<object, unknown>>,
  };
}

const someone = (ctx: Ctx): string => ctx.rng.pick(['anonymous', 'client.alice', 'plaintext']);

/** Each attack returns the answer code; `mustNot` lists answers that would be a breach. */
const attacks: Record<string, { run: (ctx: Ctx) => Promise<Answer>; mustNot?: readonly Answer[] }> = {
  garbageBytes: {
    run: (ctx) => {
      const service = ctx.rng.pick(['kv', 'admin', 'internal'] as const);
      const method = ctx.rng.pick(service === 'kv' ? kvMethods : service === 'admin' ? adminMethods : internalUnary);
      return raw(ctx, ctx.rng.pick(['anonymous', 'client.alice', 'client.root', 'node.1']), services[service] + method, randomBytes(ctx.rng.int(200)));
    },
    mustNot: ['INTERNAL'],
  },
  oversizedKey: { run: (ctx) => typed(ctx, someone(ctx), 'kv', 'Put', { key: randomBytes(4_097 + ctx.rng.int(20_000)), value: Buffer.from('x') }), mustNot: ['ok', 'INTERNAL'] },
  oversizedValue: { run: (ctx) => typed(ctx, someone(ctx), 'kv', 'Put', { key: Buffer.from('big'), value: Buffer.alloc((1 << 20) + 1 + ctx.rng.int(1 << 20)) }), mustNot: ['ok', 'INTERNAL'] },
  emptyKey: { run: (ctx) => typed(ctx, someone(ctx), 'kv', 'Put', { key: Buffer.alloc(0), value: Buffer.from('x') }), mustNot: ['ok', 'INTERNAL'] },
  badRoute: {
    run: (ctx) =>
      typed(ctx, someone(ctx), 'kv', 'Get', {
        key: Buffer.from('a'),
        header: { route: { rangeId: String(ctx.rng.int(5)), epoch: { confVersion: String(ctx.rng.int(1_000_000)), version: String(ctx.rng.int(3)) } } },
      }),
    mustNot: ['INTERNAL'],
  },
  futureSessionToken: {
    run: (ctx) => typed(ctx, someone(ctx), 'kv', 'Get', { key: Buffer.from('a'), consistency: 'READ_CONSISTENCY_SESSION', header: { sessionToken: Buffer.from(encodeSessionToken(new Map([[1, 2 ** 35 + ctx.rng.int(1000)]]))) } }),
    mustNot: ['ok', 'INTERNAL', 'DEADLINE_EXCEEDED', 'OVERLOADED'],
  },
  /** Legal 1 MiB values (at most 12 keys), so that scans must bound their pages by bytes. */
  largeValue: {
    run: (ctx) =>
      ctx.bigValuesWritten++ < 12
        ? typed(ctx, 'client.alice', 'kv', 'Put', { key: Buffer.from(`big/${ctx.bigValuesWritten}`), value: Buffer.alloc(1 << 20, 120) })
        : typed(ctx, someone(ctx), 'kv', 'Get', { key: Buffer.from(`big/${1 + ctx.rng.int(12)}`) }, { defaultLimits: true }),
    mustNot: ['INTERNAL', 'RESOURCE_EXHAUSTED'],
  },
  /** A scan over them by a client with gRPC's default 4 MiB message limit: one code, never "too large". */
  largeScan: {
    run: (ctx) => typed(ctx, someone(ctx), 'kv', 'Scan', { start: Buffer.from('big/'), end: Buffer.from('big0'), limit: 1_000 }, { defaultLimits: true }),
    mustNot: ['INTERNAL', 'RESOURCE_EXHAUSTED', 'OVERLOADED'],
  },
  hugeScan: { run: (ctx) => typed(ctx, someone(ctx), 'kv', 'Scan', { start: Buffer.alloc(0), limit: 1_000_000 + ctx.rng.int(1000) }), mustNot: ['INTERNAL'] },
  badPageToken: { run: (ctx) => typed(ctx, someone(ctx), 'kv', 'Scan', { start: Buffer.from('a'), pageToken: randomBytes(1 + ctx.rng.int(6_000)) }), mustNot: ['ok', 'INTERNAL'] },
  reusedClientSeq: {
    run: (ctx) =>
      typed(ctx, someone(ctx), 'kv', 'Put', {
        key: Buffer.from(`reuse/${ctx.rng.int(3)}`),
        value: randomBytes(8),
        header: { clientId: Buffer.alloc(16, 7), seq: String(1 + ctx.rng.int(3)), firstIncompleteSeq: '1' },
      }),
    mustNot: ['INTERNAL'],
  },
  adminWithoutAdminCertificate: {
    run: (ctx) => typed(ctx, ctx.rng.pick(['anonymous', 'client.alice']), 'admin', ctx.rng.pick(['ChangeReplicas', 'TransferLeader']), { rangeId: '1', changes: [{ op: 'REMOVE', storeId: '2' }], toStoreId: '2' }),
    mustNot: ['ok'],
  },
  internalWithoutNodeCertificate: { run: (ctx) => typed(ctx, ctx.rng.pick(['anonymous', 'client.alice', 'client.root']), 'internal', ctx.rng.pick(internalUnary), { clusterId: ctx.cluster.clusterId, rangeId: '1' }), mustNot: ['ok'] },
  plaintext: { run: (ctx) => typed(ctx, 'plaintext', 'kv', 'Get', { key: Buffer.from('a') }), mustNot: ['ok'] },
  /** Store 1's certificate speaks for store 2 or 3: refused before the node sees it. */
  impersonatedStore: { run: (ctx) => raftBatch(ctx, 1 + 1 + ctx.rng.int(2), forgedMessages(ctx, 99), 5_000), mustNot: ['ok'] },
  /** Store 1's certificate, its own store id, but replica ids that live on other stores: dropped inside. */
  foreignReplicaIds: { run: (ctx) => raftBatch(ctx, 1, forgedMessages(ctx, 2 + ctx.rng.int(2)), 300) },
  legalAdminStatus: { run: (ctx) => typed(ctx, 'client.root', 'admin', 'Status', {}), mustNot: ['PERMISSION_DENIED'] },
  concurrentReads: { run: (ctx) => typed(ctx, someone(ctx), 'kv', 'Get', { key: Buffer.from(`honest/${ctx.rng.int(50)}`), consistency: ctx.rng.pick(['READ_CONSISTENCY_LINEARIZABLE', 'READ_CONSISTENCY_FOLLOWER']) }), mustNot: ['INTERNAL'] },
};

/**
 * Forged raft traffic whose `from` is replica `fromReplica` (replica ids equal store ids in the
 * initial layout): heartbeats claiming leadership, votes, a forwarded proposal with a 10,000-byte
 * key, and an append carrying a membership change that removes a replica (the original attacks 1-4).
 */
function forgedMessages(ctx: Ctx, fromReplica: number): RaftEnvelope[] {
  const to = nodeId(1 + 1 + ctx.rng.int(2));
  const from = nodeId(fromReplica);
  const term = 1 + ctx.rng.int(1_000);
  const m: Message = ctx.rng.pick([
    (): Message => ({ type: 'heartbeat', from, to, term, commit: ctx.rng.int(1_000_000), readSeq: 0, sentTick: 0, quiesce: false }),
    (): Message => ({ type: 'vote', from, to, term, index: 1 << 30, logTerm: term, transfer: true }),
    (): Message => ({ type: 'prop', from, to, term: 0, entries: [{ term: 0, index: 0, type: 'normal', data: bigKeyPut }] }),
    (): Message => ({
      type: 'app',
      from,
      to,
      term,
      index: 1 + ctx.rng.int(50),
      logTerm: term,
      commit: 1 << 20,
      entries: [{ term, index: 2 + ctx.rng.int(50), type: 'confChange', data: removeReplica(to) }],
    }),
  ])();
  return [{ rangeId: 1 + ctx.rng.int(2), message: m }];
}

const bigKeyPut = encodeCommand({ session: null, proposedTs: timestamp(1n << 40n), op: { kind: 'put', key: new Uint8Array(10_000).fill(107), value: new Uint8Array([120]) } });
const removeReplica = (id: number): Uint8Array => encodeNodeConfChange({ change: { kind: 'simple', changes: [{ op: 'remove', nodeId: nodeId(id) }] }, storeOfReplica: new Map() });

/**
 * An accepted batch gets no reply, a refused one its code: `quietMs` without a reply reads as
 * accepted (long where a refusal is required, so a loaded node's slow answer is not taken for one).
 */
function raftBatch(ctx: Ctx, claimedStore: number, envelopes: RaftEnvelope[], quietMs: number): Promise<Answer> {
  const target = 1 + 1 + ctx.rng.int(2);
  return new Promise((resolve) => {
    const client = channel(ctx, 'node.1', target - 1);
    const stream = client.makeBidiStreamRequest(services.internal + 'Raft', (o: object) => definition('internal')['Raft']!.requestSerialize(o), (b: Buffer) => definition('internal')['Raft']!.responseDeserialize(b) as { errorCode: string });
    let settled = false;
    const done = (a: Answer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.end();
      resolve(a);
    };
    const timer = setTimeout(() => done('ok'), quietMs);
    stream.on('data', (r: { errorCode: string }) => done(r.errorCode === '' ? 'ok' : r.errorCode));
    stream.on('error', (e: grpc.ServiceError) => done(kvErrorFromServiceError(e).code));
    stream.write({ clusterId: ctx.cluster.clusterId, fromStoreId: String(claimedStore), toStoreId: String(target), messages: Buffer.from(encodeRaftBatch(envelopes)) });
  });
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const seed = o.seed ?? 1;
  const log = o.log ?? (() => undefined);
  await loadDefinitions();
  const cluster = await TlsCluster.start({ splitKeys: ['m'], logLevel: 'info' });
  const ctx: Ctx = { cluster, rng: new SeededRng(seed), channels: new Map(), violations: [], bigValuesWritten: 0 };
  const outcomes: Record<string, Record<string, number>> = {};
  let requests = 0;
  const acked = new Map<string, string>();
  const stopAt = Date.now() + o.timeMs;
  try {
    log(`fuzz: cluster ${cluster.clusterId} on ${cluster.addresses.join(', ')} (TLS), ${o.timeMs} ms, seed ${seed}`);
    const honest = (async () => {
      const client = await cluster.client('client.alice');
      try {
        for (let i = 0; Date.now() < stopAt; i++) {
          const key = `honest/${i % 50}`;
          const value = `v${i}`;
          try {
            await client.put(key, value, { timeoutMs: 5_000 });
            acked.set(key, value);
          } catch {
            // An honest write may fail while the cluster is under attack; only acknowledged ones count.
            acked.delete(key);
          }
        }
      } finally {
        await client.close();
      }
    })();
    const names = Object.keys(attacks);
    const attacker = async (): Promise<void> => {
      while (Date.now() < stopAt) {
        const name = ctx.rng.pick(names);
        const attack = attacks[name]!;
        const answer = await attack.run(ctx);
        requests++;
        const byCode = (outcomes[name] ??= {});
        byCode[answer] = (byCode[answer] ?? 0) + 1;
        if (attack.mustNot?.includes(answer) === true && ctx.violations.length < 50) ctx.violations.push(`${name} was answered ${answer}`);
      }
    };
    await Promise.all([honest, ...Array.from({ length: o.concurrency ?? 16 }, attacker)]);
    const exited = cluster.exited();
    if (exited.length > 0) ctx.violations.push(`stores ${exited.join(', ')} exited under attack`);
    // Every acknowledged honest write reads back.
    const reader = await cluster.client('client.root');
    try {
      for (const [key, value] of acked) {
        const got = await reader.get(key, { timeoutMs: 10_000 });
        const text = got === undefined ? undefined : Buffer.from(got.value).toString();
        if (text !== value) ctx.violations.push(`acknowledged write lost: ${key} = ${value}, read ${String(text)}`);
      }
      // Quiet for a moment so every replica applies what was committed, then stop the nodes.
      await reader.put('fuzz/final', 'x', { timeoutMs: 10_000 });
    } finally {
      await reader.close();
    }
    await new Promise((r) => setTimeout(r, 1_500));
  } finally {
    for (const c of ctx.channels.values()) c.close();
    await cluster.stop();
  }
  for (const [i, text] of cluster.logs.entries()) {
    for (const line of text.split('\n')) {
      if (/"level":(50|60)/.test(line)) ctx.violations.push(`store ${i + 1} logged: ${line.slice(0, 300)}`);
    }
  }
  const rangesCompared = compareReplicas(cluster, ctx.violations);
  cluster.remove();
  return { seed, requests, outcomes, honestWritesAcked: acked.size, rangesCompared, violations: ctx.violations };
}

/** Opens every store's database after the stop and compares each range's data across replicas at equal applied indexes. */
function compareReplicas(cluster: TlsCluster, violations: string[]): number {
  const byRange = new Map<number, { store: number; applied: number; fp: number }[]>();
  for (let s = 1; s <= cluster.addresses.length; s++) {
    const store = Store.open({ path: join(cluster.dataDir(s), 'store.db'), clusterId: cluster.clusterId, storeId: storeId(s) });
    try {
      for (const rangeId of store.rangeIds()) {
        const state = store.rangeState(rangeId);
        const d = decodeRangeDescriptor(state.descriptor);
        let h = 0x9e3779b9;
        for (const p of store.mvcc.scan({ span: { start: d.start, end: d.end }, readTs: timestampMax, limit: 10_000 })) {
          h = mix(mix(h, fnv1a(p.key)), fnv1a(p.value));
        }
        for (const e of store.rangeLocal(rangeId).scan({ prefix: new Uint8Array(0), limit: 10_000 })) h = mix(mix(h, fnv1a(e.key)), fnv1a(e.value));
        const list = byRange.get(rangeId) ?? [];
        list.push({ store: s, applied: state.appliedIndex, fp: h });
        byRange.set(rangeId, list);
      }
    } finally {
      store.close();
    }
  }
  let compared = 0;
  for (const [rangeId, replicas] of byRange) {
    const newest = Math.max(...replicas.map((r) => r.applied));
    const atNewest = replicas.filter((r) => r.applied === newest);
    if (atNewest.length < 2) violations.push(`range ${rangeId}: only store ${atNewest[0]?.store} applied ${newest} (others: ${replicas.map((r) => `${r.store}@${r.applied}`).join(', ')})`);
    if (new Set(atNewest.map((r) => r.fp)).size > 1) violations.push(`range ${rangeId}: replicas at index ${newest} differ: ${atNewest.map((r) => `store ${r.store} ${r.fp.toString(16)}`).join(', ')}`);
    compared++;
  }
  return compared;
}
