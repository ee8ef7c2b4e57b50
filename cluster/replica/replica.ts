import type { Logger } from 'pino';
import { NoNode, RawNode, type Entry, type LogIndex, type Message, type NodeId, type Ready, type Snapshot } from '../../raft/index.js';
import type { MvccMutation, RangeLogStorage, SnapshotReceiver, StagedSnapshot, WriteBatch } from '../../storage/index.js';
import { CodecError } from '../../proto/byte-codec.js';
import { decodeCommand, type WriteResult } from '../kv/command.js';
import { decodeNodeConfChange } from './conf-change-entry.js';
import { KvError } from '../../proto/kv-error.js';
import { replicaById, type RangeDescriptor, type ReplicaDescriptor, type StoreId } from '../../proto/range-descriptor.js';
import { encodeRangeDescriptor } from './range-descriptor-codec.js';
import { SessionTable, type RangeLocalMutation, type RangeLocalReader } from '../kv/session-table.js';
import type { KvStateMachine } from '../kv/kv-state-machine.js';

/** A pending request's completion. Settled exactly once (later calls are ignored). */
export interface Waiter<T> {
  readonly deadlineAtMs: number;
  resolve(value: T): void;
  reject(error: KvError): void;
}

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

interface QueuedProposal {
  readonly data: Uint8Array;
  readonly waiter: Waiter<AppliedWrite>;
  readonly confChange: boolean;
}

interface InflightProposal {
  readonly term: number;
  readonly waiter: Waiter<AppliedWrite>;
}

/** A write's outcome with the index it was applied at (for session tokens). */
export interface AppliedWrite {
  readonly result: WriteResult;
  readonly index: LogIndex;
}

/** What staging one Ready produced, to finish after the batch commits. */
export interface StagedReady {
  readonly replica: Replica;
  readonly ready: Ready;
  /** Completions to run once the batch is durable. */
  readonly completions: (() => void)[];
  readonly snapshotMessages: readonly Message[];
  readonly otherMessages: readonly Message[];
}

/**
 * One range's replica on this store: its raft node over the store's log storage, its descriptor,
 * and the requests waiting on it. It never touches the network or commits batches itself: the
 * node's driver loop calls it at each step of a turn (submit → stage the Ready into the batch →
 * commit → finish), which is what keeps "persist before send and before answering" in one place.
 */
export class Replica {
  descriptor: RangeDescriptor;
  private readonly queuedProposals: QueuedProposal[] = [];
  private readonly inflight = new Map<LogIndex, InflightProposal>();
  private readonly queuedReads: ReadRequest<unknown>[] = [];
  private queuedTransfer: NodeId | undefined = undefined;
  private readonly readIndexWaiting = new Map<string, ReadRequest<unknown>>();
  /** Reads allowed to run once the applied index reaches `index`. */
  private readonly applyWaiting: { index: LogIndex; read: ReadRequest<unknown> }[] = [];
  private nextReadCtx = 1;
  /** A snapshot received from the leader, waiting for raft to accept it in a Ready. */
  private stagedSnapshot: { index: LogIndex; staged: StagedSnapshot; receiver: SnapshotReceiver } | undefined = undefined;
  lastLeader: NodeId = NoNode;
  lastRole = 'follower';
  proposalsAppended = 0;
  /** Replica GC bookkeeping (see Node.checkLeaderless). */
  leaderlessSinceMs: number | undefined = undefined;
  gcCheckInFlight = false;
  gcAttempts = 0;

  constructor(
    readonly raw: RawNode,
    readonly storage: RangeLogStorage,
    descriptor: RangeDescriptor,
    readonly replicaId: NodeId,
    readonly log: Logger,
  ) {
    this.descriptor = descriptor;
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

  replicaOfStore(store: StoreId): ReplicaDescriptor | undefined {
    return this.descriptor.replicas.find((r) => r.storeId === store);
  }

  hasQueuedWork(): boolean {
    return this.queuedProposals.length > 0 || this.queuedReads.length > 0 || this.queuedTransfer !== undefined;
  }

  /** Asks raft (in the next turn) to hand leadership to `target`. */
  queueTransfer(target: NodeId): void {
    this.queuedTransfer = target;
  }

  propose(data: Uint8Array, waiter: Waiter<AppliedWrite>): void {
    this.queuedProposals.push({ data, waiter, confChange: false });
  }

  /** Proposes a membership change (encoded by encodeNodeConfChange); settled when it is applied. */
  proposeConfChange(data: Uint8Array, waiter: Waiter<AppliedWrite>): void {
    this.queuedProposals.push({ data, waiter, confChange: true });
  }

  /** Set when this replica applied a membership change that removed it: the node deletes it. */
  removed = false;

  read<T>(req: ReadRequest<T>): void {
    this.queuedReads.push(req as ReadRequest<unknown>);
  }

  /** Hands queued proposals and reads to raft. Called in a turn, after the ticks (leases depend on it). */
  /** Fault switch (tests only): answer writes once appended, before they are committed. */
  ackBeforeCommit = false;

  submitQueued(notLeader: () => KvError): void {
    if (this.queuedTransfer !== undefined) {
      const r = this.raw.transferLeader(this.queuedTransfer);
      if (r.outcome === 'rejected') this.log.warn({ target: this.queuedTransfer, reason: r.reason }, 'leader transfer refused');
      else this.log.info({ target: this.queuedTransfer }, 'leader transfer started');
      this.queuedTransfer = undefined;
    }
    for (const p of this.queuedProposals.splice(0)) {
      if (!this.isLeader()) {
        p.waiter.reject(notLeader());
        continue;
      }
      const r = p.confChange ? this.raw.proposeEncodedConfChange(p.data) : this.raw.propose(p.data);
      switch (r.outcome) {
        case 'appended':
          this.proposalsAppended++;
          if (this.ackBeforeCommit && !p.confChange) {
            p.waiter.resolve({ result: guessedResult(p.data), index: r.index });
            break;
          }
          this.inflight.set(r.index, { term: r.term, waiter: p.waiter });
          break;
        case 'forwarded':
          // Unreachable: we checked leadership. Refuse rather than leave the outcome unknowable.
          p.waiter.reject(notLeader());
          break;
        case 'rejected':
          switch (r.reason) {
            case 'UNCOMMITTED_BYTES_EXCEEDED':
              p.waiter.reject(new KvError('OVERLOADED', `range ${this.rangeId}: ${r.detail}`, { retryAfterMs: 50 }));
              break;
            case 'NO_LEADER':
            case 'TRANSFER_IN_PROGRESS':
            case 'NOT_IN_CONFIG':
              p.waiter.reject(notLeader());
              break;
            case 'CONF_CHANGE_PENDING':
            case 'CONF_CHANGE_INVALID':
              p.waiter.reject(new KvError('INVALID_ARGUMENT', r.detail));
              break;
          }
      }
    }
    for (const read of this.queuedReads.splice(0)) {
      switch (read.mode.kind) {
        case 'unsafeLocal':
          this.runRead(read);
          break;
        case 'session':
          this.applyWaiting.push({ index: read.mode.minIndex, read });
          break;
        case 'readIndex': {
          const ctx = `${this.nextReadCtx++}`;
          const r = this.raw.readIndex(ctx);
          if (r.outcome === 'rejected') read.waiter.reject(notLeader());
          else this.readIndexWaiting.set(ctx, read);
          break;
        }
      }
    }
    this.serveAppliedReads();
  }

  /** Parks a snapshot received from the leader until raft accepts it (see stageReady). */
  offerSnapshot(index: LogIndex, staged: StagedSnapshot, receiver: SnapshotReceiver): void {
    this.stagedSnapshot?.receiver.abort();
    this.stagedSnapshot = { index, staged, receiver };
  }

  /** Drops a parked snapshot raft did not take (it was stale); its staging rows are discarded. */
  discardOfferedSnapshot(index: LogIndex): boolean {
    if (this.stagedSnapshot?.index !== index) return false;
    this.stagedSnapshot.receiver.abort();
    this.stagedSnapshot = undefined;
    return true;
  }

  /**
   * Adds everything one Ready must make durable to the batch: an incoming snapshot (with its staged
   * data), log entries, hard state, and the applied entries with their mutations and applied index.
   * Requests are completed only after the batch commits (the returned completions).
   */
  stageReady(rd: Ready, batch: WriteBatch, machine: KvStateMachine, local: RangeLocalReader): StagedReady {
    const completions: (() => void)[] = [];
    if (rd.snapshot !== undefined) this.stageSnapshot(rd.snapshot, batch);
    batch.append(this.rangeId, rd.entries);
    if (rd.hardState !== undefined) batch.setHardState(this.rangeId, rd.hardState);
    if (rd.committedEntries.length > 0) this.stageApply(rd.committedEntries, batch, machine, local, completions);
    const snapshotMessages: Message[] = [];
    const otherMessages: Message[] = [];
    for (const m of rd.messages) (m.type === 'snap' ? snapshotMessages : otherMessages).push(m);
    return { replica: this, ready: rd, completions, snapshotMessages, otherMessages };
  }

  private stageSnapshot(snap: Snapshot, batch: WriteBatch): void {
    const pending = this.stagedSnapshot;
    this.stagedSnapshot = undefined;
    if (pending === undefined || pending.index !== snap.metadata.index) {
      // Raft accepted a snapshot we have no data for: a bug in the receive path, never limp on.
      throw new KvError('INTERNAL', `range ${this.rangeId}: raft installed snapshot ${snap.metadata.index} without its data`);
    }
    batch.installSnapshot(this.rangeId, snap, pending.staged);
  }

  private stageApply(entries: readonly Entry[], batch: WriteBatch, machine: KvStateMachine, local: RangeLocalReader, completions: (() => void)[]): void {
    const mutations: MvccMutation[] = [];
    const sessions = new SessionTable(local);
    let descriptorChanged = false;
    let confState = undefined;
    const applied = this.storage.appliedIndex();
    for (const e of entries) {
      if (e.index <= applied) continue;
      let outcome: { result: WriteResult } | { error: KvError } | undefined;
      if (e.type === 'confChange') {
        const { change, storeOfReplica } = decodeNodeConfChange(e.data);
        confState = this.raw.applyConfChange(change);
        this.descriptor = descriptorAfterConfChange(this.descriptor, confState, storeOfReplica);
        descriptorChanged = true;
        this.log.info({ index: e.index, change, confState }, 'membership changed');
        const members = [...confState.voters, ...confState.votersOutgoing, ...confState.learners];
        if (!members.includes(this.replicaId)) this.removed = true;
        // A conf change settles its proposal with a placeholder result (no key was written).
        outcome = { result: { kind: 'put', version: 0n as WriteResult['version'] } };
      } else if (e.data.length > 0) {
        let cmd;
        try {
          cmd = decodeCommand(e.data);
        } catch (err) {
          // Every replica decodes the same bytes the same way: skipping is deterministic. It can only
          // come from a bug (inputs are validated before proposing).
          if (!(err instanceof CodecError)) throw err;
          this.log.error({ index: e.index, err }, 'undecodable command in the log; skipped');
          outcome = { error: new KvError('INTERNAL', 'undecodable command') };
        }
        if (cmd !== undefined) {
          const o = machine.apply(cmd, sessions);
          if (o.kind === 'applied') {
            mutations.push(...o.mutations);
            outcome = { result: o.result };
          } else {
            outcome = { error: new KvError('INVALID_ARGUMENT', o.reason) };
          }
        }
      }
      this.settleProposal(e, outcome, completions);
    }
    const last = entries[entries.length - 1]!;
    const localMutations: RangeLocalMutation[] = sessions.takeMutations();
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

  /** A proposal of ours is answered when its index is applied: with the result if our entry is the one there. */
  private settleProposal(e: Entry, outcome: { result: WriteResult } | { error: KvError } | undefined, completions: (() => void)[]): void {
    const p = this.inflight.get(e.index);
    if (p === undefined) return;
    this.inflight.delete(e.index);
    let settle: () => void;
    if (p.term !== e.term) {
      // Another leader's entry took this index: ours was never committed and never will be.
      settle = () => p.waiter.reject(new KvError('NOT_LEADER', `range ${this.rangeId}: leadership changed before the write committed; it was not applied`));
    } else if (outcome === undefined) {
      settle = () => p.waiter.reject(new KvError('INTERNAL', `range ${this.rangeId}: proposal ${e.index} applied without an outcome`));
    } else if ('error' in outcome) {
      const err = outcome.error;
      settle = () => p.waiter.reject(err);
    } else {
      const value: AppliedWrite = { result: outcome.result, index: e.index };
      settle = () => p.waiter.resolve(value);
    }
    completions.push(settle);
  }

  /** After the batch committed: answer requests, route read states, then advance the raft node. */
  finishReady(staged: StagedReady): void {
    for (const c of staged.completions) c();
    const rd = staged.ready;
    for (const rs of rd.readStates) {
      const read = this.readIndexWaiting.get(rs.requestCtx);
      if (read === undefined) continue;
      this.readIndexWaiting.delete(rs.requestCtx);
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
   * Fails everything waiting here (shutdown, fenced store, replica removed). Work never handed to
   * raft fails with `error`; a proposal already in the log may still be committed by the range's
   * next leader (a leader removing itself has usually replicated it already), so it can only be
   * answered OUTCOME_UNKNOWN.
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
    this.stagedSnapshot?.receiver.abort();
    this.stagedSnapshot = undefined;
  }

  /** Whether a proposal is in the log (its outcome may no longer be "not applied"). */
  isInflight(index: LogIndex): boolean {
    return this.inflight.has(index);
  }
}

/** What a write would return if applied now: the ackBeforeCommit fault switch answers with it. */
function guessedResult(data: Uint8Array): WriteResult {
  const cmd = decodeCommand(data);
  switch (cmd.op.kind) {
    case 'put':
      return { kind: 'put', version: cmd.proposedTs };
    case 'delete':
      return { kind: 'delete', deleted: true, version: cmd.proposedTs };
    case 'cas':
      return { kind: 'cas', succeeded: true, current: cmd.op.expected, version: cmd.proposedTs };
  }
}

/** The descriptor after a membership change: roles from the new ConfState, stores from the entry. */
export function descriptorAfterConfChange(
  d: RangeDescriptor,
  cs: { readonly voters: readonly number[]; readonly votersOutgoing: readonly number[]; readonly learners: readonly number[]; readonly learnersNext: readonly number[] },
  storeOfReplica: ReadonlyMap<number, StoreId>,
): RangeDescriptor {
  const members = new Set<number>([...cs.voters, ...cs.votersOutgoing, ...cs.learners]);
  const replicas: ReplicaDescriptor[] = [];
  let nextReplicaId = d.nextReplicaId;
  for (const id of [...members].sort((a, b) => a - b)) {
    const storeId = storeOfReplica.get(id) ?? replicaById(d, id)?.storeId;
    if (storeId === undefined) continue;
    const learner = cs.learners.includes(id as NodeId) || (cs.learnersNext.includes(id as NodeId) && !cs.voters.includes(id as NodeId));
    replicas.push({ storeId, replicaId: id, role: learner ? 'learner' : 'voter' });
    nextReplicaId = Math.max(nextReplicaId, id + 1);
  }
  return { ...d, replicas, epoch: { ...d.epoch, confVersion: d.epoch.confVersion + 1 }, nextReplicaId };
}
