import { invariant } from './assert.js';
import { encodeConfChange, type ConfChange } from './conf-change.js';
import { resolveRaftConfig, type RaftConfig, type RaftConfigInput } from './config.js';
import type { Message } from './messages.js';
import type { ProgressState } from './progress.js';
import { Raft, type ProposeResult, type ReadIndexResult, type TransferLeaderResult } from './raft.js';
import type { RaftStorage } from './storage.js';
import { isJoint } from './tracker.js';
import {
  NoNode,
  type ConfState,
  type Entry,
  type HardState,
  type LogIndex,
  type NodeId,
  type ReadState,
  type Role,
  type Snapshot,
  type SoftState,
  type Term,
} from './types.js';

/**
 * Everything the core produced since the last Ready, to be processed in this order:
 *
 * 1. Persist, in one durable write: `snapshot` (if any), then `entries` (appending at
 *    entries[0].index and dropping any stored entry at or after it), then `hardState` (if any).
 * 2. Only after that write is durable, send `messages`. (Votes and append acknowledgements in them
 *    promise state that must survive a crash.)
 * 3. Apply `snapshot` (if any) to the state machine, then `committedEntries` in order, calling
 *    `applyConfChange` for each `confChange` entry. Applying may share the durable write of step 1.
 *    A Ready never holds both: entries committed past a snapshot come in the next Ready.
 * 4. Serve `readStates` once the applied index reaches each one's index; fail `droppedReads`.
 * 5. Call `advance()`.
 */
export interface Ready {
  readonly softState: SoftState | undefined;
  readonly hardState: HardState | undefined;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | undefined;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  /** Request contexts of local reads that will never get a ReadState (leadership was lost). Retry them. */
  readonly droppedReads: readonly string[];
  /** False when only the commit index changed: the write need not be fsynced before sending. */
  readonly mustSync: boolean;
}

export interface ProgressStatus {
  readonly match: LogIndex;
  readonly next: LogIndex;
  readonly state: ProgressState;
  readonly isLearner: boolean;
  readonly inflightCount: number;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly term: Term;
  readonly vote: NodeId;
  readonly commit: LogIndex;
  readonly applied: LogIndex;
  readonly lastIndex: LogIndex;
  readonly lead: NodeId;
  readonly role: Role;
  readonly quiesced: boolean;
  readonly leadTransferee: NodeId;
  readonly confState: ConfState;
  /** Leader only. */
  readonly progress: ReadonlyMap<NodeId, ProgressStatus> | undefined;
}

/**
 * The application's handle on one replica: the Raft state machine plus the Ready/advance protocol.
 * Single-threaded; any input may be given between `ready()` and `advance()` (its effects surface in
 * the next Ready), but a second `ready()` before `advance()` is a bug.
 */
export class RawNode {
  readonly raft: Raft;
  readonly config: RaftConfig;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private pendingReady: Ready | undefined = undefined;

  constructor(config: RaftConfigInput, storage: RaftStorage) {
    this.config = resolveRaftConfig(config);
    this.raft = new Raft(this.config, storage);
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  /** Campaign now instead of waiting for the election timeout. */
  campaign(): void {
    this.raft.hup('manual');
  }

  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose('normal', data);
  }

  proposeConfChange(cc: ConfChange): ProposeResult {
    return this.raft.propose('confChange', encodeConfChange(cc));
  }

  /**
   * Proposes a membership change already encoded by the application, which may carry context of
   * its own next to the ConfChange fields (as etcd's ConfChange.Context does); the core reads only
   * the ConfChange and validates it like any other.
   */
  proposeEncodedConfChange(data: Uint8Array): ProposeResult {
    return this.raft.propose('confChange', data);
  }

  /**
   * Steps a message from a peer. Returns why it was refused, when it contradicts this replica's
   * state in a way no correct peer can cause (a second leader in this term, a commit beyond the
   * log, an acknowledgement of something never sent): it is then dropped without effect, and the
   * application should count and log it.
   */
  step(m: Message): string | undefined {
    return this.raft.step(m);
  }

  /** Asks for a linearizable read point; the answer comes as a ReadState carrying `requestCtx`. */
  readIndex(requestCtx: string): ReadIndexResult {
    return this.raft.readIndex(requestCtx);
  }

  transferLeader(transferee: NodeId): TransferLeaderResult {
    return this.raft.transferLeader(transferee);
  }

  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** The leader is believed down (see Raft.reportLeaderDown): a quiesced follower wakes and campaigns soon. */
  reportLeaderDown(): void {
    this.raft.reportLeaderDown();
  }

  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }

  reportSnapshot(id: NodeId, status: 'finished' | 'failed'): void {
    this.raft.reportSnapshot(id, status);
  }

  /** Whether the group is in a joint configuration (entered, not yet left). In memory: no storage read. */
  inJointConfig(): boolean {
    return isJoint(this.raft.tracker.config);
  }

  /** A quiesced group needs no ticks; the driver may skip it until a message or proposal arrives. */
  isQuiesced(): boolean {
    return this.raft.quiesced;
  }

  hasReady(): boolean {
    const r = this.raft;
    if (r.msgs.length > 0 || r.readStates.length > 0 || r.droppedReadCtxs.length > 0) return true;
    if (r.log.unstable.entries.length > 0 || r.log.unstable.snapshot !== undefined) return true;
    if (r.hasBatchedWork()) return true;
    if (r.lead !== this.prevSoftState.leader || r.role !== this.prevSoftState.role) return true;
    if (r.term !== this.prevHardState.term || r.vote !== this.prevHardState.vote || r.log.committed !== this.prevHardState.commit) {
      return true;
    }
    return r.log.hasNextCommittedEntries();
  }

  ready(): Ready {
    invariant(this.pendingReady === undefined, 'ready() called again before advance()');
    const r = this.raft;
    r.flushBatchedWork();
    const prevSoft = this.prevSoftState;
    const prevHard = this.prevHardState;
    const softChanged = r.lead !== prevSoft.leader || r.role !== prevSoft.role;
    const hardChanged = r.term !== prevHard.term || r.vote !== prevHard.vote || r.log.committed !== prevHard.commit;
    const soft = softChanged ? r.softState() : prevSoft;
    const hard = hardChanged ? r.hardState() : prevHard;
    const entries = r.log.unstableEntries().slice();
    const rd: Ready = {
      softState: softChanged ? soft : undefined,
      hardState: hardChanged ? this.reportedHardState(hard) : undefined,
      entries,
      snapshot: r.log.unstable.snapshot,
      // Empty while a snapshot is pending (RaftLog.nextCommittedEntries): see step 3 above.
      committedEntries: r.log.nextCommittedEntries(this.config.committedBytesPerReadyMax),
      messages: r.msgs,
      readStates: r.readStates,
      droppedReads: r.droppedReadCtxs,
      // A snapshot acknowledged in this Ready must be durable before the acknowledgement leaves.
      mustSync: entries.length > 0 || r.log.unstable.snapshot !== undefined || hard.term !== prevHard.term || hard.vote !== prevHard.vote,
    };
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted !== undefined) r.log.applying = lastCommitted.index;
    r.msgs = [];
    r.readStates = [];
    r.droppedReadCtxs = [];
    this.prevSoftState = soft;
    this.prevHardState = hard;
    this.pendingReady = rd;
    return rd;
  }

  /** The application has persisted, sent and applied everything in the last Ready. */
  advance(): void {
    const rd = this.pendingReady;
    invariant(rd !== undefined, 'advance() without a Ready');
    this.pendingReady = undefined;
    const log = this.raft.log;
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) log.stableTo(lastEntry.index, lastEntry.term);
    if (rd.snapshot !== undefined) {
      log.stableSnapTo(rd.snapshot.metadata.index);
      if (rd.snapshot.metadata.index > log.applied) log.appliedTo(rd.snapshot.metadata.index);
    }
    this.raft.appliedTo(rd.committedEntries);
  }

  status(): RaftStatus {
    const r = this.raft;
    let progress: Map<NodeId, ProgressStatus> | undefined;
    if (r.role === 'leader') {
      progress = new Map();
      for (const [id, pr] of r.tracker.progress) {
        progress.set(id, { match: pr.match, next: pr.next, state: pr.state, isLearner: pr.isLearner, inflightCount: pr.inflights.count() });
      }
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      lead: r.lead,
      role: r.role,
      quiesced: r.quiesced,
      leadTransferee: r.leadTransferee,
      confState: r.tracker.confState(),
      progress,
    };
  }

  private reportedHardState(hs: HardState): HardState {
    if (this.config.testingKnobs.skipVotePersist === true) return { ...hs, vote: NoNode };
    return hs;
  }
}
