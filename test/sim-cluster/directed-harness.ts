import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRng, nodeId, type Message } from '../../raft/index.js';
import type { SnapshotChunk__Output } from '../../proto/generated/rangekv/internal/v1/SnapshotChunk.js';
import { encodeRaftBatch } from '../../cluster/transport/raft-codec.js';
import { encodeSnapshotChunk } from '../../storage/index.js';
import type { GetResponse__Output } from '../../proto/generated/rangekv/v1/GetResponse.js';
import type { PutResponse__Output } from '../../proto/generated/rangekv/v1/PutResponse.js';
import type { RequestHeader } from '../../proto/generated/rangekv/v1/RequestHeader.js';
import { KvError } from '../../proto/kv-error.js';
import { storeId, type StoreId } from '../../proto/range-descriptor.js';
import { localClusterConfig } from '../../cluster/config/cluster-config.js';
import type { FaultSwitches, NodeOptions } from '../../cluster/config/node-options.js';
import type { Node } from '../../cluster/node/node.js';
import type { KvReplica } from '../../cluster/node/replica-set.js';
import { SimClientProcess } from './sim-client.js';
import { SimFaultPoints, noFaultPointRates } from './sim-fault-points.js';
import { NodeInvariants } from './sim-invariants.js';
import { SimNetwork, storeEndpoint, type LinkSettings } from './sim-network.js';
import { SimScheduler } from './sim-scheduler.js';
import { SimWorld } from './sim-world.js';

export interface DirectedOptions {
  readonly seed?: number;
  readonly stores?: number;
  readonly splitKeys?: readonly string[];
  readonly nodeOptions?: Partial<NodeOptions>;
  readonly switches?: FaultSwitches;
  readonly link?: Partial<LinkSettings>;
  readonly logLevel?: 'warn' | 'info' | 'debug';
  readonly logSink?: (line: { atMs: number; storeId: number; text: string }) => void;
  /** Fault points the test fires itself (see ArmedFaultPoints); by default none fire. */
  readonly faultPoints?: SimFaultPoints;
}

export interface CapturedSnapshot {
  readonly rangeId: number;
  readonly message: Message;
  readonly chunks: Uint8Array[];
  readonly index: number;
}

export type Outcome<T> = { readonly ok: T } | { readonly error: KvError };

/**
 * A simulated cluster for directed scenarios: the same world as the seeded runs (real nodes, real
 * SQLite, the simulated network), but driven step by step by a test — write here, cut that link,
 * crash that node — with the node invariants checked after every event.
 */
export class DirectedCluster {
  readonly scheduler = new SimScheduler();
  readonly network: SimNetwork;
  readonly world: SimWorld;
  readonly invariants: NodeInvariants;
  readonly client = new SimClientProcess('directed');
  readonly errors: string[] = [];

  constructor(o: DirectedOptions = {}) {
    const seed = o.seed ?? 1;
    const rng = new SeededRng(seed);
    this.network = new SimNetwork(this.scheduler, rng.fork(), { delayMsMin: 0.5, delayMsMax: 2, lossRate: 0, duplicateRate: 0, reorder: false, ...o.link });
    const stores = o.stores ?? 3;
    const cluster = localClusterConfig({ clusterId: `directed-${seed}`, stores, basePort: 7001, splitKeys: o.splitKeys ?? [], replicas: 3 });
    const dataRoot = join(process.platform === 'linux' ? '/dev/shm' : '/tmp', `rangekv-directed-${process.pid}-${seed}-${Math.floor(Math.random() * 1e9)}`);
    mkdirSync(dataRoot, { recursive: true });
    this.world = new SimWorld(this.scheduler, this.network, o.faultPoints ?? new SimFaultPoints(rng.fork(), noFaultPointRates), {
      seed,
      cluster,
      dataRoot,
      nodeOptions: { tickMs: 100, electionTimeoutTicks: 10, ...o.nodeOptions },
      faults: o.switches ?? {},
      logLevel: o.logLevel ?? 'warn',
      ...(o.logSink !== undefined ? { logSink: o.logSink } : {}),
    });
    this.invariants = new NodeInvariants(() => this.scheduler.nowMs);
    this.scheduler.afterEvent = () => {
      this.invariants.verifyNow(this.nodes());
      this.invariants.check(this.nodes());
    };
    this.scheduler.onError = (e) => this.errors.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
    // Processes start a few ms apart, as real ones do: their tick timers must not tick in lockstep.
    const tickMs = o.nodeOptions?.tickMs ?? 100;
    for (const s of this.world.storeIds) this.scheduler.after(rng.float() * tickMs, null, () => this.world.start(s));
  }

  nodes(): Node[] {
    return this.world.storeIds.map((s) => this.world.live(s)?.node).filter((n): n is Node => n !== undefined);
  }

  node(s: number): Node | undefined {
    return this.world.live(storeId(s))?.node;
  }

  replica(s: number, rangeId = 1): KvReplica | undefined {
    return this.node(s)?.replicas.get(rangeId);
  }

  leaderOf(rangeId = 1): StoreId | undefined {
    for (const n of this.nodes()) if (n.replicas.get(rangeId)?.isLeader() === true) return n.storeId;
    return undefined;
  }

  async run(ms: number): Promise<void> {
    await this.scheduler.runUntil(this.scheduler.nowMs + ms);
  }

  /** Runs until `pred()` holds (checked after every event) or `maxMs` of virtual time pass; returns whether it held. */
  async until(pred: () => boolean, maxMs: number): Promise<boolean> {
    await this.scheduler.runUntil(this.scheduler.nowMs + maxMs, pred);
    return pred();
  }

  /** Runs the world until the call settles (or `maxMs` pass: then it throws). */
  async settle<T>(p: Promise<T>, maxMs = 30_000): Promise<Outcome<T>> {
    let outcome: Outcome<T> | undefined;
    p.then(
      (ok) => (outcome = { ok }),
      (e: unknown) => (outcome = { error: e instanceof KvError ? e : new KvError('INTERNAL', String(e)) }),
    );
    await this.until(() => outcome !== undefined, maxMs);
    if (outcome === undefined) throw new Error(`call did not settle within ${maxMs} ms`);
    return outcome;
  }

  put(via: number, key: string, value: string, header: RequestHeader = {}, timeoutMs = 5_000): Promise<Outcome<PutResponse__Output>> {
    return this.settle(this.putStarted(via, key, value, header, timeoutMs), timeoutMs + 1_000);
  }

  /** A write issued now, settled later (for scenarios that act while it is in flight). */
  putStarted(via: number, key: string, value: string, header: RequestHeader = {}, timeoutMs = 5_000): Promise<PutResponse__Output> {
    return this.world.callStore<PutResponse__Output>({ id: this.client.id, owner: this.client }, storeId(via), 'kv', 'Put', { header, key: Buffer.from(key), value: Buffer.from(value) }, this.scheduler.nowMs + timeoutMs);
  }

  get(via: number, key: string, consistency: 'READ_CONSISTENCY_LINEARIZABLE' | 'READ_CONSISTENCY_FOLLOWER' | 'READ_CONSISTENCY_SESSION' = 'READ_CONSISTENCY_LINEARIZABLE', timeoutMs = 5_000): Promise<Outcome<GetResponse__Output>> {
    return this.settle(this.getStarted(via, key, consistency, timeoutMs), timeoutMs + 1_000);
  }

  /** A read issued now, settled later (for scenarios that act while it is in flight). */
  getStarted(via: number, key: string, consistency: 'READ_CONSISTENCY_LINEARIZABLE' | 'READ_CONSISTENCY_FOLLOWER' | 'READ_CONSISTENCY_SESSION', timeoutMs = 5_000): Promise<GetResponse__Output> {
    return this.world.callStore<GetResponse__Output>({ id: this.client.id, owner: this.client }, storeId(via), 'kv', 'Get', { key: Buffer.from(key), consistency }, this.scheduler.nowMs + timeoutMs);
  }

  admin<Res>(via: number, method: string, request: unknown, timeoutMs = 10_000): Promise<Outcome<Res>> {
    return this.settle(this.world.callStore<Res>({ id: this.client.id, owner: this.client }, storeId(via), 'admin', method, request, this.scheduler.nowMs + timeoutMs), timeoutMs + 1_000);
  }

  /**
   * Waits until range 1 has a leader and all `stores` processes are up; returns the leader, the
   * stores holding the range, and the first store that does not (throws if there is none).
   */
  async leaderAndSpare(stores: number): Promise<{ leader: number; holders: number[]; spare: number }> {
    await this.until(() => this.leaderOf() !== undefined && this.nodes().length === stores, 10_000);
    const leader = this.leaderOf()!;
    const holders = this.replica(leader)!.descriptor.replicas.map((r) => r.storeId as number);
    const spare = this.world.storeIds.find((s) => !holders.includes(s));
    if (spare === undefined) throw new Error('every store holds range 1: no spare');
    return { leader, holders, spare };
  }

  /** Runs until the replica on `store` has applied what the range's leader has (false if not within `maxMs`). */
  async caughtUp(store: number, rangeId = 1, maxMs = 10_000): Promise<boolean> {
    const leaderApplied = (): number => {
      const l = this.leaderOf(rangeId);
      return l === undefined ? Infinity : this.replica(l, rangeId)!.appliedIndex();
    };
    return this.until(() => (this.replica(store, rangeId)?.appliedIndex() ?? -1) >= leaderApplied(), maxMs);
  }

  /** The range's snapshot as its replica on store `from` would send it now, addressed to replica `to`. */
  snapshotOf(from: number, to: number, rangeId = 1): CapturedSnapshot {
    const r = this.replica(from, rangeId)!;
    const snap = r.storage.snapshot();
    const chunks = [...this.node(from)!.inspectStore().openSnapshotStream(rangeId)].map((ch) => encodeSnapshotChunk(ch));
    return { rangeId, message: { type: 'snap', from: r.replicaId, to: nodeId(to), term: r.raw.raft.term, snapshot: snap }, chunks, index: snap.metadata.index };
  }

  /** Hands a snapshot to store `to`'s internal service as if store `claimedFrom` streamed it (the claim is not checked here: no TLS in the simulator). */
  offerSnapshot(to: number, claimedFrom: number, s: CapturedSnapshot): Promise<{ applied: boolean; errorCode: string }> {
    const internal = this.world.live(storeId(to))!.services!.internal;
    const header = { clusterId: this.world.options.cluster.clusterId, fromStoreId: String(claimedFrom), toStoreId: String(to), rangeId: String(s.rangeId), raftMessage: encodeRaftBatch([{ rangeId: s.rangeId, message: s.message }]) };
    const msgs = s.chunks.map((data, i) => ({ header: i === 0 ? header : null, data: Buffer.from(data), last: false }) as unknown as SnapshotChunk__Output);
    msgs.push({ header: null, data: Buffer.alloc(0), last: true } as unknown as SnapshotChunk__Output);
    let at = 0;
    const it: AsyncIterator<SnapshotChunk__Output> = { next: () => Promise.resolve(at < msgs.length ? { done: false, value: msgs[at++]! } : { done: true, value: undefined }) };
    return internal.snapshot(it).then((r) => ({ applied: r.applied ?? false, errorCode: r.errorCode ?? '' }));
  }

  /** Cuts (or with `hold`, delays until released) the directed link between two stores. */
  cut(from: number, to: number): void {
    this.network.cutLink(storeEndpoint(from), storeEndpoint(to));
  }

  uncut(from: number, to: number): void {
    this.network.uncutLink(storeEndpoint(from), storeEndpoint(to));
  }

  hold(from: number, to: number): void {
    this.network.hold(storeEndpoint(from), storeEndpoint(to));
  }

  release(from: number, to: number): void {
    this.network.release(storeEndpoint(from), storeEndpoint(to));
  }

  heal(): void {
    this.network.healAll();
  }

  /** Everything that went wrong: invariant violations, unexpected node exits, exceptions in events. */
  problems(): string[] {
    return [
      ...this.invariants.violations.map((v) => `${v.rule}: ${v.detail}`),
      ...this.world.unexpectedExits.map((x) => `node ${x.storeId} exited with code ${x.code}: ${x.lastLog.slice(0, 400)}`),
      ...this.errors,
    ];
  }

  close(): void {
    this.world.cleanUp();
  }
}

export function valueOf(o: Outcome<GetResponse__Output>): string | null | KvError {
  if ('error' in o) return o.error;
  return o.ok.found && o.ok.kv !== null ? Buffer.from(o.ok.kv.value).toString() : null;
}
