import type { Logger } from 'pino';
import { invariant, nodeId, type Message, type NodeId } from '../../raft/index.js';
import { spansEqual, type SnapshotChunk, type Store } from '../../storage/index.js';
import type { KvError } from '../../proto/kv-error.js';
import { LogLimiter } from '../util/log-limiter.js';
import { replicaById, type RangeDescriptor, type StoreId } from '../../proto/range-descriptor.js';
import type { BatchOverlay } from '../kv/batch-overlay.js';
import type { Clock } from '../ports/clock.js';
import { SimulatedCrash, type FaultPoints } from '../ports/fault-points.js';
import type { Timers } from '../ports/timers.js';
import type { StagedReady } from '../replica/replica.js';
import type { PeerTransport } from '../transport/peer-transport.js';
import type { RaftEnvelope } from '../transport/raft-codec.js';
import type { AdminOps } from './admin-ops.js';
import type { LoopCounters } from './loop-counters.js';
import type { ReplicaGc } from './replica-gc.js';
import type { KvReplica, ReplicaSet } from './replica-set.js';
import type { SnapshotTransfer } from './snapshot-transfer.js';
import type { StoreLiveness } from './store-liveness.js';
import type { UninitializedReplicas } from './uninitialized-replicas.js';

/** Inbound raft messages queued between turns; beyond it they are dropped (raft retransmits). */
const inboxMessagesMax = 100_000;

export interface DriverLoopDeps {
  readonly storeId: StoreId;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly faults: FaultPoints;
  readonly logger: Logger;
  readonly store: Store;
  readonly replicas: ReplicaSet;
  readonly transport: () => PeerTransport;
  readonly snapshots: SnapshotTransfer;
  readonly uninitialized: UninitializedReplicas;
  readonly gc: ReplicaGc;
  readonly liveness: StoreLiveness;
  readonly admin: AdminOps;
  readonly overlay: BatchOverlay;
  readonly counters: LoopCounters;
  readonly tickMs: number;
  readonly electionTimeoutTicks: number;
  readonly logTruncateThresholdEntries: number;
  readonly logRetainEntries: number;
  readonly switches: { readonly ackAppendBeforeDurable: boolean; readonly quiescedNeverWakes: boolean };
  /** The range's descriptor as this store persisted it (the store holds the range). */
  readonly persistedDescriptor: (rangeId: number) => RangeDescriptor;
  /** Creates (and registers) a replica of a range the store holds, with its persisted descriptor. */
  readonly addReplica: (rangeId: number, replicaId: NodeId) => KvReplica;
  readonly destroyReplica: (r: KvReplica) => void;
  readonly notLeader: (r: KvReplica) => KvError;
  /** The loop broke: crash-only, the node ends. */
  readonly die: (e: unknown) => void;
}

/**
 * The node's single driver loop. One turn, for every raft group at once:
 *   tick to the present → step inbound messages and snapshots → submit queued client work →
 *   stage every Ready into ONE write batch → commit (one fsync) → send messages →
 *   answer requests and advance.
 * Ticking first matters: a leader lease must never be judged on a clock that fell behind while
 * the process was paused. Everything else — service calls, transport callbacks, timers — only
 * queues work and schedules a turn.
 */
export class DriverLoop {
  private readonly awake = new Set<KvReplica>();
  private readonly dirty = new Set<KvReplica>();
  private inbox: { fromStore: StoreId; env: RaftEnvelope }[] = [];
  private unreachable = new Set<StoreId>();
  private turnScheduled = false;
  private stopped = false;
  private lastTickAtMs: number;
  /** A slow-commit fault point delays the next turn until then. */
  private stalledUntilMs = 0;
  droppedInbound = 0;
  private readonly refusalLogs: LogLimiter;

  constructor(private readonly d: DriverLoopDeps) {
    this.lastTickAtMs = d.clock.monotonicMs();
    this.refusalLogs = new LogLimiter(d.clock);
  }

  /** No more turns (shutdown or death). */
  stop(): void {
    this.stopped = true;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  scheduleTurn(): void {
    if (this.turnScheduled || this.stopped) return;
    this.turnScheduled = true;
    const stallMs = this.stalledUntilMs - this.d.clock.monotonicMs();
    if (stallMs > 0) this.d.timers.after(stallMs, () => this.turn());
    else this.d.timers.soon(() => this.turn());
  }

  /** A replica has work (a request queued, a new replica): make sure it runs next turn. */
  markDirty(r: KvReplica): void {
    this.dirty.add(r);
    this.awake.add(r);
    this.scheduleTurn();
  }

  /** A replica went away: forget it. */
  forget(r: KvReplica): void {
    this.awake.delete(r);
    this.dirty.delete(r);
  }

  onRaftMessages(fromStore: StoreId, envelopes: RaftEnvelope[]): void {
    if (this.stopped) return;
    const now = this.d.clock.monotonicMs();
    if (this.d.liveness.heard(fromStore, now)) this.d.logger.info({ peer: fromStore }, 'peer store heard from again');
    if (envelopes.length === 0) return;
    if (this.inbox.length + envelopes.length > inboxMessagesMax) {
      this.droppedInbound += envelopes.length;
      return;
    }
    this.d.counters.messagesIn += envelopes.length;
    for (const env of envelopes) this.inbox.push({ fromStore, env });
    this.scheduleTurn();
  }

  onPeerUnreachable(store: StoreId): void {
    if (this.stopped) return;
    this.unreachable.add(store);
    this.scheduleTurn();
  }

  private turn(): void {
    this.turnScheduled = false;
    if (this.stopped) return;
    this.d.counters.turns++;
    try {
      this.tickToNow();
      this.watchPeers();
      this.stepInbound();
      this.stageAndCommit();
    } catch (e) {
      this.stopped = true;
      this.d.die(e);
      return;
    }
    for (const r of this.d.replicas.all()) {
      if (r.raw.hasReady() || r.hasQueuedWork()) {
        this.dirty.add(r);
        this.scheduleTurn();
      }
    }
  }

  private tickToNow(): void {
    const now = this.d.clock.monotonicMs();
    const due = Math.floor((now - this.lastTickAtMs) / this.d.tickMs);
    if (due <= 0) return;
    this.d.gc.check(now);
    // Beyond a few election timeouts more ticks change nothing (every timer has fired).
    const ticks = Math.min(due, 3 * this.d.electionTimeoutTicks);
    this.lastTickAtMs = ticks === due ? this.lastTickAtMs + due * this.d.tickMs : now;
    for (const r of this.awake) {
      for (let i = 0; i < ticks; i++) r.raw.tick();
      this.dirty.add(r);
    }
  }

  /** Store liveness: ping every peer each interval; wake the followers of a store that went silent. */
  private watchPeers(): void {
    const now = this.d.clock.monotonicMs();
    const liveness = this.d.liveness;
    if (liveness.pingDue(now)) for (const p of liveness.peerStores) this.d.transport().send(p, []);
    for (const s of liveness.newlySilent(now)) {
      this.d.logger.info({ peer: s }, 'peer store silent for an election timeout: presumed down');
      this.leaderStoreDown(s);
    }
    if (this.unreachable.size > 0) {
      for (const s of this.unreachable) {
        if (liveness.linkBroke(s)) this.d.logger.info({ peer: s }, 'link to peer store broke: presumed down');
        this.leaderStoreDown(s);
        for (const r of this.d.replicas.all()) {
          if (!r.isLeader()) continue;
          const rep = r.replicaOfStore(s);
          if (rep !== undefined) r.raw.reportUnreachable(nodeId(rep.replicaId));
        }
      }
      this.unreachable.clear();
    }
  }

  /** Wakes the followers (quiesced or not) whose leader lives on `store`, so that they elect another. */
  private leaderStoreDown(store: StoreId): void {
    if (this.d.switches.quiescedNeverWakes) return;
    for (const r of this.d.replicas.all()) {
      if (r.isLeader() || r.leaderStore() !== store) continue;
      r.raw.reportLeaderDown();
      this.dirty.add(r);
      this.awake.add(r);
    }
  }

  /** A peer's message that no correct peer sends was dropped: count it, and say so at a bounded rate. */
  private refuseInbound(fromStore: StoreId, rangeId: number, m: Message, reason: string): void {
    this.d.counters.messagesRefused++;
    const allowed = this.refusalLogs.allow(`${fromStore}:${m.type}`);
    if (allowed !== undefined) {
      this.d.logger.warn({ peer: fromStore, rangeId, type: m.type, from: m.from, term: m.term, reason, suppressed: allowed.suppressed }, 'raft message refused');
    }
  }

  private stepInbound(): void {
    for (const report of this.d.snapshots.takeReports()) {
      const r = this.d.replicas.get(report.rangeId);
      if (r === undefined) continue;
      r.raw.reportSnapshot(report.to, report.status);
      this.dirty.add(r);
    }
    const inbox = this.inbox;
    this.inbox = [];
    const now = this.d.clock.monotonicMs();
    for (const { fromStore, env } of inbox) {
      const { rangeId, message } = env;
      const r = this.d.replicas.get(rangeId);
      if (r === undefined) {
        this.d.uninitialized.step(fromStore, rangeId, message, now);
        continue;
      }
      const misfit = inboundMisfit(r, fromStore, message);
      if (misfit !== undefined) {
        this.refuseInbound(fromStore, rangeId, message, misfit);
        continue;
      }
      if (message.to !== r.replicaId) {
        // A newer incarnation of this range's replica on this store: a store is given a new replica
        // id only after its old one was removed from the range in a committed configuration, so the
        // local one is a leftover that never learned of its removal. Replica GC removes it (and the
        // leader's next message starts the new one, by snapshot) — on a leader's traffic of a term
        // at least ours only: a candidate's vote request or a stale message proves nothing.
        const fromLeader = message.type === 'app' || message.type === 'heartbeat' || message.type === 'snap';
        if (message.to > r.replicaId && fromLeader && message.term >= r.raw.raft.term) {
          // Confirmed by another store's committed descriptor before anything is deleted: a single
          // peer (a compromised node speaking for its own replica) must not be able to destroy data.
          this.d.gc.checkSuperseded(r, fromStore, message.to);
        }
        continue;
      }
      if ((message.type === 'preVote' || message.type === 'vote') && r.raw.isQuiesced() && !this.d.switches.quiescedNeverWakes) {
        // A candidate asks a quiesced follower. If its leader's store is presumed down, the follower
        // must not refuse on the strength of a leader it has not heard from in an unknown time.
        const leader = r.leaderStore();
        if (leader !== undefined && this.d.liveness.isDown(leader)) r.raw.reportLeaderDown();
      }
      r.heardFrom(message.from, fromStore);
      const refusal = r.raw.step(message);
      if (refusal !== undefined) this.refuseInbound(fromStore, rangeId, message, refusal);
      this.dirty.add(r);
      this.awake.add(r);
    }
    for (const a of this.d.snapshots.takeArrivals()) {
      let r = this.d.replicas.get(a.rangeId);
      if (r === undefined && this.d.store.hasRange(a.rangeId)) {
        // Created by the receiver for this snapshot (or another one for the range): the replica
        // starts from what the store holds, never from a snapshot raft has not installed yet.
        const mine = replicaById(this.d.persistedDescriptor(a.rangeId), a.message.to);
        if (mine !== undefined && mine.storeId === this.d.storeId && mine.replicaId >= this.d.store.rangeTombstone(a.rangeId)) {
          r = this.d.addReplica(a.rangeId, a.message.to);
          this.d.uninitialized.delete(a.rangeId);
        }
      }
      if (r === undefined || a.message.to !== r.replicaId) {
        a.receiver.abort();
        a.resolve({ applied: false, errorCode: 'RANGE_NOT_FOUND', message: 'replica went away' });
        continue;
      }
      // Checked when it arrived; checked again here because storage refuses an install that moves a
      // range's keys, and a refused batch would stop the loop.
      const sameSpan = spansEqual(r.storage.span(), { start: a.snapshotDescriptor.start, end: a.snapshotDescriptor.end });
      const misfit = sameSpan ? inboundMisfit(r, a.fromStore, a.message) : "the snapshot's span is not the range's";
      if (misfit !== undefined) {
        this.refuseInbound(a.fromStore, a.rangeId, a.message, misfit);
        a.receiver.abort();
        a.resolve({ applied: false, errorCode: 'MALFORMED', message: misfit });
        continue;
      }
      r.offerSnapshot(a.message.snapshot.metadata.index, a.staged, a.receiver, a.snapshotDescriptor);
      const refusal = r.raw.step(a.message);
      // Refused like any snapshot raft does not install: the outcome below says "not applied".
      if (refusal !== undefined) this.refuseInbound(a.fromStore, a.rangeId, a.message, refusal);
      this.dirty.add(r);
      this.awake.add(r);
      this.pendingSnapshotOutcomes.push(a);
    }
    for (const r of this.d.replicas.all()) {
      if (!r.hasQueuedWork()) continue;
      const before = r.proposalsAppended;
      r.submitQueued(() => this.d.notLeader(r));
      this.d.counters.proposals += r.proposalsAppended - before;
      this.dirty.add(r);
      this.awake.add(r);
    }
  }

  private pendingSnapshotOutcomes: ReturnType<SnapshotTransfer['takeArrivals']> = [];

  private stageAndCommit(): void {
    const d = this.d;
    const batch = d.store.batch();
    d.overlay.clear();
    const staged: { replica: KvReplica; s: StagedReady }[] = [];
    const snapshotSends: { replica: KvReplica; message: Message; chunks: Iterator<SnapshotChunk> }[] = [];
    for (const r of this.dirty) {
      if (!r.raw.hasReady()) continue;
      const rd = r.raw.ready();
      const s = r.stageReady(rd, batch, d.store.rangeLocal(r.rangeId));
      staged.push({ replica: r, s });
      // Open snapshot streams now, before this batch applies more entries: the stream must be read
      // at exactly the applied index the raft snapshot names.
      for (const m of s.snapshotMessages) {
        const opened = d.snapshots.open(r, m);
        if (opened !== undefined) snapshotSends.push({ replica: r, message: m, chunks: opened });
      }
      this.maybeTruncateLog(r, batch);
    }
    // The Ready contract: what a Ready must make durable (entries, term, vote, snapshot) is durable
    // before any of its messages leave — they promise that state (only the test switch breaks it).
    const mustSync = staged.some(({ s }) => s.ready.mustSync);
    invariant(!mustSync || !batch.isEmpty, 'a Ready that must be made durable staged nothing');
    let durable = !mustSync;
    if (d.switches.ackAppendBeforeDurable) {
      durable = true;
      this.send(staged, durable);
    }
    if (!batch.isEmpty) {
      this.crashPoint('loop.crashBeforeCommit');
      const t0 = d.clock.monotonicMs();
      // Only appends, votes/terms and snapshots must be fsynced before anything leaves; a batch of
      // applied state alone is recomputable from the (durable) log, so it skips the fsync.
      batch.commit({ sync: mustSync });
      durable = true;
      const ms = d.clock.monotonicMs() - t0;
      d.counters.commits++;
      d.counters.commitMs += ms;
      d.counters.readies += staged.length;
      if (ms > 100) d.logger.warn({ commitMs: Math.round(ms), readies: staged.length }, 'slow write batch commit (fsync)');
      this.crashPoint('loop.crashAfterCommit');
      if (d.faults.enabled && d.faults.fire('loop.slowCommit')) this.stalledUntilMs = d.clock.monotonicMs() + d.faults.delayMs('loop.slowCommit', d.tickMs * d.electionTimeoutTicks);
    }
    if (!d.switches.ackAppendBeforeDurable) this.send(staged, durable);
    for (const snap of snapshotSends) d.snapshots.send(snap.replica, snap.message, snap.chunks);
    let finished = 0;
    for (const { replica, s } of staged) {
      if (finished++ > 0) this.crashPoint('loop.crashMidFinish');
      logRoleChange(replica, s);
      replica.finishReady(s);
    }
    for (const { replica } of staged) if (replica.removed && d.replicas.get(replica.rangeId) === replica) d.destroyReplica(replica);
    d.uninitialized.drive(d.clock.monotonicMs(), (to, envs) => d.transport().send(to, envs));
    for (const a of this.pendingSnapshotOutcomes.splice(0)) {
      const r = d.replicas.get(a.rangeId);
      const notTaken = r === undefined || r.discardOfferedSnapshot(a.message.snapshot.metadata.index);
      if (!notTaken) d.logger.info({ rangeId: a.rangeId, index: a.message.snapshot.metadata.index }, 'snapshot applied');
      a.resolve({ applied: !notTaken });
    }
    for (const r of this.dirty) {
      r.dropUntakenSnapshots();
      r.serveAppliedReads();
      if (r.raw.isQuiesced() && !r.hasQueuedWork()) this.awake.delete(r);
      else this.awake.add(r);
    }
    this.dirty.clear();
    d.admin.check();
  }

  private crashPoint(point: 'loop.crashBeforeCommit' | 'loop.crashAfterCommit' | 'loop.crashMidSend' | 'loop.crashMidFinish'): void {
    if (this.d.faults.enabled && this.d.faults.fire(point)) throw new SimulatedCrash(point);
  }

  private maybeTruncateLog(r: KvReplica, batch: ReturnType<Store['batch']>): void {
    const applied = r.storage.appliedIndex();
    const first = r.storage.firstIndex();
    if (applied - first < this.d.logTruncateThresholdEntries) return;
    const through = applied - this.d.logRetainEntries;
    if (through >= first) batch.truncateLog(r.rangeId, through);
  }

  private send(staged: readonly { replica: KvReplica; s: StagedReady }[], durable: boolean): void {
    invariant(durable, 'messages sent before their Ready was durable');
    const byStore = new Map<StoreId, RaftEnvelope[]>();
    for (const { replica, s } of staged) {
      for (const m of s.otherMessages) {
        const to = replica.storeOfReplica(m.to);
        if (to === undefined) continue;
        invariant(to !== this.d.storeId || m.to === replica.replicaId, () => `range ${replica.rangeId}: a message to another replica on this store`);
        let list = byStore.get(to);
        if (list === undefined) byStore.set(to, (list = []));
        list.push({ rangeId: replica.rangeId, message: m });
      }
    }
    const held = this.heldBack;
    this.heldBack = new Map();
    let sent = 0;
    for (const [to, envelopes] of byStore) {
      if (to === this.d.storeId) continue;
      if (sent++ > 0) this.crashPoint('loop.crashMidSend');
      this.d.counters.messagesOut += envelopes.length;
      const faults = this.d.faults;
      if (faults.enabled && faults.fire('transport.dropBatch')) continue;
      if (faults.enabled && faults.fire('transport.delayBatch')) {
        this.heldBack.set(to, envelopes);
        this.scheduleTurn();
        continue;
      }
      this.d.transport().send(to, envelopes);
      const late = held.get(to);
      if (late !== undefined) {
        held.delete(to);
        this.d.transport().send(to, late);
      }
    }
    for (const [to, late] of held) this.d.transport().send(to, late);
  }

  /** Batches held back by the transport.delayBatch fault point, sent after the next turn's. */
  private heldBack = new Map<StoreId, RaftEnvelope[]>();
}

function logRoleChange(r: KvReplica, s: StagedReady): void {
  const soft = s.ready.softState;
  if (soft === undefined) return;
  if (soft.role !== r.lastRole || soft.leader !== r.lastLeader) {
    const term = r.raw.raft.term;
    if (soft.role === 'leader') r.log.info({ term }, 'became leader');
    else if (r.lastRole === 'leader') r.log.info({ term, leader: soft.leader }, 'lost leadership');
    else if (soft.leader !== r.lastLeader) r.log.debug({ term, leader: soft.leader }, 'leader changed');
    r.lastRole = soft.role;
    r.lastLeader = soft.leader;
  }
}

/**
 * Why a peer's message does not fit the replica it is for, before raft sees it: the node never
 * forwards proposals (a follower refuses writes before raft sees them, so a forwarded one is
 * forged or from a broken peer, and its command has passed no validation), and a replica id the
 * range knows to live on another store is not this sender's.
 */
function inboundMisfit(r: KvReplica, fromStore: StoreId, m: Message): string | undefined {
  if (m.type === 'prop') return 'forwarded proposals are not accepted from peers';
  const store = r.storeOfReplica(m.from);
  if (store !== undefined && store !== fromStore) return `replica ${m.from} lives on store ${store}, not on the sending store ${fromStore}`;
  return undefined;
}
