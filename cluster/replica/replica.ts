import type { Logger } from 'pino';
import { NoNode, RawNode, invariant, unreachable, type Entry, type LogIndex, type Message, type NodeId, type Ready, type Snapshot } from '../../raft/index.js';
import type { RangeLogStorage, SnapshotReceiver, StagedSnapshot, WriteBatch } from '../../storage/index.js';
import { KvError } from '../../proto/kv-error.js';
import { replicaById, type RangeDescriptor, type ReplicaDescriptor, type StoreId } from '../../proto/range-descriptor.js';
import { decodeNodeConfChange } from './conf-change-entry.js';
import { descriptorAfterConfChange } from './descriptor-after-conf-change.js';
import { encodeRangeDescriptor } from './range-descriptor-codec.js';
import type { EntryOutcome, RangeLocalReader, ReplicatedStateMachine } from './state-machine.js';
import type { Waiter } from './waiter.js';

/** How a read waits before it may run against the local state machine. */
export type ReadMode =
  /** Confirm with the leader (ReadIndex or lease), then wait for the local apply to catch up. */
  | { readonly kind: 'readIndex' }
  /** Wait until the local applied index reaches `minIndex` (session consistency). */
  | { readonly kind: 'session'; readonly minIndex: number }
  /** Run now (fault switch `staleReads` only). */
  | { readonly kind: 'unsafeLocal' };

export interface ReadRequest<T> {
  readonly mode: ReadMode;
  /** Runs against the store once the read may be served; gets the applied index it runs at. */
  readonly execute: (appliedIndex: LogIndex) => T;
  readonly waiter: Waiter<T>;
}

/** A write's outcome with the index it was applied at (for session tokens). */
export interface AppliedWrite<R> {
  readonly result: R;
  readonly index: LogIndex;
}

/** A membership change's outcome: the index it was applied at. */
export interface AppliedConfChange {
  readonly index: LogIndex;
}

type QueuedProposal<R> =
  | { readonly kind: 'normal'; readonly data: Uint8Array; readonly waiter: Waiter<AppliedWrite<R>> }
  | { readonly kind: 'confChange'; readonly data: Uint8Array; readonly waiter: Waiter<AppliedConfChange> };

type InflightProposal<R> =
  | { readonly kind: 'normal'; readonly term: number; readonly waiter: Waiter<AppliedWrite<R>> }
  | { readonly kind: 'confChange'; readonly term: number; readonly waiter: Waiter<AppliedConfChange> };

/** What staging one Ready produced, to finish after the batch commits. */
export interface StagedReady {
  readonly ready: Ready;
  /** Completions to run once the batch is durable. */
  readonly completions: (() => void)[];
  readonly snapshotMessages: readonly Message[];
  readonly otherMessages: readonly Message[];
}

/** Test-only deliberate bugs of the replica (see FaultSwitches in config/node-options.ts). */
export interface ReplicaFaultSwitches {
  readonly ackBeforeCommit: boolean;
  readonly applyBeforeCommit: boolean;
}

export interface ReplicaParts<R> {
  readonly raw: RawNode;
  readonly storage: RangeLogStorage;
  readonly descriptor: RangeDescriptor;
  readonly replicaId: NodeId;
  readonly machine: ReplicatedStateMachine<R>;
  readonly log: Logger;
  /**
   * Prefix of this replica's ReadIndex request contexts, unique to this process incarnation: a
   * leader's late answer to a read of an earlier incarnation must never satisfy a new read.
   */
  readonly readCtxPrefix: string;
  readonly faults: ReplicaFaultSwitches;
  /** Bound on each of the replica's request queues (the node's admission control keeps below it). */
  readonly queuedRequestsMax: number;
}

/**
 * One range's replica on this store: its raft node over the store's log storage, its descriptor,
 * the state machine its committed entries are applied to, and the requests waiting on it. It never
 * touches the network or commits batches itself: the node's driver loop calls it at each step of a
 * turn (submit → stage the Ready into the batch → commit → finish), which is what keeps "persist
 * before send and before answering" in one place.
 */
export class Replica<R> {
  descriptor: RangeDescriptor;
  readonly raw: RawNode;
  readonly storage: RangeLogStorage;
  readonly replicaId: NodeId;
  readonly log: Logger;
  private readonly machine: ReplicatedStateMachine<R>;
  private readonly faults: ReplicaFaultSwitches;
  private readonly queuedRequestsMax: number;
  private readonly readCtxPrefix: string;
  private readonly queuedProposals: QueuedProposal<R>[] = [];
  private readonly inflight = new Map<LogIndex, InflightProposal<R>>();
  private readonly queuedReads: ReadRequest<unknown>[] = [];
  private queuedTransfer: NodeId | undefined = undefined;
  private readonly readIndexWaiting = new Map<string, ReadRequest<unknown>>();
  /** Reads allowed to run once the applied index reaches `index`. */
  private readonly applyWaiting: { index: LogIndex; read: ReadRequest<unknown> }[] = [];
  private nextReadSeq = 1;
  /** Snapshots received from the leader, by index, waiting for raft to accept one in a Ready. */
  private readonly offeredSnapshots = new Map<LogIndex, { staged: StagedSnapshot; receiver: SnapshotReceiver; descriptor: RangeDescriptor }>();
  /** Set between stageReady and finishReady (one Ready at a time, as raft requires). */
  private staging = false;
  lastLeader: NodeId = NoNode;
  lastRole = 'follower';
  proposalsAppended = 0;
  /** Set when this replica applied a membership change that removed it: the node deletes it. */
  removed = false;
  /**
   * Stores of peer replicas this replica heard from that its descriptor does not list: a replica
   * that missed a membership change (it was down) may be led by a member it never heard of, and
   * must be able to answer it. Bounded; the descriptor wins once it knows the replica.
   */
  private readonly learnedPeers = new Map<number, StoreId>();
  /** Replica GC bookkeeping (see node/replica-gc.ts). */
  leaderlessSinceMs: number | undefined = undefined;
  gcCheckInFlight = false;
  gcAttempts = 0;

  constructor(parts: ReplicaParts<R>) {
    this.raw = parts.raw;
    this.storage = parts.storage;
    this.descriptor = parts.descriptor;
    this.replicaId = parts.replicaId;
    this.machine = parts.machine;
    this.log = parts.log;
    this.faults = parts.faults;
    this.readCtxPrefix = parts.readCtxPrefix;
    this.queuedRequestsMax = parts.queuedRequestsMax;
    invariant(replicaById(parts.descriptor, parts.replicaId) !== undefined || parts.descriptor.replicas.length === 0, () => `replica ${parts.replicaId} is not in its descriptor`);
  }

  get rangeId(): number {
    return this.descriptor.rangeId;
  }

  appliedIndex(): LogIndex {
    return this.storage.appliedIndex();
  }

  isLeader(): boolean {
    return this.raw.raft.role === 'leader';
  }

  /** The store believed to hold the leader, if any. */
  leaderStore(): StoreId | undefined {
    const lead = this.raw.raft.lead;
    if (lead === NoNode) return undefined;
    return replicaById(this.descriptor, lead)?.storeId;
  }

  /** The store a peer replica lives on: from the descriptor, else from where its messages came from. */
  storeOfReplica(replicaId: number): StoreId | undefined {
    return replicaById(this.descriptor, replicaId)?.storeId ?? this.learnedPeers.get(replicaId);
  }

  /** Records where a message from `replicaId` came from (see learnedPeers). */
  heardFrom(replicaId: number, store: StoreId): void {
    if (replicaById(this.descriptor, replicaId) !== undefined || this.learnedPeers.get(replicaId) === store) return;
    this.learnedPeers.delete(replicaId);
    this.learnedPeers.set(replicaId, store);
    if (this.learnedPeers.size > learnedPeersMax) this.learnedPeers.delete(this.learnedPeers.keys().next().value as number);
  }

  replicaOfStore(store: StoreId): ReplicaDescriptor | undefined {
    return this.descriptor.replicas.find((r) => r.storeId === store);
  }

  /** Whether the range is in a joint configuration (a multi-voter change not yet left). */
  isJoint(): boolean {
    return this.raw.inJointConfig();
  }

  hasQueuedWork(): boolean {
    return this.queuedProposals.length > 0 || this.queuedReads.length > 0 || this.queuedTransfer !== undefined;
  }

  /** Asks raft (in the next turn) to hand leadership to `target`. */
  queueTransfer(target: NodeId): void {
    this.queuedTransfer = target;
  }

  propose(data: Uint8Array, waiter: Waiter<AppliedWrite<R>>): void {
    this.checkQueueRoom(this.queuedProposals.length, 'proposals');
    this.queuedProposals.push({ kind: 'normal', data, waiter });
  }

  /** Proposes a membership change (encoded by encodeNodeConfChange); settled when it is applied. */
  proposeConfChange(data: Uint8Array, waiter: Waiter<AppliedConfChange>): void {
    this.checkQueueRoom(this.queuedProposals.length, 'proposals');
    this.queuedProposals.push({ kind: 'confChange', data, waiter });
  }

  read<T>(req: ReadRequest<T>): void {
    this.checkQueueRoom(this.queuedReads.length, 'reads');
    this.queuedReads.push(req as ReadRequest<unknown>);
  }

  private checkQueueRoom(length: number, what: string): void {
    // Admission control (the node's in-flight bound) keeps every queue below this; reaching it is a bug.
    invariant(length < this.queuedRequestsMax, () => `range ${this.rangeId}: ${what} queue reached its bound ${this.queuedRequestsMax}`);
  }

  /** Hands queued proposals and reads to raft. Called in a turn, after the ticks (leases depend on it). */
  submitQueued(notLeader: () => KvError): void {
    if (this.queuedTransfer !== undefined) {
      const r = this.raw.transferLeader(this.queuedTransfer);
      if (r.outcome === 'rejected') this.log.warn({ target: this.queuedTransfer, reason: r.reason }, 'leader transfer refused');
      else this.log.info({ target: this.queuedTransfer }, 'leader transfer started');
      this.queuedTransfer = undefined;
    }
    for (const p of this.queuedProposals.splice(0)) this.submitProposal(p, notLeader);
    for (const read of this.queuedReads.splice(0)) {
      switch (read.mode.kind) {
        case 'unsafeLocal':
          this.runRead(read);
          break;
        case 'session': {
          if (read.mode.minIndex <= this.raw.raft.log.lastIndex()) {
            this.applyWaiting.push({ index: read.mode.minIndex, read });
          } else if (!this.isLeader()) {
            // This follower may just be behind the token: the reader is sent to the leader.
            read.waiter.reject(notLeader());
          } else {
            // Beyond the leader's log: not a token this range issued — if this is still the leader
            // (one deposed without knowing it may lack what its successor committed). A ReadIndex
            // round settles it in one heartbeat, without waiting for the read's deadline.
            const ctx = `${this.readCtxPrefix}:${this.nextReadSeq++}`;
            if (this.raw.readIndex(ctx).outcome === 'rejected') read.waiter.reject(notLeader());
            else this.readIndexWaiting.set(ctx, read);
          }
          break;
        }
        case 'readIndex': {
          const ctx = `${this.readCtxPrefix}:${this.nextReadSeq++}`;
          const r = this.raw.readIndex(ctx);
          if (r.outcome === 'rejected') read.waiter.reject(notLeader());
          else this.readIndexWaiting.set(ctx, read);
          break;
        }
        default:
          unreachable(read.mode, 'read mode');
      }
    }
    this.serveAppliedReads();
  }

  private submitProposal(p: QueuedProposal<R>, notLeader: () => KvError): void {
    if (!this.isLeader()) {
      p.waiter.reject(notLeader());
      return;
    }
    const r = p.kind === 'confChange' ? this.raw.proposeEncodedConfChange(p.data) : this.raw.propose(p.data);
    switch (r.outcome) {
      case 'appended': {
        this.proposalsAppended++;
        const replaced = this.inflight.get(r.index);
        if (replaced !== undefined) {
          // An earlier term's proposal of ours at this index, dropped from our log when we lost the
          // lead and truncated by its new leader before we led again. It is not in our log now, but
          // a future leader that still holds it could commit it: its outcome is unknown.
          invariant(replaced.term < r.term, () => `range ${this.rangeId}: two proposals at index ${r.index} in term ${r.term}`);
          this.inflight.delete(r.index);
          replaced.waiter.reject(new KvError('OUTCOME_UNKNOWN', `range ${this.rangeId}: the proposal at index ${r.index} was replaced in this replica's log; another leader may still commit it`));
        }
        if (p.kind === 'normal') {
          if (this.faults.ackBeforeCommit) {
            p.waiter.resolve({ result: this.machine.guessResult(p.data), index: r.index });
            return;
          }
          this.inflight.set(r.index, { kind: 'normal', term: r.term, waiter: p.waiter });
        } else {
          this.inflight.set(r.index, { kind: 'confChange', term: r.term, waiter: p.waiter });
        }
        return;
      }
      case 'forwarded':
        // Unreachable: we checked leadership. Refuse rather than leave the outcome unknowable.
        p.waiter.reject(notLeader());
        return;
      case 'rejected':
        switch (r.reason) {
          case 'UNCOMMITTED_BYTES_EXCEEDED':
            p.waiter.reject(new KvError('OVERLOADED', `range ${this.rangeId}: ${r.detail}`, { retryAfterMs: 50 }));
            return;
          case 'NO_LEADER':
          case 'TRANSFER_IN_PROGRESS':
          case 'NOT_IN_CONFIG':
            p.waiter.reject(notLeader());
            return;
          case 'CONF_CHANGE_PENDING':
          case 'CONF_CHANGE_INVALID':
          case 'CONF_CHANGE_UNSAFE':
            p.waiter.reject(new KvError('INVALID_ARGUMENT', `range ${this.rangeId}: ${r.detail}`));
            return;
          case 'CONF_CHANGE_TOO_SOON':
            // Nothing was proposed; the admin path asks again after the pause.
            p.waiter.reject(new KvError('UNAVAILABLE', `range ${this.rangeId}: ${r.detail}`, { retryAfterMs: 100 }));
            return;
          default:
            unreachable(r.reason, 'proposal rejection');
        }
    }
  }

  /**
   * Parks a snapshot received from the leader until raft accepts it (see stageReady). Several may
   * arrive in one turn; raft takes at most one, and the others are dropped after the turn.
   */
  offerSnapshot(index: LogIndex, staged: StagedSnapshot, receiver: SnapshotReceiver, descriptor: RangeDescriptor): void {
    invariant(descriptor.rangeId === this.rangeId && replicaById(descriptor, this.replicaId) !== undefined, () => `range ${this.rangeId}: a snapshot offered to replica ${this.replicaId} does not describe it`);
    this.offeredSnapshots.get(index)?.receiver.abort();
    this.offeredSnapshots.set(index, { staged, receiver, descriptor });
  }

  /** Drops a parked snapshot raft did not take (it was stale). Returns whether it was still parked. */
  discardOfferedSnapshot(index: LogIndex): boolean {
    const offered = this.offeredSnapshots.get(index);
    if (offered === undefined) return false;
    offered.receiver.abort();
    this.offeredSnapshots.delete(index);
    return true;
  }

  /**
   * Adds everything one Ready must make durable to the batch: an incoming snapshot (with its staged
   * data), log entries, hard state, and the applied entries with their mutations and applied index.
   * Requests are completed only after the batch commits (the returned completions).
   */
  stageReady(rd: Ready, batch: WriteBatch, local: RangeLocalReader): StagedReady {
    invariant(!this.staging, () => `range ${this.rangeId}: a Ready staged twice without finishing`);
    this.staging = true;
    const completions: (() => void)[] = [];
    if (rd.snapshot !== undefined) this.stageSnapshot(rd.snapshot, batch);
    batch.append(this.rangeId, rd.entries);
    if (rd.hardState !== undefined) batch.setHardState(this.rangeId, rd.hardState);
    // The applyBeforeCommit fault switch applies what was just appended, committed or not.
    const toApply = this.faults.applyBeforeCommit ? mergeByIndex(rd.committedEntries, rd.entries) : rd.committedEntries;
    if (toApply.length > 0) this.stageApply(toApply, batch, local, completions);
    const snapshotMessages: Message[] = [];
    const otherMessages: Message[] = [];
    for (const m of rd.messages) (m.type === 'snap' ? snapshotMessages : otherMessages).push(m);
    return { ready: rd, completions, snapshotMessages, otherMessages };
  }

  private stageSnapshot(snap: Snapshot, batch: WriteBatch): void {
    const offered = this.offeredSnapshots.get(snap.metadata.index);
    // Raft accepted a snapshot we have no data for: a bug in the receive path, never limp on.
    invariant(offered !== undefined, () => `range ${this.rangeId}: raft installed snapshot ${snap.metadata.index} without its data`);
    this.offeredSnapshots.delete(snap.metadata.index);
    batch.installSnapshot(this.rangeId, snap, offered.staged);
    // The range as of the snapshot: a follower that catches up across a membership change must not
    // keep the descriptor it had (storage gets the snapshot's; entries applied after it build on it).
    this.descriptor = offered.descriptor;
  }

  private stageApply(entries: readonly Entry[], batch: WriteBatch, local: RangeLocalReader, completions: (() => void)[]): void {
    const applier = this.machine.beginApply(local);
    let descriptorChanged = false;
    let confState = undefined;
    const applied = this.storage.appliedIndex();
    let last: Entry | undefined;
    for (const e of entries) {
      if (e.index <= applied) continue;
      invariant(last === undefined || e.index === last.index + 1, () => `range ${this.rangeId}: applying ${e.index} after ${last?.index}`);
      last = e;
      if (e.type === 'confChange') {
        const { change, storeOfReplica } = decodeNodeConfChange(e.data);
        confState = this.raw.applyConfChange(change);
        this.descriptor = descriptorAfterConfChange(this.descriptor, confState, storeOfReplica);
        descriptorChanged = true;
        this.log.info({ index: e.index, change, confState }, 'membership changed');
        const members = [...confState.voters, ...confState.votersOutgoing, ...confState.learners];
        if (!members.includes(this.replicaId)) this.removed = true;
        this.settleConfChange(e, completions);
      } else if (e.data.length > 0) {
        const outcome = applier.apply(e.data, e.index, this.descriptor);
        if ('error' in outcome && outcome.error.code === 'INTERNAL') this.log.error({ index: e.index, err: outcome.error.message }, 'entry could not be applied');
        this.settleProposal(e, outcome, completions);
      } else {
        // An empty entry (a new leader's first): nobody waits for it, unless our proposal was replaced by it.
        this.settleProposal(e, undefined, completions);
      }
    }
    if (last === undefined) return;
    const { mutations, localMutations } = applier.finish();
    batch.apply(
      this.rangeId,
      {
        index: last.index,
        term: last.term,
        ...(confState !== undefined ? { confState } : {}),
        ...(descriptorChanged ? { descriptor: encodeRangeDescriptor(this.descriptor) } : {}),
      },
      mutations,
      localMutations,
    );
  }

  /** A proposal of ours is answered when its index is applied: with the outcome if our entry is the one there. */
  private settleProposal(e: Entry, outcome: EntryOutcome<R> | undefined, completions: (() => void)[]): void {
    const p = this.inflight.get(e.index);
    if (p === undefined) return;
    this.inflight.delete(e.index);
    if (p.term !== e.term) {
      // Another leader's entry took this index: ours was never committed and never will be.
      completions.push(() => p.waiter.reject(new KvError('NOT_LEADER', `range ${this.rangeId}: leadership changed before the write committed; it was not applied`)));
      return;
    }
    invariant(p.kind === 'normal', () => `range ${this.rangeId}: a membership proposal at ${e.index} applied as a normal entry`);
    invariant(outcome !== undefined, () => `range ${this.rangeId}: proposal ${e.index} applied without an outcome`);
    if ('error' in outcome) {
      const err = outcome.error;
      completions.push(() => p.waiter.reject(err));
    } else {
      const value: AppliedWrite<R> = { result: outcome.ok, index: e.index };
      completions.push(() => p.waiter.resolve(value));
    }
  }

  private settleConfChange(e: Entry, completions: (() => void)[]): void {
    const p = this.inflight.get(e.index);
    if (p === undefined) return;
    this.inflight.delete(e.index);
    if (p.term !== e.term || p.kind !== 'confChange') {
      const waiter = p.waiter;
      completions.push(() => waiter.reject(new KvError('NOT_LEADER', `range ${this.rangeId}: leadership changed before the proposal committed; it was not applied`)));
      return;
    }
    completions.push(() => p.waiter.resolve({ index: e.index }));
  }

  /** After the batch committed: answer requests, route read states, then advance the raft node. */
  finishReady(staged: StagedReady): void {
    invariant(this.staging, () => `range ${this.rangeId}: finishing a Ready that was not staged`);
    this.staging = false;
    for (const c of staged.completions) c();
    const rd = staged.ready;
    for (const rs of rd.readStates) {
      const read = this.readIndexWaiting.get(rs.requestCtx);
      if (read === undefined) continue;
      this.readIndexWaiting.delete(rs.requestCtx);
      if (read.mode.kind === 'session') {
        // A session read whose token was beyond this leader's log, now that a quorum confirmed the
        // leadership: the confirmed leader holds every committed entry, so a token still beyond
        // its log was never issued (a forged or foreign one). It is refused, without waiting.
        const lastIndex = this.raw.raft.log.lastIndex();
        if (read.mode.minIndex > lastIndex) {
          read.waiter.reject(new KvError('INVALID_ARGUMENT', `the session token names index ${read.mode.minIndex} of range ${this.rangeId}, beyond its confirmed leader's log (last index ${lastIndex}): not a token this range issued`));
        } else {
          this.applyWaiting.push({ index: read.mode.minIndex, read });
        }
        continue;
      }
      this.applyWaiting.push({ index: rs.index, read });
    }
    for (const ctx of rd.droppedReads) {
      const read = this.readIndexWaiting.get(ctx);
      if (read === undefined) continue;
      this.readIndexWaiting.delete(ctx);
      read.waiter.reject(new KvError('NOT_LEADER', `range ${this.rangeId}: leadership changed before the read was confirmed`));
    }
    this.raw.advance();
    this.serveAppliedReads();
  }

  /** Drops every snapshot still parked after a turn (raft did not take them). */
  dropUntakenSnapshots(): void {
    for (const index of [...this.offeredSnapshots.keys()]) this.discardOfferedSnapshot(index);
  }

  /** Runs every waiting read whose index the local state machine has reached. */
  serveAppliedReads(): void {
    if (this.applyWaiting.length === 0) return;
    const applied = this.storage.appliedIndex();
    for (let i = 0; i < this.applyWaiting.length; ) {
      const w = this.applyWaiting[i]!;
      if (w.index <= applied) {
        this.applyWaiting.splice(i, 1);
        this.runRead(w.read);
      } else {
        i++;
      }
    }
  }

  private runRead(read: ReadRequest<unknown>): void {
    let value: unknown;
    try {
      value = read.execute(this.storage.appliedIndex());
    } catch (e) {
      read.waiter.reject(e instanceof KvError ? e : new KvError('INTERNAL', `read failed: ${(e as Error).message}`));
      return;
    }
    read.waiter.resolve(value);
  }

  /**
   * Fails everything waiting here (shutdown, replica removed). Work never handed to raft fails with
   * `error`; a proposal already in the log may still be committed by the range's next leader (a
   * leader removing itself has usually replicated it already), so it can only be answered
   * OUTCOME_UNKNOWN.
   */
  failAll(error: KvError): void {
    for (const p of this.queuedProposals.splice(0)) p.waiter.reject(error);
    if (this.inflight.size > 0) {
      const unknown = new KvError('OUTCOME_UNKNOWN', `range ${this.rangeId}: the write was in the log when this replica stopped (${error.code}: ${error.message}); it may still be applied`);
      for (const p of this.inflight.values()) p.waiter.reject(unknown);
      this.inflight.clear();
    }
    for (const r of this.queuedReads.splice(0)) r.waiter.reject(error);
    for (const r of this.readIndexWaiting.values()) r.waiter.reject(error);
    this.readIndexWaiting.clear();
    for (const w of this.applyWaiting.splice(0)) w.read.waiter.reject(error);
    for (const o of this.offeredSnapshots.values()) o.receiver.abort();
    this.offeredSnapshots.clear();
  }

  /** Whether a proposal is in the log (its outcome may no longer be "not applied"). */
  isInflight(index: LogIndex): boolean {
    return this.inflight.has(index);
  }
}

/** Peer replicas outside the descriptor remembered per replica (a handful at most in practice). */
const learnedPeersMax = 16;

/** Committed entries followed by newly appended ones past them (applyBeforeCommit fault switch only). */
function mergeByIndex(committed: readonly Entry[], appended: readonly Entry[]): readonly Entry[] {
  const last = committed[committed.length - 1]?.index ?? 0;
  return [...committed, ...appended.filter((e) => e.index > last)];
}
