import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import {
  MemoryStorage,
  NoNode,
  RawNode,
  SeededRng,
  bootstrapHardState,
  bootstrapSnapshot,
  emptyConfState,
  nodeId,
  type ConfChange,
  type ConfChangeSingle,
  type ConfState,
  type Message,
  type NodeId,
} from '../../raft/index.js';
import {
  Store,
  StorageError,
  decodeSnapshotChunk,
  encodeSnapshotChunk,
  isStorageError,
  type SnapshotChunk,
  type SnapshotReceiver,
} from '../../storage/index.js';
import type { InitialRange } from '../config/cluster-config.js';
import { encodeNodeConfChange } from '../replica/conf-change-entry.js';
import { createAdminService } from '../api/admin-service.js';
import { Gateway } from '../gateway/gateway.js';
import { adminProto, internalProto, kvProto } from '../../proto/grpc-definitions.js';
import { HybridLogicalClock } from '../kv/hlc.js';
import { KvError } from '../../proto/kv-error.js';
import { createKvService } from '../api/kv-service.js';
import type { FaultSwitches, NodeOptions, RunningNode } from '../config/node-options.js';
import type { RaftEnvelope } from '../transport/raft-codec.js';
import { rangeContainsKey, replicaById, storeId as toStoreId, type RangeDescriptor, type StoreId } from '../../proto/range-descriptor.js';
import { decodeRangeDescriptor, encodeRangeDescriptor } from '../replica/range-descriptor-codec.js';
import { Replica, type AppliedWrite, type StagedReady, type Waiter } from '../replica/replica.js';
import { BatchOverlay, KvStateMachine } from '../kv/kv-state-machine.js';
import { Transport, type SnapshotOffer, type SnapshotOutcome } from '../transport/transport.js';

/** Bounds on replicas created by contact from a leader, before their first snapshot arrives. */
const uninitializedMax = 1000;
const uninitializedTtlMs = 60_000;
const statsIntervalMs = 10_000;

export async function startNode(options: NodeOptions): Promise<RunningNode> {
  return Node.start(options);
}

interface ResolvedOptions {
  readonly tickMs: number;
  readonly electionTimeoutTicks: number;
  readonly heartbeatIntervalTicks: number;
  readonly leaseReads: boolean;
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
  readonly inflightRequestsMax: number;
  readonly defaultDeadlineMs: number;
  readonly faults: FaultSwitches;
  /** Truncate a range's log once this many applied entries are retained... */
  readonly logTruncateThresholdEntries: number;
  /** ...keeping this many behind the applied index for slow followers. */
  readonly logRetainEntries: number;
}

interface SnapshotArrival {
  readonly rangeId: number;
  /** The range as the snapshot describes it (creates the replica when this store never held it). */
  readonly descriptor: RangeDescriptor;
  readonly message: Extract<Message, { type: 'snap' }>;
  readonly staged: ReturnType<SnapshotReceiver['finish']>;
  readonly receiver: SnapshotReceiver;
  readonly resolve: (o: SnapshotOutcome) => void;
}

/**
 * One store process: a Store (SQLite), one Replica per range it holds, the transport to its peers
 * and the gRPC services. A single driver loop runs every raft group (see `turn`); everything else
 * — gRPC handlers, transport callbacks, timers — only queues work and schedules a turn.
 */
export class Node implements RunningNode {
  readonly storeId: StoreId;
  address: string;
  readonly logger: Logger;
  readonly store: Store;
  readonly replicas = new Map<number, Replica>();
  readonly hlc = new HybridLogicalClock();
  readonly opts: ResolvedOptions;
  readonly gateway: Gateway;
  private readonly transport: Transport;
  private server: grpc.Server | undefined;
  private readonly awake = new Set<Replica>();
  private readonly dirty = new Set<Replica>();
  private inbox: { fromStore: StoreId; env: RaftEnvelope }[] = [];
  /**
   * Replicas of ranges this store does not hold yet, created when their leader first writes to
   * them: in memory only, they just answer (rejecting appends) so that the leader sends a snapshot,
   * which creates the real replica. They never vote: a vote must be durable.
   */
  private readonly uninitialized = new Map<number, { raw: RawNode; replicaId: NodeId; peers: Map<number, StoreId>; createdAtMs: number }>();
  private readonly adminWaits: { check: () => boolean; fail: (e: KvError) => void; deadlineAtMs: number }[] = [];
  private snapshotArrivals: SnapshotArrival[] = [];
  private snapshotReports: { rangeId: number; to: NodeId; status: 'finished' | 'failed' }[] = [];
  private unreachable = new Set<StoreId>();
  private readonly overlay = new BatchOverlay();
  private readonly machine: KvStateMachine;
  private turnScheduled = false;
  private lastTickAtMs = performance.now();
  private tickTimer: NodeJS.Timeout | undefined;
  private turns = 0;
  /** Counters for the periodic activity log (and Admin.Status). */
  readonly counters = { turns: 0, commits: 0, commitMs: 0, readies: 0, proposals: 0, messagesIn: 0, messagesOut: 0 };
  private statsTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private stoppedPromise: Promise<void> | undefined;
  private fatal: KvError | undefined;
  inflightRequests = 0;

  private constructor(
    readonly options: NodeOptions,
    store: Store,
    opts: ResolvedOptions,
  ) {
    this.storeId = options.storeId;
    this.logger = options.logger.child({ storeId: options.storeId });
    this.store = store;
    this.opts = opts;
    const self = options.cluster.stores.find((s) => s.storeId === options.storeId);
    this.address = options.listenAddress ?? self?.address ?? '127.0.0.1:0';
    const peers = new Map<StoreId, string>();
    for (const s of options.cluster.stores) peers.set(s.storeId, options.peerAddressOverrides?.get(s.storeId) ?? s.address);
    this.transport = new Transport({ clusterId: options.cluster.clusterId, storeId: this.storeId, peers, logger: this.logger });
    this.machine = new KvStateMachine(store.mvcc, this.overlay, opts.faults.skipDedup === true);
    this.gateway = new Gateway(this, peers);
  }

  static async start(options: NodeOptions): Promise<Node> {
    const opts = resolveOptions(options);
    const self = options.cluster.stores.find((s) => s.storeId === options.storeId);
    if (self === undefined) throw new KvError('INVALID_ARGUMENT', `store ${options.storeId} is not in cluster ${options.cluster.clusterId}`);
    mkdirSync(options.dataDir, { recursive: true });
    const store = Store.open({
      path: join(options.dataDir, 'store.db'),
      clusterId: options.cluster.clusterId,
      storeId: options.storeId,
      logger: options.logger,
      keyBytesMax: opts.keyBytesMax,
      valueBytesMax: opts.valueBytesMax,
    });
    const node = new Node(options, store, opts);
    try {
      node.bootstrapRanges(options.cluster.initialRanges);
      node.loadReplicas();
      await node.listen();
    } catch (e) {
      node.transport.close();
      store.close();
      throw e;
    }
    node.tickTimer = setInterval(() => node.scheduleTurn(), opts.tickMs);
    node.statsTimer = setInterval(() => node.logActivity(), statsIntervalMs);
    node.statsTimer.unref();
    node.logger.info({ address: node.address, ranges: node.replicas.size, clusterId: options.cluster.clusterId }, 'node started');
    node.scheduleTurn();
    return node;
  }

  /** Creates, on first start, the replicas of the configured initial ranges that live on this store. */
  private bootstrapRanges(ranges: readonly InitialRange[]): void {
    const batch = this.store.batch();
    let created = 0;
    for (const r of ranges) {
      const index = r.stores.indexOf(this.storeId);
      if (index < 0 || this.store.hasRange(r.rangeId)) continue;
      const replicas = r.stores.map((s, i) => ({ storeId: s, replicaId: i + 1, role: 'voter' as const }));
      const descriptor: RangeDescriptor = { rangeId: r.rangeId, start: r.start, end: r.end, epoch: { confVersion: 1, version: 1 }, replicas, nextReplicaId: replicas.length + 1 };
      const confState: ConfState = { voters: replicas.map((x) => nodeId(x.replicaId)), votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false };
      const descriptorBytes = encodeRangeDescriptor(descriptor);
      batch.createRange(r.rangeId, { span: { start: r.start, end: r.end }, descriptor: descriptorBytes, confState });
      batch.installSnapshot(r.rangeId, bootstrapSnapshot(confState, descriptorBytes), null);
      batch.setHardState(r.rangeId, bootstrapHardState);
      created++;
    }
    if (created > 0) {
      batch.commit();
      this.logger.info({ ranges: created }, 'bootstrapped initial ranges');
    }
  }

  private loadReplicas(): void {
    for (const id of this.store.rangeIds()) {
      const storage = this.store.rangeStorage(id);
      const descriptor = decodeRangeDescriptor(storage.descriptor());
      const me = descriptor.replicas.find((r) => r.storeId === this.storeId);
      if (me === undefined) {
        this.logger.warn({ rangeId: id }, 'store holds a range whose descriptor does not list it; not serving it');
        continue;
      }
      this.addReplica(descriptor, nodeId(me.replicaId));
    }
  }

  private addReplica(descriptor: RangeDescriptor, replicaId: NodeId): Replica {
    const storage = this.store.rangeStorage(descriptor.rangeId);
    const log = this.logger.child({ rangeId: descriptor.rangeId });
    const raw = new RawNode(
      {
        id: replicaId,
        rng: new SeededRng((this.storeId * 1_000_003 + descriptor.rangeId * 7919 + Date.now()) >>> 0),
        electionTimeoutTicks: this.opts.electionTimeoutTicks,
        heartbeatIntervalTicks: this.opts.heartbeatIntervalTicks,
        appliedIndex: storage.appliedIndex(),
        preVote: true,
        checkQuorum: true,
        leaseReads: this.opts.leaseReads,
        quiesce: true,
      },
      storage,
    );
    const replica = new Replica(raw, storage, descriptor, replicaId, log);
    replica.ackBeforeCommit = this.opts.faults.ackBeforeCommit === true;
    this.replicas.set(descriptor.rangeId, replica);
    this.awake.add(replica);
    this.dirty.add(replica);
    return replica;
  }

  private async listen(): Promise<void> {
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 << 20, 'grpc.max_send_message_length': 64 << 20 });
    server.addService(kvProto().rangekv.v1.KV.service, createKvService(this));
    server.addService(adminProto().rangekv.v1.Admin.service, createAdminService(this));
    server.addService(
      internalProto().rangekv.internal.v1.Internal.service,
      this.transport.service({
        onRaftMessages: (from, envelopes) => this.onRaftMessages(from, envelopes),
        onSnapshot: (offer) => this.onSnapshot(offer),
        onPeerUnreachable: (s) => this.onPeerUnreachable(s),
        rangeInfo: (rangeId) => {
          const r = this.replicas.get(rangeId);
          return r === undefined ? undefined : { descriptor: encodeRangeDescriptor(r.descriptor), leader: r.leaderStore() };
        },
      }),
    );
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(this.address, grpc.ServerCredentials.createInsecure(), (err, p) => (err === null ? resolve(p) : reject(err)));
    });
    const host = this.address.slice(0, this.address.lastIndexOf(':'));
    this.address = `${host}:${port}`;
    this.server = server;
  }

  // -----------------------------------------------------------------------------------------------
  // Requests (from the KV service)

  /** The local replica whose range contains `key`, if this store holds one. */
  replicaForKey(key: Uint8Array): Replica | undefined {
    for (const r of this.replicas.values()) if (rangeContainsKey(r.descriptor, key)) return r;
    return undefined;
  }

  /** A NOT_LEADER error pointing at the replica's believed leader. */
  notLeader(r: Replica): KvError {
    const leader = r.leaderStore();
    if (leader === undefined) return new KvError('NOT_LEADER', `range ${r.rangeId}: no leader known at store ${this.storeId}`, { retryAfterMs: 50 });
    return new KvError('NOT_LEADER', `range ${r.rangeId}: store ${leader} leads, not ${this.storeId}`, {
      leaderStoreId: leader,
      leaderAddress: this.gateway.addressOf(leader) ?? '',
    });
  }

  /**
   * Queues work for a replica and wakes the loop. Admission control: past inflightRequestsMax the
   * node sheds load with OVERLOADED rather than queue without bound.
   */
  admit(): void {
    if (this.fatal !== undefined) throw this.fatal;
    if (this.stopping) throw new KvError('SHUTTING_DOWN', `store ${this.storeId} is shutting down`);
    if (this.inflightRequests >= this.opts.inflightRequestsMax) {
      throw new KvError('OVERLOADED', `store ${this.storeId} has ${this.inflightRequests} requests in flight`, { retryAfterMs: 100 });
    }
  }

  /** Wraps a promise's settlement so it is counted and bounded by a deadline. */
  waiter<T>(deadlineAtMs: number, onDeadline: () => KvError): { waiter: Waiter<T>; promise: Promise<T> } {
    this.inflightRequests++;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let resolveFn!: (v: T) => void;
    let rejectFn!: (e: KvError) => void;
    const promise = new Promise<T>((res, rej) => {
      resolveFn = res;
      rejectFn = rej;
    });
    const done = (): boolean => {
      if (settled) return false;
      settled = true;
      this.inflightRequests--;
      if (timer !== undefined) clearTimeout(timer);
      return true;
    };
    const waiter: Waiter<T> = {
      deadlineAtMs,
      resolve: (v) => {
        if (done()) resolveFn(v);
      },
      reject: (e) => {
        if (done()) rejectFn(e);
      },
    };
    timer = setTimeout(() => waiter.reject(onDeadline()), Math.max(0, deadlineAtMs - Date.now()));
    return { waiter, promise };
  }

  scheduleTurn(): void {
    if (this.turnScheduled || this.stopping || this.fatal !== undefined) return;
    this.turnScheduled = true;
    setImmediate(() => this.turn());
  }

  markDirty(r: Replica): void {
    this.dirty.add(r);
    this.awake.add(r);
    this.scheduleTurn();
  }

  // -----------------------------------------------------------------------------------------------
  // Transport callbacks

  private onRaftMessages(from: StoreId, envelopes: RaftEnvelope[]): void {
    this.counters.messagesIn += envelopes.length;
    for (const env of envelopes) this.inbox.push({ fromStore: from, env });
    this.scheduleTurn();
  }

  private onPeerUnreachable(storeId: StoreId): void {
    this.unreachable.add(storeId);
    this.scheduleTurn();
  }

  private async onSnapshot(offer: SnapshotOffer): Promise<SnapshotOutcome> {
    if (offer.message.type !== 'snap') return { applied: false, errorCode: 'MALFORMED', message: 'not a snapshot message' };
    const message = offer.message;
    let receiver: SnapshotReceiver | undefined;
    let descriptor: RangeDescriptor | undefined = this.replicas.get(offer.rangeId)?.descriptor;
    try {
      for await (const bytes of offer.chunks) {
        const chunk: SnapshotChunk = decodeSnapshotChunk(bytes);
        if (receiver === undefined) {
          if (chunk.kind !== 'header') return { applied: false, errorCode: 'MALFORMED', message: 'snapshot data must start with its header' };
          if (chunk.header.appliedIndex !== message.snapshot.metadata.index || chunk.header.rangeId !== offer.rangeId) {
            return { applied: false, errorCode: 'MALFORMED', message: 'snapshot data does not match its raft snapshot' };
          }
          const snapDescriptor = decodeRangeDescriptor(chunk.header.descriptor);
          const mine = snapDescriptor.replicas.find((x) => x.storeId === this.storeId);
          if (mine === undefined || mine.replicaId !== message.to) {
            return { applied: false, errorCode: 'RANGE_NOT_FOUND', message: `the snapshot's range does not place replica ${message.to} on store ${this.storeId}` };
          }
          if (!this.store.hasRange(offer.rangeId)) {
            // First contact with this range: create its (empty) state; the snapshot fills it.
            this.store.batch().createRange(offer.rangeId, { span: chunk.header.span, descriptor: chunk.header.descriptor, confState: emptyConfState }).commit();
            this.logger.info({ rangeId: offer.rangeId }, 'created a replica to receive its first snapshot');
          }
          descriptor ??= snapDescriptor;
          receiver = this.store.beginSnapshotInstall(offer.rangeId, chunk.header);
        } else {
          receiver.receive(chunk);
        }
      }
      if (receiver === undefined || descriptor === undefined) return { applied: false, errorCode: 'MALFORMED', message: 'snapshot without data' };
      const d = descriptor;
      const staged = receiver.finish();
      const r = receiver;
      this.logger.debug({ rangeId: offer.rangeId, index: message.snapshot.metadata.index, writes: staged.writeCount }, 'snapshot received');
      return await new Promise<SnapshotOutcome>((resolve) => {
        this.snapshotArrivals.push({ rangeId: offer.rangeId, descriptor: d, message, staged, receiver: r, resolve });
        this.scheduleTurn();
      });
    } catch (e) {
      receiver?.abort();
      const code = isStorageError(e) ? e.code : e instanceof KvError ? e.code : 'MALFORMED';
      return { applied: false, errorCode: code, message: (e as Error).message };
    }
  }

  // -----------------------------------------------------------------------------------------------
  // The driver loop

  /**
   * One turn of the loop, for every raft group at once:
   *   tick to the present → step inbound messages → submit queued client work →
   *   stage every Ready into ONE write batch → commit (one fsync) → send messages →
   *   answer requests and advance.
   * Ticking first matters: a leader lease must never be judged on a clock that fell behind while
   * the process was paused.
   */
  private turn(): void {
    this.turnScheduled = false;
    if (this.stopping || this.fatal !== undefined) return;
    this.turns++;
    this.counters.turns++;
    try {
      this.tickToNow();
      this.stepInbound();
      this.stageAndCommit();
    } catch (e) {
      this.die(e);
      return;
    }
    for (const r of this.replicas.values()) {
      if (r.raw.hasReady() || r.hasQueuedWork()) {
        this.dirty.add(r);
        this.scheduleTurn();
      }
    }
  }

  /**
   * Replica GC: a replica removed from its range often never learns it (the leader stops talking to
   * it). One that has heard from no leader for a few election timeouts asks the stores of its
   * range's other replicas for their descriptor; a newer one that does not list this replica means
   * it was removed in a committed configuration, so it is deleted.
   */
  private checkLeaderless(): void {
    const now = Date.now();
    const leaderlessMs = 3 * this.opts.electionTimeoutTicks * this.opts.tickMs;
    for (const r of this.replicas.values()) {
      if (r.raw.raft.lead !== NoNode) {
        r.leaderlessSinceMs = undefined;
        continue;
      }
      r.leaderlessSinceMs ??= now;
      if (now - r.leaderlessSinceMs < leaderlessMs || r.gcCheckInFlight) continue;
      const others = r.descriptor.replicas.filter((x) => x.storeId !== this.storeId);
      const ask = others[r.gcAttempts++ % Math.max(1, others.length)];
      if (ask === undefined) continue;
      r.gcCheckInFlight = true;
      void this.transport.queryRangeInfo(ask.storeId, r.rangeId, 1000).then((info) => {
        r.gcCheckInFlight = false;
        if (info === undefined || !info.found) return;
        let theirs: RangeDescriptor;
        try {
          theirs = decodeRangeDescriptor(info.descriptor);
        } catch {
          return;
        }
        this.gateway.learnDescriptor(theirs);
        if (info.leader !== 0) this.gateway.learnLeader(r.rangeId, info.leader as StoreId);
        const me = theirs.replicas.find((x) => x.storeId === this.storeId);
        const removed = theirs.epoch.confVersion > r.descriptor.epoch.confVersion && (me === undefined || me.replicaId !== r.replicaId);
        if (removed && this.replicas.get(r.rangeId) === r) {
          r.log.info({ theirEpoch: theirs.epoch, ourEpoch: r.descriptor.epoch, askedStore: ask.storeId }, 'replica GC: removed from its range');
          this.destroyReplica(r);
        }
      });
    }
  }

  private tickToNow(): void {
    const now = performance.now();
    const due = Math.floor((now - this.lastTickAtMs) / this.opts.tickMs);
    if (due <= 0) return;
    this.checkLeaderless();
    // Beyond a few election timeouts more ticks change nothing (every timer has fired).
    const ticks = Math.min(due, 3 * this.opts.electionTimeoutTicks);
    this.lastTickAtMs = ticks === due ? this.lastTickAtMs + due * this.opts.tickMs : now;
    for (const r of this.awake) {
      for (let i = 0; i < ticks; i++) r.raw.tick();
      this.dirty.add(r);
    }
  }

  private stepInbound(): void {
    for (const report of this.snapshotReports.splice(0)) {
      const r = this.replicas.get(report.rangeId);
      if (r === undefined) continue;
      r.raw.reportSnapshot(report.to, report.status);
      this.dirty.add(r);
    }
    if (this.unreachable.size > 0) {
      for (const r of this.replicas.values()) {
        if (!r.isLeader()) continue;
        for (const s of this.unreachable) {
          const rep = r.replicaOfStore(s);
          if (rep !== undefined) r.raw.reportUnreachable(nodeId(rep.replicaId));
        }
      }
      this.unreachable.clear();
    }
    const inbox = this.inbox;
    this.inbox = [];
    for (const { fromStore, env } of inbox) {
      const { rangeId, message } = env;
      const r = this.replicas.get(rangeId);
      if (r === undefined) {
        this.stepUninitialized(fromStore, rangeId, message);
        continue;
      }
      if (message.to !== r.replicaId) {
        // A newer incarnation of this range's replica on this store: a store is given a new replica
        // id only after its old one was removed from the range, so the local one is a leftover that
        // never learned of its removal. Remove it and let the new one start (by snapshot).
        if (message.to > r.replicaId) {
          r.log.info({ oldReplicaId: r.replicaId, newReplicaId: message.to }, 'replica superseded by a newer incarnation; removing the old one');
          this.destroyReplica(r);
          this.stepUninitialized(fromStore, rangeId, message);
        }
        continue;
      }
      r.raw.step(message);
      this.dirty.add(r);
      this.awake.add(r);
    }
    for (const a of this.snapshotArrivals.splice(0)) {
      let r = this.replicas.get(a.rangeId);
      if (r === undefined && this.store.hasRange(a.rangeId)) {
        r = this.addReplica(a.descriptor, a.message.to);
        this.uninitialized.delete(a.rangeId);
      }
      if (r === undefined || a.message.to !== r.replicaId) {
        a.receiver.abort();
        a.resolve({ applied: false, errorCode: 'RANGE_NOT_FOUND', message: 'replica went away' });
        continue;
      }
      r.offerSnapshot(a.message.snapshot.metadata.index, a.staged, a.receiver);
      r.raw.step(a.message);
      this.dirty.add(r);
      this.awake.add(r);
      this.pendingSnapshotOutcomes.push(a);
    }
    for (const r of this.replicas.values()) {
      if (!r.hasQueuedWork()) continue;
      const before = r.proposalsAppended;
      r.submitQueued(() => this.notLeader(r));
      this.counters.proposals += r.proposalsAppended - before;
      this.dirty.add(r);
      this.awake.add(r);
    }
  }

  private pendingSnapshotOutcomes: SnapshotArrival[] = [];

  private stepUninitialized(fromStore: StoreId, rangeId: number, message: Message): void {
    if (message.type !== 'app' && message.type !== 'heartbeat') return;
    let u = this.uninitialized.get(rangeId);
    if (u !== undefined && u.replicaId !== message.to) {
      if (message.to < u.replicaId) return; // an older incarnation's traffic
      u = undefined;
    }
    if (u === undefined) {
      if (this.uninitialized.size >= uninitializedMax) return;
      const raw = new RawNode({ id: message.to, rng: new SeededRng(rangeId), checkQuorum: true, preVote: true, quiesce: false }, new MemoryStorage());
      u = { raw, replicaId: message.to, peers: new Map(), createdAtMs: Date.now() };
      this.uninitialized.set(rangeId, u);
      this.logger.debug({ rangeId, replicaId: message.to, fromStore }, 'uninitialized replica contacted by its leader');
    }
    u.peers.set(message.from, fromStore);
    u.raw.step(message);
  }

  /** Uninitialized replicas answer their leader (so it sends a snapshot); they persist nothing. */
  private driveUninitialized(): void {
    const now = Date.now();
    for (const [rangeId, u] of this.uninitialized) {
      if (now - u.createdAtMs > uninitializedTtlMs) {
        this.uninitialized.delete(rangeId);
        continue;
      }
      if (!u.raw.hasReady()) continue;
      const rd = u.raw.ready();
      const byStore = new Map<StoreId, RaftEnvelope[]>();
      for (const m of rd.messages) {
        const to = u.peers.get(m.to);
        if (to === undefined || m.type === 'voteResp' || m.type === 'preVoteResp') continue;
        const list = byStore.get(to) ?? [];
        list.push({ rangeId, message: m });
        byStore.set(to, list);
      }
      u.raw.advance();
      for (const [to, envs] of byStore) this.transport.send(to, envs, (x) => this.onPeerUnreachable(x));
    }
  }

  /** Deletes a replica that applied its own removal from the range. */
  private destroyReplica(r: Replica): void {
    r.failAll(new KvError('RANGE_NOT_FOUND', `replica of range ${r.rangeId} was removed from store ${this.storeId}`));
    this.replicas.delete(r.rangeId);
    this.awake.delete(r);
    this.dirty.delete(r);
    this.gateway.learnDescriptor(r.descriptor);
    this.store.batch().deleteRange(r.rangeId, { deleteSpanData: true }).commit();
    r.log.info({ epoch: r.descriptor.epoch }, 'replica removed from this store');
  }

  // ---------------------------------------------------------------------------------------------
  // Admin operations (carried out at the range's leader)

  /** Hands leadership of a range to the replica on `to`; resolves with the new term once it leads. */
  transferLeader(rangeId: number, to: StoreId, deadlineAtMs: number): Promise<number> {
    this.admit();
    const r = this.replicas.get(rangeId);
    if (r === undefined) return Promise.reject(new KvError('RANGE_NOT_FOUND', `store ${this.storeId} has no replica of range ${rangeId}`));
    if (!r.isLeader()) return Promise.reject(this.notLeader(r));
    const target = r.replicaOfStore(to);
    if (target === undefined || target.role !== 'voter') return Promise.reject(new KvError('INVALID_ARGUMENT', `store ${to} holds no voting replica of range ${rangeId}`));
    if (to === this.storeId) return Promise.resolve(r.raw.raft.term);
    const targetId = nodeId(target.replicaId);
    r.queueTransfer(targetId);
    this.markDirty(r);
    return this.adminWait(deadlineAtMs, () => {
      const now = this.replicas.get(rangeId);
      return now !== undefined && now.raw.raft.lead === targetId ? now.raw.raft.term : undefined;
    });
  }

  /**
   * Changes a range's replicas. A single voter change (or learner changes) is one simple change;
   * more go through a joint configuration that the leader leaves by itself (auto-leave).
   * Resolves once the final configuration is applied here.
   */
  async changeReplicas(rangeId: number, changes: readonly { op: 'addLearner' | 'addVoter' | 'remove'; store: StoreId }[], deadlineAtMs: number): Promise<RangeDescriptor> {
    this.admit();
    const r = this.replicas.get(rangeId);
    if (r === undefined) throw new KvError('RANGE_NOT_FOUND', `store ${this.storeId} has no replica of range ${rangeId}`);
    if (!r.isLeader()) throw this.notLeader(r);
    if (changes.length === 0) throw new KvError('INVALID_ARGUMENT', 'no changes');
    const d = r.descriptor;
    let nextId = d.nextReplicaId;
    const storeOfReplica = new Map<number, StoreId>();
    const singles: ConfChangeSingle[] = [];
    let voterChanges = 0;
    for (const c of changes) {
      if (!this.gateway.addressOf(c.store)) throw new KvError('INVALID_ARGUMENT', `unknown store ${c.store}`);
      const existing = d.replicas.find((x) => x.storeId === c.store);
      switch (c.op) {
        case 'addLearner': {
          if (existing !== undefined) throw new KvError('INVALID_ARGUMENT', `store ${c.store} already holds replica ${existing.replicaId} of range ${rangeId}`);
          const id = nextId++;
          storeOfReplica.set(id, c.store);
          singles.push({ op: 'addLearner', nodeId: nodeId(id) });
          break;
        }
        case 'addVoter': {
          const id = existing?.replicaId ?? nextId++;
          if (existing?.role === 'voter') throw new KvError('INVALID_ARGUMENT', `store ${c.store} already holds a voter of range ${rangeId}`);
          storeOfReplica.set(id, c.store);
          singles.push({ op: 'addVoter', nodeId: nodeId(id) });
          voterChanges++;
          break;
        }
        case 'remove':
          if (existing === undefined) throw new KvError('INVALID_ARGUMENT', `store ${c.store} holds no replica of range ${rangeId}`);
          singles.push({ op: 'remove', nodeId: nodeId(existing.replicaId) });
          if (existing.role === 'voter') voterChanges++;
          break;
      }
    }
    const change: ConfChange = voterChanges <= 1 ? { kind: 'simple', changes: singles } : { kind: 'enterJoint', autoLeave: true, changes: singles };
    const { waiter, promise } = this.waiter<AppliedWrite>(deadlineAtMs, () => new KvError('OUTCOME_UNKNOWN', `range ${rangeId}: the membership change was proposed but not applied before the deadline`));
    r.proposeConfChange(encodeNodeConfChange({ change, storeOfReplica }), waiter);
    this.markDirty(r);
    await promise;
    // A joint change is finished when the leader has also left the joint configuration.
    return this.adminWait(deadlineAtMs, () => {
      const now = this.replicas.get(rangeId);
      // Removed from here by the change: the replica object keeps the last descriptor it applied.
      if (now === undefined) return r.raw.raft.tracker.config.voters.outgoing.size === 0 ? r.descriptor : undefined;
      return now.raw.raft.tracker.config.voters.outgoing.size === 0 ? now.descriptor : undefined;
    });
  }

  private adminWait<T>(deadlineAtMs: number, check: () => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = {
        deadlineAtMs,
        check: (): boolean => {
          const v = check();
          if (v === undefined) return false;
          resolve(v);
          return true;
        },
        fail: reject,
      };
      if (!entry.check()) this.adminWaits.push(entry);
      this.scheduleTurn();
    });
  }

  private checkAdminWaits(): void {
    const now = Date.now();
    for (let i = 0; i < this.adminWaits.length; ) {
      const w = this.adminWaits[i]!;
      if (w.check()) this.adminWaits.splice(i, 1);
      else if (now >= w.deadlineAtMs) {
        this.adminWaits.splice(i, 1);
        w.fail(new KvError('DEADLINE_EXCEEDED', 'the admin operation did not complete before the deadline'));
      } else i++;
    }
  }

  private stageAndCommit(): void {
    const batch = this.store.batch();
    this.overlay.clear();
    const staged: StagedReady[] = [];
    const snapshotSends: { replica: Replica; message: Message; chunks: Iterator<SnapshotChunk> }[] = [];
    for (const r of this.dirty) {
      if (!r.raw.hasReady()) continue;
      const rd = r.raw.ready();
      const s = r.stageReady(rd, batch, this.machine, this.store.rangeLocal(r.rangeId));
      staged.push(s);
      // Open snapshot streams now, before this batch applies more entries: the stream must be read
      // at exactly the applied index the raft snapshot names.
      for (const m of s.snapshotMessages) {
        const opened = this.openSnapshotStream(r, m);
        if (opened !== undefined) snapshotSends.push({ replica: r, message: m, chunks: opened });
      }
      this.maybeTruncateLog(r, batch);
    }
    if (!batch.isEmpty) {
      const t0 = performance.now();
      // Only appends, votes/terms and snapshots must be fsynced before anything leaves; a batch of
      // applied state alone is recomputable from the (durable) log, so it skips the fsync.
      const sync = staged.some((s) => s.ready.mustSync);
      batch.commit({ sync });
      const ms = performance.now() - t0;
      this.counters.commits++;
      this.counters.commitMs += ms;
      this.counters.readies += staged.length;
      if (ms > 100) this.logger.warn({ commitMs: Math.round(ms), readies: staged.length }, 'slow write batch commit (fsync)');
    }
    this.send(staged);
    for (const snap of snapshotSends) this.sendSnapshot(snap.replica, snap.message, snap.chunks);
    for (const s of staged) {
      this.logRoleChange(s);
      s.replica.finishReady(s);
    }
    for (const s2 of staged) if (s2.replica.removed && this.replicas.get(s2.replica.rangeId) === s2.replica) this.destroyReplica(s2.replica);
    this.driveUninitialized();
    for (const a of this.pendingSnapshotOutcomes.splice(0)) {
      const r = this.replicas.get(a.rangeId);
      const notTaken = r === undefined || r.discardOfferedSnapshot(a.message.snapshot.metadata.index);
      if (!notTaken) this.logger.info({ rangeId: a.rangeId, index: a.message.snapshot.metadata.index }, 'snapshot applied');
      a.resolve({ applied: !notTaken });
    }
    for (const r of this.dirty) {
      r.serveAppliedReads();
      if (r.raw.isQuiesced() && !r.hasQueuedWork()) this.awake.delete(r);
      else this.awake.add(r);
    }
    this.dirty.clear();
    if (this.adminWaits.length > 0) this.checkAdminWaits();
  }

  private maybeTruncateLog(r: Replica, batch: ReturnType<Store['batch']>): void {
    const applied = r.storage.appliedIndex();
    const first = r.storage.firstIndex();
    if (applied - first < this.opts.logTruncateThresholdEntries) return;
    const through = applied - this.opts.logRetainEntries;
    if (through >= first) batch.truncateLog(r.rangeId, through);
  }

  private send(staged: readonly StagedReady[]): void {
    const byStore = new Map<StoreId, RaftEnvelope[]>();
    for (const s of staged) {
      for (const m of s.otherMessages) {
        const to = replicaById(s.replica.descriptor, m.to)?.storeId;
        if (to === undefined) continue;
        let list = byStore.get(to);
        if (list === undefined) byStore.set(to, (list = []));
        list.push({ rangeId: s.replica.rangeId, message: m });
      }
    }
    for (const [to, envelopes] of byStore) {
      if (to === this.storeId) continue;
      this.counters.messagesOut += envelopes.length;
      this.transport.send(to, envelopes, (s) => this.onPeerUnreachable(s));
    }
  }

  private openSnapshotStream(r: Replica, m: Message): Iterator<SnapshotChunk> | undefined {
    try {
      const stream = this.store.openSnapshotStream(r.rangeId);
      return stream[Symbol.iterator]();
    } catch (e) {
      if (!isStorageError(e, 'BUSY')) throw e;
      r.raw.reportSnapshot(m.to, 'failed');
      return undefined;
    }
  }

  private sendSnapshot(r: Replica, m: Message, iterator: Iterator<SnapshotChunk>): void {
    const to = replicaById(r.descriptor, m.to)?.storeId;
    const rangeId = r.rangeId;
    const chunks: Iterable<Uint8Array> = {
      [Symbol.iterator]: () => ({
        next: (): IteratorResult<Uint8Array> => {
          const c = iterator.next();
          return c.done === true ? { done: true, value: undefined } : { done: false, value: encodeSnapshotChunk(c.value) };
        },
        return: (): IteratorResult<Uint8Array> => {
          iterator.return?.();
          return { done: true, value: undefined };
        },
      }),
    };
    if (to === undefined) {
      iterator.return?.();
      return;
    }
    this.logger.info({ rangeId, to, index: m.type === 'snap' ? m.snapshot.metadata.index : 0 }, 'sending snapshot');
    void this.transport.sendSnapshot(to, rangeId, m, chunks).then((outcome) => {
      iterator.return?.();
      if (!outcome.applied) this.logger.warn({ rangeId, to, code: outcome.errorCode, message: outcome.message }, 'snapshot not applied by the receiver');
      this.snapshotReports.push({ rangeId, to: m.to, status: outcome.applied ? 'finished' : 'failed' });
      this.scheduleTurn();
    });
  }

  private logRoleChange(s: StagedReady): void {
    const soft = s.ready.softState;
    if (soft === undefined) return;
    const r = s.replica;
    if (soft.role !== r.lastRole || soft.leader !== r.lastLeader) {
      const term = r.raw.raft.term;
      if (soft.role === 'leader') r.log.info({ term }, 'became leader');
      else if (r.lastRole === 'leader') r.log.info({ term, leader: soft.leader }, 'lost leadership');
      else if (soft.leader !== r.lastLeader) r.log.debug({ term, leader: soft.leader }, 'leader changed');
      r.lastRole = soft.role;
      r.lastLeader = soft.leader;
    }
  }

  /** One info line per interval while the node is busy: what the loop did, for operators and profiling. */
  private lastCounters = { ...this.counters };
  private logActivity(): void {
    const c = this.counters;
    const p = this.lastCounters;
    const d = (k: keyof typeof c): number => c[k] - p[k];
    if (d('proposals') + d('messagesIn') > 0) {
      const secs = statsIntervalMs / 1000;
      this.logger.info(
        {
          turnsPerSec: Math.round(d('turns') / secs),
          commitsPerSec: Math.round(d('commits') / secs),
          commitMsAvg: d('commits') === 0 ? 0 : Number((d('commitMs') / d('commits')).toFixed(2)),
          readiesPerCommit: d('commits') === 0 ? 0 : Number((d('readies') / d('commits')).toFixed(1)),
          proposalsPerSec: Math.round(d('proposals') / secs),
          messagesInPerSec: Math.round(d('messagesIn') / secs),
          messagesOutPerSec: Math.round(d('messagesOut') / secs),
          droppedMessages: this.transport.droppedMessages,
          inflightRequests: this.inflightRequests,
        },
        'activity',
      );
    }
    this.lastCounters = { ...c };
  }

  /** An unexpected failure in the loop: stop acknowledging anything, fail every waiter, keep the process up for inspection. */
  private die(e: unknown): void {
    const storageFailure = e instanceof StorageError;
    this.fatal = new KvError(storageFailure ? 'STORAGE_FAILED' : 'INTERNAL', `store ${this.storeId} stopped serving: ${(e as Error).message}`);
    this.logger.fatal({ err: e }, storageFailure ? 'storage failure: store fenced, nothing more is acknowledged' : 'driver loop failed');
    for (const r of this.replicas.values()) r.failAll(this.fatal);
  }

  // -----------------------------------------------------------------------------------------------
  // Lifecycle

  stop(reason: string): Promise<void> {
    if (this.stoppedPromise !== undefined) return this.stoppedPromise;
    this.stoppedPromise = this.doStop(reason);
    return this.stoppedPromise;
  }

  private async doStop(reason: string): Promise<void> {
    this.logger.info({ reason }, 'node stopping');
    // Stop accepting new calls; give in-flight ones a moment to finish while the loop keeps running.
    const server = this.server;
    const drained = new Promise<void>((resolve) => {
      if (server === undefined) resolve();
      else server.tryShutdown(() => resolve());
    });
    const graceMs = 2000;
    await Promise.race([drained, new Promise((r) => setTimeout(r, graceMs))]);
    this.stopping = true;
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    if (this.statsTimer !== undefined) clearInterval(this.statsTimer);
    const err = new KvError('SHUTTING_DOWN', `store ${this.storeId} shut down`);
    for (const r of this.replicas.values()) r.failAll(err);
    server?.forceShutdown();
    this.transport.close();
    this.gateway.close();
    this.store.close();
    this.logger.info({ turns: this.turns }, 'node stopped');
  }

  get storeIdValue(): StoreId {
    return this.storeId;
  }
}

function resolveOptions(o: NodeOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    tickMs: o.tickMs ?? 100,
    electionTimeoutTicks: o.electionTimeoutTicks ?? 10,
    heartbeatIntervalTicks: o.heartbeatIntervalTicks ?? 1,
    leaseReads: o.leaseReads ?? false,
    keyBytesMax: o.keyBytesMax ?? 4096,
    valueBytesMax: o.valueBytesMax ?? 1 << 20,
    inflightRequestsMax: o.inflightRequestsMax ?? 10_000,
    defaultDeadlineMs: o.defaultDeadlineMs ?? 10_000,
    faults: o.faults ?? {},
    logTruncateThresholdEntries: o.logTruncateThresholdEntries ?? 20_000,
    logRetainEntries: o.logRetainEntries ?? 5_000,
  };
  if (!Number.isSafeInteger(r.tickMs) || r.tickMs < 1) throw new KvError('INVALID_ARGUMENT', 'tickMs must be a positive integer');
  if (r.logRetainEntries < 0 || r.logTruncateThresholdEntries <= r.logRetainEntries) {
    throw new KvError('INVALID_ARGUMENT', 'logTruncateThresholdEntries must exceed logRetainEntries');
  }
  toStoreId(o.storeId);
  return r;
}
