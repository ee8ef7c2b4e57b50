/**
 * Directed scenarios for hostile and broken input (issue 9): what a buggy proposer or a forging
 * peer can put into a cluster, in the whole-cluster simulator. hostile.test.ts asserts the outcome;
 * each was run against the code before its fix to see it fail.
 */
import type Database from 'better-sqlite3';
import type { GetResponse__Output } from '../../proto/generated/rangekv/v1/GetResponse.js';
import type { ScanResponse__Output } from '../../proto/generated/rangekv/v1/ScanResponse.js';
import { storeId, type RangeId } from '../../proto/range-descriptor.js';
import { decodeSessionToken, encodeSessionToken } from '../../proto/session-token.js';
import { nodeId, type Message } from '../../raft/index.js';
import { encodeCommand, type KvOp } from '../../cluster/kv/command.js';
import type { KvError } from '../../proto/kv-error.js';
import type { DriverLoop } from '../../cluster/node/driver-loop.js';
import type { Node } from '../../cluster/node/node.js';
import { encodeRaftBatch, type RaftEnvelope } from '../../cluster/transport/raft-codec.js';
import type { RaftBatchVerdict } from '../../cluster/transport/internal-api.js';
import { encodeSnapshotChunk, timestamp } from '../../storage/index.js';
import { encodeRangeDescriptor } from '../../cluster/replica/range-descriptor-codec.js';
import { DirectedCluster, valueOf, type CapturedSnapshot } from './directed-harness.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function loopOf(n: Node): DriverLoop {
  return (n as unknown as { loop: DriverLoop }).loop;
}

/**
 * Commands that passed no validation reach the log (a buggy API edge, a forged proposal from an
 * older build): a 10,000-byte key, a 2 MiB value, a key of another range, undecodable bytes, and a
 * write at the end of time followed by an ordinary one. Before the fix every replica fenced its
 * store applying the first (storage refuses the key), and fenced again replaying it after a
 * restart: a permanent outage from one entry. Now each gets a deterministic error on every
 * replica, the range keeps serving, and a restart of every store replays the log cleanly.
 */
export async function invalidCommandsInTheLog(): Promise<{ outcomes: string[]; afterWrite: string; afterRestart: string | null | KvError; otherRange: string | null | KvError; problems: string[] }> {
  const c = new DirectedCluster({ seed: 5, splitKeys: ['m'] });
  try {
    await c.until(() => c.leaderOf(1) !== undefined && c.nodes().length === 3, 10_000);
    const leader = c.leaderOf(1)!;
    await c.put(leader, 'a', 'before');
    const node = c.node(leader)!;
    const r = node.replicas.get(1)!;
    const ts = timestamp(BigInt(Math.floor(node.clock.wallMs())) << 18n);
    const ops: (KvOp | Uint8Array)[] = [
      { kind: 'put', key: new Uint8Array(10_000).fill(107), value: bytes('x') },
      { kind: 'put', key: bytes('b'), value: new Uint8Array(2 << 20) },
      { kind: 'put', key: bytes('z'), value: bytes('in range 2') },
      { kind: 'cas', key: bytes(''), expected: null, newValue: bytes('empty key') },
      new Uint8Array([1, 2, 3, 4, 5]),
    ];
    const outcomes: string[] = [];
    for (const op of ops) {
      const data = op instanceof Uint8Array ? op : encodeCommand({ session: null, proposedTs: ts, op });
      r.propose(data, { deadlineAtMs: node.clock.monotonicMs() + 5_000, resolve: () => outcomes.push('ok'), reject: (e) => outcomes.push(`${e.code}: ${e.message}`) });
    }
    loopOf(node).markDirty(r);
    await c.until(() => outcomes.length === ops.length, 5_000);
    const w = await c.put(leader, 'c', 'after');
    for (const s of c.world.storeIds) c.world.crash(s);
    await c.run(100);
    for (const s of c.world.storeIds) c.world.start(s);
    await c.until(() => c.leaderOf(1) !== undefined && c.leaderOf(2) !== undefined && c.nodes().length === 3, 10_000);
    const afterRestart = valueOf(await c.get(c.leaderOf(1)!, 'c'));
    const otherRange = valueOf(await c.get(c.leaderOf(2)!, 'z'));
    return { outcomes, afterWrite: 'ok' in w ? 'acked' : `${w.error.code}: ${w.error.message}`, afterRestart, otherRange, problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * Forged raft traffic from a peer store (a compromised or broken node, or anyone who can reach the
 * internal port of a cluster started with --insecure): a forwarded proposal carrying a 10,000-byte
 * key, a heartbeat claiming a second leader in the leader's term, a heartbeat answer confirming a
 * read round never sent, and a message from a replica id that lives on another store. Before the
 * fix the proposal entered the log and fenced every replica, and the heartbeat stopped the leader's
 * driver loop (RaftInvariantError "two leaders"). Now each is refused and counted; the leader leads
 * on, and its log holds none of it.
 */
export async function forgedPeerTraffic(): Promise<{ verdicts: boolean[]; refused: number; stillLeader: boolean; lastIndexBefore: number; lastIndexAfter: number; afterWrite: string; problems: string[] }> {
  const c = new DirectedCluster({ seed: 6 });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 3, 10_000);
    const leader = c.leaderOf()!;
    await c.put(leader, 'a', 'before');
    await c.run(3_000); // idle: the group quiesces, so the log stays put unless something enters it
    const node = c.node(leader)!;
    const r = node.replicas.get(1)!;
    const term = r.raw.status().term;
    const me = r.replicaId;
    const peers = r.descriptor.replicas.filter((x) => x.storeId !== leader);
    const liar = peers[0]!;
    const other = peers[1]!;
    const lastIndexBefore = r.storage.lastIndex();
    const big = encodeCommand({ session: null, proposedTs: timestamp(1n << 40n), op: { kind: 'put', key: new Uint8Array(10_000).fill(107), value: bytes('x') } });
    const forged: Message[] = [
      { type: 'prop', from: nodeId(liar.replicaId), to: me, term: 0, entries: [{ term: 0, index: 0, type: 'normal', data: big }] },
      { type: 'heartbeat', from: nodeId(liar.replicaId), to: me, term, commit: 0, readSeq: 0, sentTick: 0, quiesce: false },
      { type: 'heartbeatResp', from: nodeId(liar.replicaId), to: me, term, readSeq: 1_000_000, sentTick: 1 },
      { type: 'appResp', from: nodeId(other.replicaId), to: me, term, index: lastIndexBefore, reject: false, hintIndex: 0, hintTerm: 0 },
      // Addressed to a newer incarnation of the leader's replica (review finding: this destroyed the
      // replica on the spot): a vote request from the liar's own replica, then a heartbeat from a
      // replica of another store.
      { type: 'vote', from: nodeId(liar.replicaId), to: nodeId(me + 10), term: term + 1, index: 1 << 30, logTerm: term, transfer: false },
      { type: 'heartbeat', from: nodeId(other.replicaId), to: nodeId(me + 10), term: term + 1, commit: 0, readSeq: 0, sentTick: 0, quiesce: false },
    ];
    const services = c.world.live(storeId(leader))!.services!;
    const verdicts: boolean[] = [];
    for (const m of forged) {
      const env: RaftEnvelope = { rangeId: 1, message: m };
      const v: RaftBatchVerdict = services.internal.raftBatch({
        clusterId: c.world.options.cluster.clusterId,
        fromStoreId: String(liar.storeId),
        toStoreId: String(leader),
        messages: Buffer.from(encodeRaftBatch([env])),
      });
      verdicts.push(v.accepted);
      await c.run(50);
    }
    await c.run(2_000);
    const lastIndexAfter = r.storage.lastIndex();
    const stillLeader = c.node(leader)?.replicas.get(1)?.isLeader() === true;
    const w = await c.put(leader, 'c', 'after');
    return {
      verdicts,
      refused: c.node(leader)?.counters.messagesRefused ?? -1,
      stillLeader,
      lastIndexBefore,
      lastIndexAfter,
      afterWrite: 'ok' in w ? 'acked' : `${w.error.code}: ${w.error.message}`,
      // The refusals are the point here; everything else must still be clean.
      problems: c.problems().filter((p) => !p.startsWith('message refused')),
    };
  } finally {
    c.close();
  }
}

/**
 * Session reads carrying a token from the far future (index 2^35): before, each waited for its
 * deadline holding a request slot (10,000 of them made a node answer OVERLOADED to everyone). Now
 * the leader refuses such a token at once, and a follower sends the reader to the leader, which
 * refuses it; a follower that is merely behind a real token still serves the read through the leader.
 */
export async function sessionTokensFromTheFuture(): Promise<{ answers: string[]; slowestMs: number; putDuringMs: number; behindFollower: string | null | KvError; followerWasBehind: boolean; problems: string[] }> {
  const c = new DirectedCluster({ seed: 7 });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 3, 10_000);
    const leader = c.leaderOf()!;
    const follower = c.world.storeIds.find((s) => s !== leader)!;
    await c.put(leader, 'a', 'v1');
    const future = Buffer.from(encodeSessionToken(new Map([[1, 2 ** 35]])));
    const started = c.scheduler.nowMs;
    const reads = Array.from({ length: 200 }, (_, i) =>
      c.settle(c.world.callStore<GetResponse__Output>({ id: c.client.id, owner: c.client }, storeId(i % 2 === 0 ? leader : follower), 'kv', 'Get', { header: { sessionToken: future }, key: Buffer.from('a'), consistency: 'READ_CONSISTENCY_SESSION' }, started + 10_000)),
    );
    const put = c.put(leader, 'b', 'during');
    const outcomes = await Promise.all(reads);
    const putDone = await put;
    const putDuringMs = 'ok' in putDone ? c.scheduler.nowMs - started : Infinity;
    const slowestMs = c.scheduler.nowMs - started;
    const answers = [...new Set(outcomes.map((o) => ('error' in o ? o.error.code : 'ok')))];
    // A follower that really is behind: its link from the leader is cut while a write lands, and
    // the read reaches it the moment the link heals, before the entry does.
    c.cut(leader, follower);
    const w = await c.put(leader, 'a', 'v2');
    const token = 'ok' in w ? w.ok.header?.sessionToken ?? Buffer.alloc(0) : Buffer.alloc(0);
    const followerLastIndex = c.replica(follower)!.raw.raft.log.lastIndex();
    c.uncut(leader, follower);
    const behind = await c.settle(c.world.callStore<GetResponse__Output>({ id: c.client.id, owner: c.client }, storeId(follower), 'kv', 'Get', { header: { sessionToken: token }, key: Buffer.from('a'), consistency: 'READ_CONSISTENCY_SESSION' }, c.scheduler.nowMs + 5_000));
    const tokenIndex = decodeSessionToken(token).get(1) ?? 0;
    return { answers, slowestMs, putDuringMs, behindFollower: valueOf(behind), followerWasBehind: tokenIndex > followerLastIndex, problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * Crash-only under a storage failure (issue 9, item 4): the leader's disk fills up under a write.
 * Its loop must not live on as a zombie leader: the process exits (code 74) at once, and the
 * survivors elect a leader that serves writes within 2 election timeouts of the failure.
 */
export async function leaderDiskFull(): Promise<{ exits: { storeId: number; code: number }[]; failoverMs: number | undefined; problems: string[] }> {
  const c = new DirectedCluster({ seed: 8 });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 3, 10_000);
    const leader = c.leaderOf()!;
    for (let i = 0; i < 5; i++) await c.put(leader, `k${i}`, 'v');
    const db = (c.node(leader) as unknown as { store: { db: Database.Database } }).store.db;
    db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true }))}`);
    void c.put(leader, 'big', 'x'.repeat(64 << 10));
    await c.until(() => c.world.unexpectedExits.length > 0, 5_000);
    const failedAt = c.world.unexpectedExits[0]?.atMs ?? c.scheduler.nowMs;
    let failoverMs: number | undefined;
    const survivors = c.world.storeIds.filter((s) => s !== leader);
    for (let i = 0; failoverMs === undefined && c.scheduler.nowMs - failedAt < 10_000; i++) {
      const r = await c.put(survivors[i % survivors.length]!, 'after', 'x', {}, 300);
      if ('ok' in r) failoverMs = c.scheduler.nowMs - failedAt;
      else await c.run(20);
    }
    return {
      exits: c.world.unexpectedExits.map((e) => ({ storeId: e.storeId, code: e.code })),
      failoverMs,
      problems: c.problems().filter((p) => !p.startsWith(`node ${leader} exited`)),
    };
  } finally {
    c.close();
  }
}

/**
 * Scan pages are bounded by bytes as well as keys (issue 9, item 5): with 1 MiB values, a default
 * page of 1,000 keys was ~1 GB ("message too large", and scans that held the loop for seconds). Now
 * every page stays under the 4 MiB a default gRPC client accepts, and following the page tokens
 * still yields every key once, in order.
 */
export async function scanOfLargeValues(): Promise<{ keys: string[]; pages: number; largestPageBytes: number; problems: string[] }> {
  const c = new DirectedCluster({ seed: 9 });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 3, 10_000);
    const leader = c.leaderOf()!;
    const big = 'v'.repeat(1 << 20);
    for (let i = 0; i < 12; i++) await c.put(leader, `big${String(i).padStart(2, '0')}`, big);
    const keys: string[] = [];
    let pages = 0;
    let largestPageBytes = 0;
    let pageToken: Buffer = Buffer.alloc(0);
    for (;;) {
      const r = await c.settle(c.world.callStore<ScanResponse__Output>({ id: c.client.id, owner: c.client }, storeId(leader), 'kv', 'Scan', { start: Buffer.from('big'), end: Buffer.from('bih'), pageToken }, c.scheduler.nowMs + 5_000));
      if ('error' in r) throw r.error;
      pages++;
      largestPageBytes = Math.max(largestPageBytes, r.ok.kvs.reduce((n, kv) => n + kv.key.length + kv.value.length, 0));
      keys.push(...r.ok.kvs.map((kv) => Buffer.from(kv.key).toString()));
      if (r.ok.nextPageToken.length === 0) break;
      pageToken = r.ok.nextPageToken;
    }
    return { keys, pages, largestPageBytes, problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * Review finding: the exactly-once table records a compare-and-swap's result with the value it
 * found; over a value above 64 KiB (the range-local table's old limit) recording it failed on
 * every replica, each fenced its store, and replaying the entry after a restart fenced it again:
 * one ordinary client call took the range down for good. Now the table admits any result.
 */
export async function casOverALargeValue(): Promise<{ cas: string; afterRestart: string | null | KvError; problems: string[] }> {
  const c = new DirectedCluster({ seed: 10 });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 3, 10_000);
    const leader = c.leaderOf()!;
    const big = 'b'.repeat(100 << 10);
    await c.put(leader, 'k', big);
    const session = { clientId: Buffer.alloc(16, 3), seq: '1', firstIncompleteSeq: '1' };
    const r = await c.settle(
      c.world.callStore<unknown>({ id: c.client.id, owner: c.client }, storeId(leader), 'kv', 'CompareAndSwap', { header: session, key: Buffer.from('k'), expectedValue: Buffer.from('x'), newValue: Buffer.from('y') }, c.scheduler.nowMs + 5_000),
    );
    for (const s of c.world.storeIds) c.world.crash(s);
    await c.run(100);
    for (const s of c.world.storeIds) c.world.start(s);
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 3, 10_000);
    const after = valueOf(await c.get(c.leaderOf()!, 'k'));
    return { cas: 'ok' in r ? 'answered' : `${r.error.code}: ${r.error.message}`, afterRestart: typeof after === 'string' ? `${after.length} bytes` : after, problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * A snapshot for a range its receiver does not hold yet, streamed by a store that is not the one
 * the snapshot's own descriptor places its sender on (review finding). Before the fix the receiver
 * created the range on disk and in memory first and checked the sender afterwards, so any peer
 * could plant range state on any store. Now it is refused before anything is written, counted, and
 * the real leader's snapshot still creates the replica.
 */
export async function snapshotFromTheWrongStore(): Promise<{ outcome: { applied: boolean; errorCode: string }; heldAfterForgery: boolean; refused: number; caughtUp: boolean; problems: string[] }> {
  const c = new DirectedCluster({ seed: 8, stores: 4 });
  try {
    const { leader, holders, spare } = await c.leaderAndSpare(4);
    const liar = holders.find((s) => s !== leader)!;
    for (let i = 0; i < 5; i++) await c.put(leader, `k${i}`, 'v');
    // The leader cannot reach the spare yet: the learner it adds gets no snapshot from it.
    c.cut(leader, spare);
    const added = await c.admin(leader, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_LEARNER', storeId: String(spare) }] });
    if ('error' in added) throw new Error(`add learner ${spare}: ${added.error.code} ${added.error.message}`);
    const learnerId = c.replica(leader)!.descriptor.replicas.find((r) => r.storeId === spare)!.replicaId;
    // The leader's real snapshot (its descriptor lists the leader on its own store), streamed by another store.
    const outcome = await c.settle(c.offerSnapshot(spare, liar, c.snapshotOf(leader, learnerId)), 5_000);
    const store = (c.node(spare) as unknown as { store: { hasRange(id: number): boolean } }).store;
    const heldAfterForgery = store.hasRange(1) || c.replica(spare) !== undefined;
    const refused = c.node(spare)?.counters.messagesRefused ?? -1;
    c.heal();
    const caughtUp = await c.until(() => (c.replica(spare)?.appliedIndex() ?? 0) >= c.replica(leader)!.appliedIndex(), 10_000);
    return {
      outcome: 'ok' in outcome ? outcome.ok : { applied: false, errorCode: `threw ${outcome.error.code}` },
      heldAfterForgery,
      refused,
      caughtUp,
      problems: c.problems().filter((p) => !p.startsWith('message refused')),
    };
  } finally {
    c.close();
  }
}

/** A snapshot of a range this store never held, whose header claims the whole keyspace. */
function wholeKeyspaceSnapshot(rangeId: number, liar: number, victim: number, victimReplica: number, complete: boolean): CapturedSnapshot {
  const descriptor = encodeRangeDescriptor({
    rangeId: rangeId as RangeId,
    start: new Uint8Array(0),
    end: new Uint8Array(0),
    epoch: { confVersion: 1, version: 0 },
    replicas: [
      { storeId: storeId(liar), replicaId: 1, role: 'voter' },
      { storeId: storeId(victim), replicaId: victimReplica, role: 'voter' },
    ],
    nextReplicaId: victimReplica + 1,
  });
  const confState = { voters: [nodeId(1), nodeId(victimReplica)], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false };
  const header = { rangeId, appliedIndex: 5, appliedTerm: 1, confState, span: { start: new Uint8Array(0), end: new Uint8Array(0) }, descriptor };
  const message: Message = { type: 'snap', from: nodeId(1), to: nodeId(victimReplica), term: 1, snapshot: { metadata: { index: 5, term: 1, confState }, data: descriptor } };
  const chunks = [encodeSnapshotChunk({ kind: 'header', header })];
  if (complete) chunks.push(encodeSnapshotChunk({ kind: 'end', writeCount: 0, lockCount: 0, localCount: 0 }));
  return { rangeId, message, chunks, index: 5 };
}

/**
 * Review finding: snapshot spans were never checked against the ranges a store holds. A peer (a
 * compromised node with a valid certificate) sent a store a snapshot of a range it never held whose
 * span is the whole keyspace: installed, it deleted every key of the store's live ranges; two
 * header-only ones did the same through the replacement of unfilled rows. Now a snapshot whose span
 * is not its range's or overlaps another range of the store is refused before anything is written,
 * and storage refuses to install an overlapping span.
 */
export async function forgedSnapshotSpans(): Promise<{ outcomes: string[]; before: (string | null | KvError)[]; after: (string | null | KvError)[]; held: boolean; refused: number; problems: string[] }> {
  const c = new DirectedCluster({ seed: 8, stores: 3, splitKeys: ['m'] });
  try {
    await c.until(() => c.leaderOf(1) !== undefined && c.leaderOf(2) !== undefined && c.nodes().length === 3, 10_000);
    await c.put(c.leaderOf(1)!, 'a', 'v1');
    await c.put(c.leaderOf(2)!, 'z', 'v2');
    await c.run(2_000);
    const victim = c.world.storeIds.find((s) => s !== c.leaderOf(1))!;
    const liar = c.world.storeIds.find((s) => s !== victim)!;
    const read = async (): Promise<(string | null | KvError)[]> => [valueOf(await c.get(victim, 'a', 'READ_CONSISTENCY_FOLLOWER')), valueOf(await c.get(victim, 'z', 'READ_CONSISTENCY_FOLLOWER'))];
    const before = await read();
    const outcomes: string[] = [];
    // Ranges the layout does not have (header-only, twice, then complete), and the victim's own
    // range 1 with a span that is not its own (review: two such installs in one turn stopped the loop).
    for (const s of [
      wholeKeyspaceSnapshot(99, liar, victim, 2, false),
      wholeKeyspaceSnapshot(99, liar, victim, 3, false),
      wholeKeyspaceSnapshot(98, liar, victim, 2, true),
      wholeKeyspaceSnapshot(1, liar, victim, (c.replica(victim, 1)?.replicaId as number | undefined) ?? 2, true),
    ]) {
      const o = await c.settle(c.offerSnapshot(victim, liar, s), 5_000);
      outcomes.push('ok' in o ? (o.ok.applied ? 'applied' : o.ok.errorCode) : `threw ${o.error.code}`);
    }
    await c.run(500);
    const store = (c.node(victim) as unknown as { store: { hasRange(id: number): boolean } }).store;
    return {
      outcomes,
      before,
      after: await read(),
      held: store.hasRange(98) || store.hasRange(99),
      refused: c.node(victim)?.counters.messagesRefused ?? -1,
      problems: c.problems().filter((p) => !p.startsWith('message refused')),
    };
  } finally {
    c.close();
  }
}
