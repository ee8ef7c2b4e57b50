import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RawNode, SeededRng, bootstrapHardState, bootstrapSnapshot, invariant, nodeId, type ConfState, type LogIndex, type NodeId } from '../../raft/index.js';
import { Store, StorageError, type MvccReader, type RangeLocalReader, type SnapshotChunk } from '../../storage/index.js';
import type { StatusResponse } from '../../proto/generated/rangekv/v1/StatusResponse.js';
import { KvError } from '../../proto/kv-error.js';
import { replicaById, replicasToProto, type RangeDescriptor, type StoreId } from '../../proto/range-descriptor.js';
import { createAdminApi } from '../api/admin-api.js';
import type { AdminNode, ChangedReplicas, ReplicaChangeRequest } from '../api/admin-node.js';
import { createKvApi } from '../api/kv-api.js';
import type { KvLimits, KvNode } from '../api/kv-node.js';
import type { InitialRange } from '../config/cluster-config.js';
import type { NodeOptions, RunningNode } from '../config/node-options.js';
import { Gateway } from '../gateway/gateway.js';
import type { ServedRange } from '../gateway/local-ranges.js';
import { BatchOverlay } from '../kv/batch-overlay.js';
import { encodeCommand, type ClientSession, type KvOp, type WriteResult } from '../kv/command.js';
import { HybridLogicalClock } from '../kv/hlc.js';
import { commandKeyBytesMax, commandRefusal, commandValueBytesMax, sessionRecordBytesMax } from '../kv/command-limits.js';
import { KvStateMachine } from '../kv/kv-state-machine.js';
import type { Clock } from '../ports/clock.js';
import { SimulatedCrash, type FaultPoints } from '../ports/fault-points.js';
import type { NodeNetwork, PeerLinks } from '../ports/node-network.js';
import type { NodePorts } from '../ports/node-ports.js';
import type { Timer, Timers } from '../ports/timers.js';
import { decodeRangeDescriptor, encodeRangeDescriptor } from '../replica/range-descriptor-codec.js';
import { Replica, type AppliedWrite, type ReadMode } from '../replica/replica.js';
import { createInternalApi } from '../transport/internal-api.js';
import type { PeerCalls } from '../transport/peer-calls.js';
import type { PeerTransport } from '../transport/peer-transport.js';
import { AdminOps } from './admin-ops.js';
import { DriverLoop } from './driver-loop.js';
import { newLoopCounters, type LoopCounters } from './loop-counters.js';
import { ReplicaGc } from './replica-gc.js';
import { ReplicaSet, type KvReplica } from './replica-set.js';
import { RequestWaiters } from './request-waiters.js';
import { resolveOptions, type ResolvedOptions } from './resolved-options.js';
import { SnapshotTransfer } from './snapshot-transfer.js';
import { StoreLiveness } from './store-liveness.js';
import { UninitializedReplicas } from './uninitialized-replicas.js';

const statsIntervalMs = 10_000;
const shutdownGraceMs = 2_000;

/** How a node's process ends when it cannot go on (crash-only; see NodePorts.exit). */
export const nodeExitCodes = Object.freeze({
  /** The driver loop broke (a bug: an invariant failed, an unexpected exception). */
  loopFailed: 70,
  /** The store failed a write (I/O error, disk full): nothing more can be acknowledged. */
  storageFailed: 74,
  /** A simulated crash at a fault point (the simulator only). */
  simulatedCrash: 86,
});

/**
 * One store process: a Store (SQLite), one Replica per range it holds, its links to its peers and
 * the services it serves. It is the composition root: the driver loop (driver-loop.ts) runs every
 * raft group; snapshots, replica GC, store liveness and admin operations each live in their own
 * file; the services see it only through the KvNode and AdminNode interfaces; and everything
 * outside the process — time, timers, randomness, the network — comes in through NodePorts.
 */
export class Node implements KvNode, AdminNode, RunningNode {
  readonly storeId: StoreId;
  readonly clusterId: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly faults: FaultPoints;
  readonly limits: KvLimits;
  readonly staleReads: boolean;
  readonly replicas = new ReplicaSet();
  readonly gateway: Gateway;
  readonly counters: LoopCounters = newLoopCounters();
  private address_: string;
  private readonly opts: ResolvedOptions;
  private readonly store: Store;
  private readonly network: NodeNetwork;
  private readonly links: PeerLinks;
  private readonly waiters: RequestWaiters;
  private readonly hlc: HybridLogicalClock;
  private readonly machine: KvStateMachine;
  private readonly loop: DriverLoop;
  private readonly snapshots: SnapshotTransfer;
  private readonly adminOps: AdminOps;
  private readonly rng: NodePorts['rng'];
  private readonly exit: (code: number) => void;
  /** Unique to this incarnation of the process: prefixes its ReadIndex request contexts. */
  private readonly incarnation: string;
  private readonly timersStarted: Timer[] = [];
  private stopping = false;
  private dead = false;
  private stoppedPromise: Promise<void> | undefined;
  private lastCounters: LoopCounters = newLoopCounters();

  private constructor(options: NodeOptions, ports: NodePorts, store: Store, opts: ResolvedOptions) {
    this.storeId = options.storeId;
    this.clusterId = options.cluster.clusterId;
    this.log = options.logger.child({ storeId: options.storeId });
    this.clock = ports.clock;
    this.timers = ports.timers;
    this.faults = ports.faults;
    this.rng = ports.rng;
    this.exit = (code) => ports.exit(code);
    this.network = ports.network;
    this.store = store;
    this.opts = opts;
    this.limits = { keyBytesMax: opts.keyBytesMax, valueBytesMax: opts.valueBytesMax, defaultDeadlineMs: opts.defaultDeadlineMs };
    this.staleReads = opts.faults.staleReads === true;
    this.incarnation = `${this.rng.int(2 ** 31).toString(36)}.${this.rng.int(2 ** 31).toString(36)}`;
    const self = options.cluster.stores.find((s) => s.storeId === options.storeId);
    this.address_ = options.listenAddress ?? self?.address ?? '127.0.0.1:0';
    this.hlc = new HybridLogicalClock(() => this.clock.wallMs());
    const overlay = new BatchOverlay();
    this.machine = new KvStateMachine(store.mvcc, overlay, { skipDedup: opts.faults.skipDedup === true });
    this.waiters = new RequestWaiters(this.clock, this.timers, this.faults, opts.inflightRequestsMax);
    // The loop is created before the links exist; the transport's callbacks reach it through `this`.
    this.links = this.network.connect((s) => this.loop.onPeerUnreachable(s));
    const publicAddresses = new Map<StoreId, string>();
    for (const s of options.cluster.stores) publicAddresses.set(s.storeId, s.address);
    this.gateway = new Gateway({ publicAddresses, seedRanges: options.cluster.initialRanges.map(initialDescriptor), local: this.replicas, calls: this.links.calls });
    const transport = (): PeerTransport => this.links.transport;
    const layoutSpans = new Map(options.cluster.initialRanges.map((r) => [r.rangeId as number, { start: r.start, end: r.end }]));
    this.snapshots = new SnapshotTransfer(this.storeId, store, transport, this.log, this.faults, this.counters, (rangeId) => this.replicas.get(rangeId) !== undefined, (rangeId) => layoutSpans.get(rangeId), () => this.loop.scheduleTurn());
    this.adminOps = new AdminOps({
      storeId: this.storeId,
      clock: this.clock,
      timers: this.timers,
      replicas: this.replicas,
      waiters: this.waiters,
      knownStore: (s) => publicAddresses.has(s),
      admit: () => this.admit(),
      notLeader: (r) => this.notLeader(r),
      markDirty: (r) => this.loop.markDirty(r),
    });
    const electionTimeoutMs = opts.electionTimeoutTicks * opts.tickMs;
    const peers = options.cluster.stores.map((s) => s.storeId).filter((s) => s !== this.storeId);
    const gc = new ReplicaGc(this.storeId, this.replicas, this.gateway, transport, (r) => this.destroyReplica(r), (e) => this.die(e), this.log, 3 * electionTimeoutMs);
    this.loop = new DriverLoop({
      storeId: this.storeId,
      clock: this.clock,
      timers: this.timers,
      faults: this.faults,
      logger: this.log,
      store,
      replicas: this.replicas,
      transport,
      snapshots: this.snapshots,
      uninitialized: new UninitializedReplicas(this.log, (rangeId) => store.rangeTombstone(rangeId)),
      gc,
      liveness: new StoreLiveness(peers, electionTimeoutMs, opts.livenessPingMs, this.clock.monotonicMs()),
      admin: this.adminOps,
      overlay,
      counters: this.counters,
      tickMs: opts.tickMs,
      electionTimeoutTicks: opts.electionTimeoutTicks,
      logTruncateThresholdEntries: opts.logTruncateThresholdEntries,
      logRetainEntries: opts.logRetainEntries,
      switches: { ackAppendBeforeDurable: opts.faults.ackAppendBeforeDurable === true, quiescedNeverWakes: opts.faults.quiescedNeverWakes === true },
      persistedDescriptor: (rangeId) => this.persistedDescriptor(rangeId),
      addReplica: (rangeId, id) => this.addReplica(rangeId, id),
      destroyReplica: (r) => this.destroyReplica(r),
      notLeader: (r) => this.notLeader(r),
      die: (e) => this.die(e),
    });
  }

  /** Opens the store, creates or loads the replicas, starts serving and starts the loop. */
  static async start(options: NodeOptions, ports: NodePorts): Promise<Node> {
    const opts = resolveOptions(options);
    const self = options.cluster.stores.find((s) => s.storeId === options.storeId);
    if (self === undefined) throw new KvError('INVALID_ARGUMENT', `store ${options.storeId} is not in cluster ${options.cluster.clusterId}`);
    mkdirSync(options.dataDir, { recursive: true });
    const faults = ports.faults;
    let node: Node | undefined;
    const store = Store.open({
      path: join(options.dataDir, 'store.db'),
      clusterId: options.cluster.clusterId,
      storeId: options.storeId,
      logger: options.logger,
      // What apply accepts, whatever this node's API limits: storage must never refuse a committed write.
      keyBytesMax: commandKeyBytesMax,
      valueBytesMax: commandValueBytesMax,
      localValueBytesMax: sessionRecordBytesMax,
      durability: opts.storageDurability,
      nowMs: () => Math.floor(ports.clock.wallMs()),
      ...(faults.enabled ? { injectCommitFailure: () => faults.fire('storage.commitFails') } : {}),
      // A write that fails anywhere — the loop's batch, a snapshot being staged, a replica being
      // destroyed — fences the store; the node then ends on its next turn (crash-only), whoever wrote.
      onFenced: (err) => ports.timers.soon(() => node?.die(err)),
    });
    try {
      node = new Node(options, ports, store, opts);
      node.bootstrapRanges(options.cluster.initialRanges);
      node.loadReplicas();
      node.address_ = await node.network.serve({
        kv: createKvApi(node),
        admin: createAdminApi(node),
        internal: createInternalApi({
          clusterId: node.clusterId,
          storeId: node.storeId,
          logger: node.log,
          clock: node.clock,
          inbound: {
            onRaftMessages: (from, envelopes) => node!.loop.onRaftMessages(from, envelopes),
            onSnapshot: (offer) => node!.snapshots.receive(offer),
            rangeInfo: (rangeId) => node!.rangeInfo(rangeId),
          },
        }),
      });
    } catch (e) {
      ports.network.close();
      store.close();
      throw e;
    }
    const n = node;
    n.timersStarted.push(n.timers.every(opts.tickMs, () => n.loop.scheduleTurn()));
    n.timersStarted.push(n.timers.every(statsIntervalMs, () => n.logActivity()));
    n.log.info({ address: n.address_, ranges: n.replicas.size, clusterId: n.clusterId }, 'node started');
    n.loop.scheduleTurn();
    return n;
  }

  get address(): string {
    return this.address_;
  }

  get calls(): PeerCalls {
    return this.links.calls;
  }

  get data(): MvccReader {
    return this.store.mvcc;
  }

  /** Read-only views of the store, for the simulator's invariant checks and tests. */
  inspectStore(): { readonly mvcc: MvccReader; rangeLocal(rangeId: number): RangeLocalReader; openSnapshotStream(rangeId: number): Iterable<SnapshotChunk> } {
    return { mvcc: this.store.mvcc, rangeLocal: (rangeId) => this.store.rangeLocal(rangeId), openSnapshotStream: (rangeId) => this.store.openSnapshotStream(rangeId) };
  }

  /**
   * Creates, on the store's first start, the replicas of the configured initial ranges that live on
   * it, and marks the store bootstrapped in the same transaction. Never again after that: a range
   * absent from a bootstrapped store was removed from it and would come back as a voter of the
   * initial configuration with an empty log (seed 6405's zombie group). A first start that crashes
   * before this commit left neither ranges nor marker, and bootstraps again.
   */
  private bootstrapRanges(ranges: readonly InitialRange[]): void {
    if (this.store.bootstrapped) {
      const absent = ranges.filter((r) => r.stores.includes(this.storeId) && !this.store.hasRange(r.rangeId) && this.store.rangeTombstone(r.rangeId) === 0);
      if (absent.length > 0) {
        this.log.warn({ rangeIds: absent.map((r) => r.rangeId) }, 'the initial layout places ranges on this store that it does not hold; it bootstrapped before, so they are not created (a layout applies at a store’s first start only)');
      }
      return;
    }
    const batch = this.store.batch();
    let created = 0;
    for (const r of ranges) {
      if (r.stores.indexOf(this.storeId) < 0) continue;
      // Only a store that never held a range is unmarked (see schema 4): nothing here to overwrite.
      invariant(!this.store.hasRange(r.rangeId) && this.store.rangeTombstone(r.rangeId) === 0, () => `store ${this.storeId} is not bootstrapped but holds range ${r.rangeId} or its tombstone`);
      const descriptor = initialDescriptor(r);
      const confState: ConfState = { voters: descriptor.replicas.map((x) => nodeId(x.replicaId)), votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false };
      const descriptorBytes = encodeRangeDescriptor(descriptor);
      batch.createRange(r.rangeId, { span: { start: r.start, end: r.end }, descriptor: descriptorBytes, confState });
      batch.installSnapshot(r.rangeId, bootstrapSnapshot(confState, descriptorBytes), null);
      batch.setHardState(r.rangeId, bootstrapHardState);
      created++;
    }
    batch.markBootstrapped(Math.floor(this.clock.wallMs()));
    batch.commit();
    this.log.info({ ranges: created }, 'bootstrapped initial ranges');
  }

  private loadReplicas(): void {
    for (const id of this.store.rangeIds()) {
      const descriptor = this.persistedDescriptor(id);
      const me = descriptor.replicas.find((r) => r.storeId === this.storeId);
      if (me === undefined) {
        // The replica applied its own removal and the process ended before it deleted itself (a
        // crash or a failed write between the two batches): finish the removal now. Every replica
        // id this store could have held is below the descriptor's next id, so that is the tombstone:
        // a stale leader's traffic for the old replica never brings it back.
        this.store.batch().deleteRange(id, { deleteSpanData: true, tombstoneNextReplicaId: descriptor.nextReplicaId }).commit();
        this.log.info({ rangeId: id, epoch: descriptor.epoch, tombstone: descriptor.nextReplicaId }, 'finished removing a replica whose removal was applied before the last stop');
        continue;
      }
      this.addReplica(id, nodeId(me.replicaId));
    }
  }

  private persistedDescriptor(rangeId: number): RangeDescriptor {
    return decodeRangeDescriptor(this.store.rangeStorage(rangeId).descriptor());
  }

  private addReplica(rangeId: number, replicaId: NodeId): KvReplica {
    invariant(this.replicas.get(rangeId) === undefined, () => `range ${rangeId} already has a replica on store ${this.storeId}`);
    const storage = this.store.rangeStorage(rangeId);
    const descriptor = this.persistedDescriptor(rangeId);
    const listed = replicaById(descriptor, replicaId);
    invariant(listed !== undefined && listed.storeId === this.storeId, () => `replica ${replicaId} of range ${rangeId} is not on store ${this.storeId} in its persisted descriptor`);
    const raw = new RawNode(
      {
        id: replicaId,
        rng: new SeededRng(this.rng.int(2 ** 31)),
        electionTimeoutTicks: this.opts.electionTimeoutTicks,
        heartbeatIntervalTicks: this.opts.heartbeatIntervalTicks,
        appliedIndex: storage.appliedIndex(),
        preVote: true,
        checkQuorum: true,
        leaseReads: this.opts.leaseReads,
        quiesce: true,
        // A new replica cannot vote before its first snapshot: voters added faster than they catch
        // up could leave a range that never elects a leader (long-run seed 200628).
        strictConfChange: true,
      },
      storage,
    );
    const replica = new Replica<WriteResult>({
      raw,
      storage,
      descriptor,
      replicaId,
      machine: this.machine,
      log: this.log.child({ rangeId: descriptor.rangeId }),
      readCtxPrefix: this.incarnation,
      faults: { ackBeforeCommit: this.opts.faults.ackBeforeCommit === true, applyBeforeCommit: this.opts.faults.applyBeforeCommit === true },
      queuedRequestsMax: this.opts.inflightRequestsMax + 1,
    });
    this.replicas.add(replica);
    this.loop.markDirty(replica);
    return replica;
  }

  /** Deletes a replica that was removed from its range (it applied its removal, or GC found it). */
  private destroyReplica(r: KvReplica): void {
    if (!this.replicas.remove(r)) return;
    r.failAll(new KvError('RANGE_NOT_FOUND', `replica of range ${r.rangeId} was removed from store ${this.storeId}`));
    this.loop.forget(r);
    this.gateway.learnDescriptor(r.descriptor);
    this.store.batch().deleteRange(r.rangeId, { deleteSpanData: true, tombstoneNextReplicaId: r.replicaId + 1 }).commit();
    r.log.info({ epoch: r.descriptor.epoch }, 'replica removed from this store');
  }

  private rangeInfo(rangeId: number): { descriptor: Uint8Array; leader: StoreId | undefined } | undefined {
    const r = this.replicas.get(rangeId);
    return r === undefined ? undefined : { descriptor: encodeRangeDescriptor(r.descriptor), leader: r.leaderStore() };
  }

  // -----------------------------------------------------------------------------------------------
  // KvNode and AdminNode

  localRange(rangeId: number): ServedRange | undefined {
    return this.replicas.get(rangeId);
  }

  notLeader(range: ServedRange): KvError {
    const leader = range.leaderStore();
    if (leader === undefined) return new KvError('NOT_LEADER', `range ${range.rangeId}: no leader known at store ${this.storeId}`, { retryAfterMs: 50 });
    return new KvError('NOT_LEADER', `range ${range.rangeId}: store ${leader} leads, not ${this.storeId}`, {
      leaderStoreId: leader,
      leaderAddress: this.gateway.addressOf(leader) ?? '',
    });
  }

  /** Admission control: past inflightRequestsMax the node sheds load with OVERLOADED rather than queue without bound. */
  private admit(): void {
    if (this.dead) throw new KvError('UNAVAILABLE', `store ${this.storeId} stopped serving`);
    if (this.stopping) throw new KvError('SHUTTING_DOWN', `store ${this.storeId} is shutting down`);
    if (this.waiters.full) {
      throw new KvError('OVERLOADED', `store ${this.storeId} has ${this.waiters.count} requests in flight`, { retryAfterMs: 100 });
    }
  }

  private replicaOf(range: ServedRange): KvReplica {
    const r = this.replicas.get(range.rangeId);
    if (r === undefined || r !== range) throw new KvError('RANGE_NOT_FOUND', `store ${this.storeId} has no replica of range ${range.rangeId}`);
    return r;
  }

  proposeWrite(range: ServedRange, session: ClientSession | null, op: KvOp, deadlineAtMs: number): Promise<AppliedWrite<WriteResult>> {
    this.admit();
    const r = this.replicaOf(range);
    if (!r.isLeader()) throw this.notLeader(r);
    // The log's own admission check, the one every replica repeats when applying: whatever the
    // caller checked, nothing enters the log that apply would refuse.
    const refusal = commandRefusal(op, r.descriptor);
    if (refusal !== undefined) throw new KvError('INVALID_ARGUMENT', refusal);
    const data = encodeCommand({ session, proposedTs: this.hlc.now(), op });
    // Past the deadline the write may still commit: its outcome is unknown, never "failed".
    const { waiter, promise } = this.waiters.create<AppliedWrite<WriteResult>>(
      deadlineAtMs,
      () => new KvError('OUTCOME_UNKNOWN', `range ${r.rangeId}: the write was proposed but not applied before the deadline`),
    );
    r.propose(data, waiter);
    this.loop.markDirty(r);
    return promise;
  }

  read<T>(range: ServedRange, mode: ReadMode, deadlineAtMs: number, execute: (appliedIndex: LogIndex) => T): Promise<T> {
    this.admit();
    const r = this.replicaOf(range);
    const { waiter, promise } = this.waiters.create<T>(deadlineAtMs, () => new KvError('DEADLINE_EXCEEDED', `range ${r.rangeId}: read not served before the deadline`));
    r.read({ mode, execute, waiter });
    this.loop.markDirty(r);
    return promise;
  }

  transferLeader(rangeId: number, to: StoreId, deadlineAtMs: number): Promise<number> {
    return this.adminOps.transferLeader(rangeId, to, deadlineAtMs);
  }

  changeReplicas(rangeId: number, changes: readonly ReplicaChangeRequest[], deadlineAtMs: number): Promise<ChangedReplicas> {
    return this.adminOps.changeReplicas(rangeId, changes, deadlineAtMs);
  }

  status(): StatusResponse {
    const replicas = [...this.replicas.all()].map((r) => {
      const d = r.descriptor;
      const s = r.raw.status();
      return {
        rangeId: String(d.rangeId),
        start: Buffer.from(d.start),
        end: Buffer.from(d.end),
        epoch: { confVersion: String(d.epoch.confVersion), version: String(d.epoch.version) },
        replicaId: String(r.replicaId),
        role: s.role,
        term: String(s.term),
        leaderStoreId: String(r.leaderStore() ?? 0),
        commitIndex: String(s.commit),
        appliedIndex: String(r.appliedIndex()),
        quiesced: s.quiesced,
        replicas: replicasToProto(d),
      };
    });
    return { clusterId: this.clusterId, storeId: String(this.storeId), address: this.address_, replicas, inflightRequests: String(this.waiters.count) };
  }

  // -----------------------------------------------------------------------------------------------
  // Death and shutdown

  /**
   * The loop broke (a failed invariant, a storage failure, a simulated crash): crash-only. Nothing
   * more is acknowledged, and the process ends — a node never lingers as a zombie leader. Clients
   * of in-flight requests see their connection drop (an unknown outcome, as it must be).
   */
  private die(e: unknown): void {
    if (this.dead) return;
    this.dead = true;
    this.loop.stop();
    for (const t of this.timersStarted) t.cancel();
    let code: number;
    if (e instanceof SimulatedCrash) {
      code = nodeExitCodes.simulatedCrash;
      this.log.info({ point: e.point }, 'simulated crash');
    } else if (e instanceof StorageError) {
      code = nodeExitCodes.storageFailed;
      this.log.fatal({ err: e }, 'storage failure: the store is fenced; exiting');
    } else {
      code = nodeExitCodes.loopFailed;
      this.log.fatal({ err: e }, 'driver loop failed; exiting');
    }
    this.exit(code);
  }

  /** Stops accepting, lets in-flight requests finish for a moment, fails the rest, closes. Idempotent. */
  stop(reason: string): Promise<void> {
    if (this.stoppedPromise !== undefined) return this.stoppedPromise;
    this.stoppedPromise = this.doStop(reason);
    return this.stoppedPromise;
  }

  private async doStop(reason: string): Promise<void> {
    this.log.info({ reason }, 'node stopping');
    // Stop accepting new calls; give in-flight ones a moment to finish while the loop keeps running.
    await this.network.drain(shutdownGraceMs);
    this.stopping = true;
    this.loop.stop();
    for (const t of this.timersStarted) t.cancel();
    const err = new KvError('SHUTTING_DOWN', `store ${this.storeId} shut down`);
    for (const r of this.replicas.all()) r.failAll(err);
    this.adminOps.failAll(err);
    this.snapshots.failAll();
    this.network.close();
    this.store.close();
    this.log.info({ turns: this.counters.turns }, 'node stopped');
  }

  /** Closes the store without the graceful part (the simulator's crash: what is committed stays). */
  abandon(): void {
    this.dead = true;
    this.loop.stop();
    for (const t of this.timersStarted) t.cancel();
    this.network.close();
    if (!this.store.isClosed) this.store.close();
  }

  /** One info line per interval while the node is busy: what the loop did, for operators and profiling. */
  private logActivity(): void {
    const c = this.counters;
    const p = this.lastCounters;
    const d = (k: keyof LoopCounters): number => c[k] - p[k];
    if (d('proposals') + d('messagesIn') > 0) {
      const secs = statsIntervalMs / 1000;
      this.log.info(
        {
          turnsPerSec: Math.round(d('turns') / secs),
          commitsPerSec: Math.round(d('commits') / secs),
          commitMsAvg: d('commits') === 0 ? 0 : Number((d('commitMs') / d('commits')).toFixed(2)),
          readiesPerCommit: d('commits') === 0 ? 0 : Number((d('readies') / d('commits')).toFixed(1)),
          proposalsPerSec: Math.round(d('proposals') / secs),
          messagesInPerSec: Math.round(d('messagesIn') / secs),
          messagesOutPerSec: Math.round(d('messagesOut') / secs),
          droppedMessages: this.links.transport.droppedMessages,
          inflightRequests: this.waiters.count,
        },
        'activity',
      );
    }
    this.lastCounters = { ...c };
  }
}

/** The descriptor of a range of the static layout, as every store bootstraps it. */
function initialDescriptor(r: InitialRange): RangeDescriptor {
  const replicas = r.stores.map((s, i) => ({ storeId: s, replicaId: i + 1, role: 'voter' as const }));
  return { rangeId: r.rangeId, start: r.start, end: r.end, epoch: { confVersion: 1, version: 1 }, replicas, nextReplicaId: replicas.length + 1 };
}
