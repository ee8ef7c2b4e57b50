import { invariant, unreachable } from './assert.js';
import { ConfChangeError, Changer, restoreConfig, type ChangeResult } from './changer.js';
import { decodeConfChange, encodeConfChange, ConfChangeDecodeError, type ConfChange } from './conf-change.js';
import type { RaftConfig } from './config.js';
import type {
  AppendMessage,
  AppendResponseMessage,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  Message,
  SnapshotMessage,
  VoteMessage,
  VoteResponseMessage,
} from './messages.js';
import { Progress } from './progress.js';
import { RaftLog } from './raft-log.js';
import { inboundRefusal, type InboundView } from './inbound-check.js';
import { ReadOnly, type PendingRead } from './read-only.js';
import { isRaftStorageError, type RaftStorage } from './storage.js';
import { isJoint, ProgressTracker } from './tracker.js';
import { jointQuorumActive } from './quorum.js';
import {
  NoNode,
  entrySizeBytes,
  isEmptyHardState,
  isEmptySnapshot,
  type ConfState,
  type Entry,
  type EntryType,
  type HardState,
  type LogIndex,
  type NodeId,
  type ReadState,
  type Role,
  type Snapshot,
  type SoftState,
  type Term,
} from './types.js';

export type ProposalRejectReason =
  /** No leader is known (election in progress, or this node is partitioned). Retry after a backoff. */
  | 'NO_LEADER'
  /** Leadership is being handed over; retry at the new leader. */
  | 'TRANSFER_IN_PROGRESS'
  /** The leader holds more uncommitted bytes than `uncommittedBytesMax`: back-pressure. */
  | 'UNCOMMITTED_BYTES_EXCEEDED'
  /** A membership change is still unapplied; one change at a time. */
  | 'CONF_CHANGE_PENDING'
  /** The membership change is impossible in the current configuration. */
  | 'CONF_CHANGE_INVALID'
  /** (strictConfChange) The new configuration would have no quorum of caught-up members. */
  | 'CONF_CHANGE_UNSAFE'
  /** (strictConfChange) A new leader does not know yet how far its followers are; retry shortly. */
  | 'CONF_CHANGE_TOO_SOON'
  /** This leader has been removed from the group and is stepping down. */
  | 'NOT_IN_CONFIG';

export type ProposeResult =
  /** Appended at the leader: the proposal is applied iff the entry applied at `index` has term `term`. */
  | { readonly outcome: 'appended'; readonly index: LogIndex; readonly term: Term }
  /** Forwarded to the leader: it may still be dropped there (leader change); the caller times out and retries. */
  | { readonly outcome: 'forwarded'; readonly to: NodeId }
  | { readonly outcome: 'rejected'; readonly reason: ProposalRejectReason; readonly leaderHint: NodeId; readonly detail: string };

export type ReadIndexResult =
  /** A ReadState (or, if leadership is lost first, a dropped-read notice) for this context will appear in a Ready. Forwarded reads may instead time out. */
  | { readonly outcome: 'accepted' }
  | { readonly outcome: 'rejected'; readonly reason: 'NO_LEADER'; readonly leaderHint: NodeId };

export type TransferLeaderResult =
  | { readonly outcome: 'started' | 'forwarded' | 'alreadyLeader' }
  | { readonly outcome: 'rejected'; readonly reason: 'NO_LEADER' | 'NOT_A_VOTER'; readonly leaderHint: NodeId };

type CampaignKind = 'preElection' | 'election';

/** At most this many ReadIndex heartbeat rounds in flight; later reads wait for the next free slot. */
const readRoundsMax = 64;

/**
 * The Raft protocol for one replica: a deterministic state machine. Inputs are `tick`, `step`,
 * `propose`, `readIndex` and friends; outputs accumulate in `msgs`, `readStates`,
 * `droppedReadCtxs` and the log, and are handed to the application by RawNode as a Ready.
 */
export class Raft {
  readonly id: NodeId;
  term: Term = 0;
  vote: NodeId = NoNode;
  role: Role = 'follower';
  lead: NodeId = NoNode;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;

  msgs: Message[] = [];
  readStates: ReadState[] = [];
  droppedReadCtxs: string[] = [];

  /** Leader: the member leadership is being handed to, or NoNode. */
  leadTransferee: NodeId = NoNode;
  /** Index of the latest membership change in the log; the next may be proposed once it is applied. */
  pendingConfIndex: LogIndex = 0;
  uncommittedSizeBytes = 0;
  /** Leader: the first index it appended in its term; the uncommitted budget counts from there. */
  private uncommittedFromIndex: LogIndex = Number.MAX_SAFE_INTEGER;
  quiesced = false;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** The newest leader tick of a heartbeat this follower acknowledged in this term (stale quiesce guard). */
  private heartbeatSentTickMax = 0;
  /** Leader: ticks since it became leader, starting at 1. The time base of CheckQuorum and the lease. */
  private leaderTick = 0;
  /** Leader: set once a TimeoutNow has left, for the rest of the term (a delayed one may elect a rival at any time). */
  private leaseRevoked = false;
  /** After a restart, refuse votes for one election timeout: this node may have promised a leader a lease it no longer remembers. */
  private voteGuardTicksLeft = 0;
  private readonly readOnly = new ReadOnly(readRoundsMax);
  /** Follower: reads to forward to the leader at the next Ready, in one message. */
  private pendingForwardReads: string[] = [];
  /** Leader: proposals appended since the last Ready; their appends go out together at the next one. */
  private appendBroadcastPending = false;

  constructor(
    readonly cfg: RaftConfig,
    storage: RaftStorage,
  ) {
    this.id = cfg.id;
    this.log = new RaftLog(storage, cfg.appliedIndex);
    this.tracker = new ProgressTracker(cfg.inflightMessagesMax, cfg.inflightBytesMax, cfg.testingKnobs.countLearnersInQuorum === true);
    const { hardState, confState } = storage.initialState();
    this.installConfig(restoreConfig(confState, this.log.lastIndex(), cfg.inflightMessagesMax, cfg.inflightBytesMax));
    if (!isEmptyHardState(hardState)) this.loadHardState(hardState);
    invariant(this.log.applied <= this.log.committed, () => `applied ${this.log.applied} beyond commit ${this.log.committed}`);
    this.becomeFollower(this.term, NoNode);
    this.voteGuardTicksLeft = cfg.leaseReads ? cfg.electionTimeoutTicks : 0;
  }

  // ---------------------------------------------------------------------------------------------
  // State accessors

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { leader: this.lead, role: this.role };
  }

  promotable(): boolean {
    const pr = this.tracker.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.log.hasPendingSnapshot();
  }

  /** In the current configuration at all (voter, outgoing voter or learner). */
  isMember(): boolean {
    return this.tracker.progress.has(this.id);
  }

  isLearner(): boolean {
    return this.tracker.progress.get(this.id)?.isLearner === true;
  }

  electionElapsedTicks(): number {
    return this.electionElapsed;
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs

  tick(): void {
    if (this.quiesced) return;
    if (this.voteGuardTicksLeft > 0) this.voteGuardTicksLeft--;
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  /**
   * Starts an election. `timeout`: the election timer fired. `transfer`: the leader asked us with
   * TimeoutNow (no pre-vote; voters ignore their lease). `manual`: the application asked — refused
   * while this node is within a leader's lease (it promised that leader not to help elect a rival
   * for an election timeout after acknowledging its heartbeat), exactly as a vote request would be.
   */
  hup(kind: 'timeout' | 'transfer' | 'manual'): void {
    this.wake();
    if (this.role === 'leader') return;
    if (!this.promotable()) return;
    if (this.hasUnappliedConfChanges()) return;
    if (kind === 'manual' && this.role === 'follower' && this.inLease()) return;
    if (this.cfg.preVote && kind !== 'transfer') this.campaign('preElection', false);
    else this.campaign('election', kind === 'transfer');
  }

  propose(type: EntryType, data: Uint8Array): ProposeResult {
    this.wake();
    const entry: Entry = { term: 0, index: 0, type, data };
    switch (this.role) {
      case 'leader':
        return this.proposeAtLeader([entry]);
      case 'follower':
        if (this.lead === NoNode) return this.reject('NO_LEADER', 'no leader known');
        this.send({ type: 'prop', from: this.id, to: this.lead, term: 0, entries: [entry] });
        return { outcome: 'forwarded', to: this.lead };
      case 'candidate':
      case 'preCandidate':
        return this.reject('NO_LEADER', `election in progress at term ${this.term}`);
      default:
        return unreachable(this.role, 'role');
    }
  }

  readIndex(requestCtx: string): ReadIndexResult {
    this.wake();
    if (this.role === 'leader') {
      this.leaderRead({ requestCtx, from: this.id });
      return { outcome: 'accepted' };
    }
    if (this.role === 'follower' && this.lead !== NoNode) {
      this.pendingForwardReads.push(requestCtx);
      return { outcome: 'accepted' };
    }
    return { outcome: 'rejected', reason: 'NO_LEADER', leaderHint: this.lead };
  }

  transferLeader(transferee: NodeId): TransferLeaderResult {
    this.wake();
    if (this.role === 'leader') return this.leaderTransfer(transferee);
    if (this.role === 'follower' && this.lead !== NoNode) {
      this.send({ type: 'transferLeader', from: this.id, to: this.lead, term: this.term, transferee });
      return { outcome: 'forwarded' };
    }
    return { outcome: 'rejected', reason: 'NO_LEADER', leaderHint: this.lead };
  }

  /**
   * The application believes this follower's leader is down (its store went silent or its link
   * broke). A quiesced follower counts no time, so without this it would wait for the dead leader
   * forever. It wakes with its lease already over — a quiesced leader holds no lease (it dropped
   * its lease acks when it went to sleep), so voting at once breaks no promise — and campaigns
   * within an election timeout, at a freshly drawn moment so that survivors rarely collide.
   * Without leader leases, a ticking follower also skips the rest of its wait for the same reason;
   * with leases it must keep its promise and waits out its normal timeout.
   */
  reportLeaderDown(): void {
    if (this.role === 'leader') return;
    if (this.quiesced) {
      this.quiesced = false;
      this.heartbeatElapsed = 0;
    } else if (this.cfg.leaseReads) {
      return;
    }
    if (this.electionElapsed >= this.cfg.electionTimeoutTicks) return;
    this.electionElapsed = this.cfg.electionTimeoutTicks;
    this.randomizedElectionTimeout = this.cfg.electionTimeoutTicks + this.cfg.rng.int(this.cfg.electionTimeoutTicks);
  }

  /** The transport could not reach `id`: stop streaming optimistically and probe again. */
  reportUnreachable(id: NodeId): void {
    if (this.role !== 'leader') return;
    const pr = this.tracker.progress.get(id);
    if (pr !== undefined && pr.state === 'replicate') pr.becomeProbe();
  }

  /** The snapshot sent to `id` was delivered (`finished`) or lost (`failed`). */
  reportSnapshot(id: NodeId, status: 'finished' | 'failed'): void {
    if (this.role !== 'leader') return;
    const pr = this.tracker.progress.get(id);
    if (pr === undefined || pr.state !== 'snapshot') return;
    if (status === 'failed') pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for the follower's answer (or a heartbeat answer) before probing again.
    pr.msgAppFlowPaused = true;
  }

  /**
   * Steps a message from a peer. Returns why it was refused (and dropped without effect) when it
   * contradicts this replica's state in a way no correct peer can cause (see inbound-check.ts).
   */
  step(m: Message): string | undefined {
    invariant(m.to === this.id, () => `message for ${m.to} stepped into ${this.id}`);
    const refusal = inboundRefusal(this.inboundView(), m);
    if (refusal !== undefined) return refusal;
    this.stepValid(m);
    return undefined;
  }

  private inboundView(): InboundView {
    return {
      id: this.id,
      term: this.term,
      role: this.role,
      lead: this.lead,
      lastIndex: this.log.lastIndex(),
      leaderTick: this.leaderTick,
      readSeqIssuedMax: this.readOnly.issuedSeqMax(),
    };
  }

  private stepValid(m: Message): void {
    if (m.term !== 0 && m.term < this.term) {
      this.handleLowerTerm(m);
      return;
    }
    if (this.quiesced && this.role === 'follower' && this.lead !== NoNode && this.cfg.checkQuorum && (m.type === 'vote' || m.type === 'preVote') && !m.transfer && m.term > this.term) {
      // A candidate asks a quiet follower, which will refuse it (it believes its leader alive) but
      // wakes and starts its own election clock — while the leader sleeps on, so the candidate (say,
      // cut off from the leader one way) would win through it an election timeout later. Poke the
      // leader: it wakes and reasserts itself, and this follower stays in line. (When the leader is
      // really gone, the application has already woken us with reportLeaderDown.)
      this.send({ type: 'heartbeatResp', from: this.id, to: this.lead, term: this.term, readSeq: 0, sentTick: 0 });
    }
    this.wake();
    if (m.term > this.term) {
      if ((m.type === 'vote' || m.type === 'preVote') && !m.transfer && this.inLease()) {
        // We heard from a leader within the election timeout (or just restarted): this candidate is
        // disruptive or partitioned. Ignore it without adopting its term.
        return;
      }
      if (m.type === 'preVote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'preVoteResp' && !m.reject) {
        // A granted pre-vote carries the term we would campaign in; it is counted below.
      } else if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NoNode);
      }
    }
    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        return;
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(m);
        return;
      case 'follower':
        this.stepFollower(m);
        return;
      default:
        unreachable(this.role, 'role');
    }
  }

  /** Applies a committed membership change. The application calls this when it applies the entry. */
  applyConfChange(cc: ConfChange): ConfState {
    const change = new Changer(
      this.tracker.config,
      this.tracker.progress,
      this.log.lastIndex(),
      this.cfg.inflightMessagesMax,
      this.cfg.inflightBytesMax,
    ).apply(cc);
    return this.switchToConfig(change);
  }

  /** Called by RawNode.advance once the committed entries it handed out have been applied. */
  appliedTo(applied: readonly Entry[]): void {
    const last = applied[applied.length - 1];
    if (last === undefined) return;
    this.log.appliedTo(last.index);
    // Only entries this leader counted (appended in its term) leave the uncommitted budget.
    let sizeBytes = 0;
    for (const e of applied) if (e.index >= this.uncommittedFromIndex) sizeBytes += e.data.byteLength;
    this.uncommittedSizeBytes = Math.max(0, this.uncommittedSizeBytes - sizeBytes);
    this.maybeAutoLeave();
  }

  /** Work that is batched until the next Ready: one heartbeat round for all waiting reads, one forward message. */
  hasBatchedWork(): boolean {
    if (this.pendingForwardReads.length > 0 || this.appendBroadcastPending) return true;
    return this.role === 'leader' && this.readOnly.hasUnsent() && this.committedEntryInCurrentTerm();
  }

  flushBatchedWork(): void {
    if (this.appendBroadcastPending) {
      this.appendBroadcastPending = false;
      if (this.role === 'leader') {
        // Pipelining: fill each follower's in-flight window with appends of up to appendBytesMax.
        for (const id of this.tracker.progress.keys()) {
          if (id === this.id) continue;
          if (!this.maybeSendAppend(id, false)) continue;
          while (this.maybeSendAppend(id, false)) {
            // keep filling
          }
        }
      }
    }
    if (this.pendingForwardReads.length > 0) {
      invariant(this.role === 'follower' && this.lead !== NoNode, 'forward reads without a leader');
      this.send({ type: 'readIndex', from: this.id, to: this.lead, term: this.term, requestCtxs: this.pendingForwardReads });
      this.pendingForwardReads = [];
    }
    if (this.role === 'leader' && this.readOnly.hasUnsent() && this.committedEntryInCurrentTerm()) {
      const seq = this.readOnly.startRound(this.log.committed);
      this.bcastHeartbeat(seq);
      this.releaseReads();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Ticks

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      if (this.promotable()) {
        this.hup('timeout');
      } else if (this.isMember()) {
        // A learner (or a voter waiting on a snapshot) that has heard from no leader for an election
        // timeout cannot campaign, so nothing would wake a group that went quiet while it was away or
        // behind. Poke the voters it knows: any message wakes them, and the leader's heartbeat brings
        // this node back into the fold (and resets this timer).
        this.pokeVoters();
      }
    }
  }

  private tickLeader(): void {
    this.leaderTick++;
    this.heartbeatElapsed++;
    this.electionElapsed++;
    const self = this.tracker.progress.get(this.id);
    if (self !== undefined) self.lastHeardTick = this.leaderTick;
    if (this.cfg.checkQuorum) {
      const heardTick = this.tracker.quorumMin((id, pr) => (id === this.id ? this.leaderTick : pr.lastHeardTick));
      if (this.leaderTick - heardTick >= this.cfg.electionTimeoutTicks) {
        // CheckQuorum: we have not heard from a quorum for an election timeout; a new leader may exist.
        this.becomeFollower(this.term, NoNode);
        return;
      }
    }
    if (this.electionElapsed >= this.cfg.electionTimeoutTicks) {
      this.electionElapsed = 0;
      if (this.leadTransferee !== NoNode) this.abortLeaderTransfer();
    }
    this.maybeAutoLeave();
    if (this.heartbeatElapsed >= this.cfg.heartbeatIntervalTicks) {
      this.heartbeatElapsed = 0;
      if (!this.maybeQuiesce()) this.bcastHeartbeat(this.readOnly.latestSeq());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Role transitions

  becomeFollower(term: Term, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    invariant(this.role !== 'leader', 'leader cannot become pre-candidate');
    // A pre-campaign changes neither the term nor the vote.
    this.tracker.resetVotes();
    this.dropForwardReads();
    this.lead = NoNode;
    this.role = 'preCandidate';
  }

  private becomeCandidate(): void {
    invariant(this.role !== 'leader', 'leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    invariant(this.role === 'candidate', () => `${this.role} cannot become leader`);
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    this.leaderTick = 1;
    for (const pr of this.tracker.progress.values()) pr.lastHeardTick = this.leaderTick;
    this.tracker.progress.get(this.id)?.becomeReplicate();
    // Any membership change in the log may still be unapplied: wait for it before accepting another.
    this.pendingConfIndex = this.log.lastIndex();
    this.uncommittedFromIndex = this.log.lastIndex() + 1;
    // §5.4.2: entries of earlier terms commit only through an entry of ours; append a no-op now.
    const ok = this.appendEntries([{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }]);
    invariant(ok, 'the empty entry of a new leader must be accepted');
  }

  private reset(term: Term): void {
    if (this.term !== term) {
      invariant(term > this.term, () => `term goes back from ${this.term} to ${term}`);
      this.term = term;
      this.vote = NoNode;
    }
    this.lead = NoNode;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.heartbeatSentTickMax = 0;
    this.randomizedElectionTimeout = this.cfg.electionTimeoutTicks + this.cfg.rng.int(this.cfg.electionTimeoutTicks);
    this.leadTransferee = NoNode;
    this.tracker.resetVotes();
    const last = this.log.lastIndex();
    for (const [id, pr] of this.tracker.progress) pr.resetForTerm(last + 1, id === this.id ? last : 0);
    this.pendingConfIndex = 0;
    this.uncommittedSizeBytes = 0;
    this.uncommittedFromIndex = Number.MAX_SAFE_INTEGER;
    this.quiesced = false;
    this.leaderTick = 0;
    this.leaseRevoked = false;
    this.appendBroadcastPending = false;
    for (const read of this.readOnly.clear()) if (read.from === this.id) this.droppedReadCtxs.push(read.requestCtx);
    this.dropForwardReads();
  }

  private dropForwardReads(): void {
    for (const ctx of this.pendingForwardReads) this.droppedReadCtxs.push(ctx);
    this.pendingForwardReads = [];
  }

  // ---------------------------------------------------------------------------------------------
  // Elections

  private campaign(kind: CampaignKind, transfer: boolean): void {
    let term: Term;
    let voteType: 'vote' | 'preVote';
    if (kind === 'preElection') {
      this.becomePreCandidate();
      voteType = 'preVote';
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = 'vote';
      term = this.term;
    }
    this.tracker.recordVote(this.id, true);
    if (this.tracker.tallyVotes().result === 'won') {
      // A single voter wins at once.
      if (kind === 'preElection') this.campaign('election', transfer);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    const voters = [...this.tracker.voterIds()].sort((a, b) => a - b);
    for (const id of voters) {
      if (id === this.id) continue;
      this.send({ type: voteType, from: this.id, to: id, term, index: lastIndex, logTerm: lastTerm, transfer });
    }
  }

  private handleVoteRequest(m: VoteMessage): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === NoNode && this.lead === NoNode) ||
      (m.type === 'preVote' && m.term > this.term);
    const upToDate = this.cfg.testingKnobs.skipVoteLogCheck === true || this.log.isUpToDate(m.index, m.logTerm);
    const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    if (canVote && upToDate) {
      // A grant carries the candidate's term, so a pre-candidate can count it for the term it would run in.
      this.send({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      } else if (this.role === 'preCandidate' && m.from > this.id) {
        // Two pre-candidates campaigning at the same moment would both win their pre-votes and then
        // split the real vote, again and again while their tick phases stay close. The one with the
        // lower id steps back (it just granted the other, whose log is at least as good) and waits a
        // fresh timeout; the other wins with its vote. Pre-votes promise nothing: safety is untouched.
        this.becomeFollower(this.term, NoNode);
      }
    } else {
      this.send({ type: respType, from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  /** Whether a vote request must be ignored because a leader is (or may be) still in charge. */
  private inLease(): boolean {
    if (!this.cfg.checkQuorum) return false;
    if (this.voteGuardTicksLeft > 0) return true;
    if (this.role === 'leader') return true;
    return this.lead !== NoNode && this.electionElapsed < this.cfg.electionTimeoutTicks;
  }

  /** A heartbeat answer to every voter: harmless to a follower, a wake-up call to a quiesced leader. */
  private pokeVoters(): void {
    for (const id of [...this.tracker.voterIds()].sort((a, b) => a - b)) {
      if (id !== this.id) this.send({ type: 'heartbeatResp', from: this.id, to: id, term: this.term, readSeq: 0, sentTick: 0 });
    }
  }

  private handleLowerTerm(m: Message): void {
    if (this.role === 'leader' && this.quiesced && this.tracker.progress.has(m.from)) {
      // A member that fell behind in term (it was away) is talking to us: wake up, so that our
      // heartbeats bring it to the current term and log.
      this.wake();
    }
    if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'heartbeat' || m.type === 'app')) {
      // A leader of an older term that was cut off from us. Tell it our term so that it steps down;
      // otherwise, with PreVote or CheckQuorum, it could keep the rest of the group from electing.
      this.send({ type: 'appResp', from: this.id, to: m.from, term: this.term, index: 0, reject: false, hintIndex: 0, hintTerm: 0 });
    } else if (m.type === 'preVote') {
      // Answer so that a pre-candidate with a stale term learns ours instead of retrying forever.
      this.send({ type: 'preVoteResp', from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.applied >= this.log.committed) return false;
    const ents = this.log.slice(this.log.applied + 1, this.log.committed + 1, Number.MAX_SAFE_INTEGER);
    invariant(ents !== undefined, 'unapplied entries were compacted');
    return ents.some((e) => e.type === 'confChange');
  }

  // ---------------------------------------------------------------------------------------------
  // Leader

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'prop':
        this.proposeAtLeader(m.entries);
        return;
      case 'readIndex':
        for (const requestCtx of m.requestCtxs) this.leaderRead({ requestCtx, from: m.from });
        return;
      case 'transferLeader':
        this.leaderTransfer(m.transferee);
        return;
      case 'appResp':
        this.handleAppendResponse(m);
        return;
      case 'heartbeatResp':
        this.handleHeartbeatResponse(m);
        return;
      case 'app':
      case 'heartbeat':
      case 'snap':
        invariant(false, () => `leader ${this.id} got ${m.type} from ${m.from} in its own term ${this.term}: two leaders`);
        return;
      case 'voteResp':
      case 'preVoteResp':
      case 'timeoutNow':
      case 'readIndexResp':
      case 'vote':
      case 'preVote':
        return;
      default:
        unreachable(m, 'message');
    }
  }

  private reject(reason: ProposalRejectReason, detail: string): ProposeResult {
    return { outcome: 'rejected', reason, leaderHint: this.lead, detail };
  }

  private proposeAtLeader(entries: readonly Entry[]): ProposeResult {
    invariant(entries.length > 0, 'empty proposal');
    if (!this.tracker.progress.has(this.id)) return this.reject('NOT_IN_CONFIG', 'this leader was removed from the group');
    if (this.leadTransferee !== NoNode) {
      return this.reject('TRANSFER_IN_PROGRESS', `leadership is moving to ${this.leadTransferee}`);
    }
    let hasConfChange = false;
    for (const e of entries) {
      if (e.type !== 'confChange') continue;
      invariant(!hasConfChange, 'one membership change per proposal');
      hasConfChange = true;
      if (this.pendingConfIndex > this.log.applied) {
        return this.reject('CONF_CHANGE_PENDING', `membership change at ${this.pendingConfIndex} not applied yet (applied ${this.log.applied})`);
      }
      const checked = this.validateConfChange(e.data);
      if (typeof checked === 'string') return this.reject('CONF_CHANGE_INVALID', checked);
      const unsafe = this.cfg.strictConfChange ? this.unsafeConfChange(checked.cc, checked.result) : undefined;
      if (unsafe !== undefined) return this.reject(unsafe.reason, unsafe.detail);
    }
    if (!this.appendEntries(entries)) {
      return this.reject('UNCOMMITTED_BYTES_EXCEEDED', `leader holds ${this.uncommittedSizeBytes} uncommitted bytes`);
    }
    const last = this.log.lastIndex();
    if (hasConfChange) this.pendingConfIndex = last;
    // Batching: every proposal made before the next Ready shares one append per follower.
    this.appendBroadcastPending = true;
    return { outcome: 'appended', index: last, term: this.term };
  }

  /** The change and the configuration it leads to, or why it is impossible. */
  private validateConfChange(data: Uint8Array): { cc: ConfChange; result: ChangeResult } | string {
    try {
      const cc = decodeConfChange(data);
      return { cc, result: new Changer(this.tracker.config, this.tracker.progress, this.log.lastIndex(), 1, 1).apply(cc) };
    } catch (e) {
      if (e instanceof ConfChangeError || e instanceof ConfChangeDecodeError) return `${e.code}: ${e.message}`;
      throw e;
    }
  }
  /**
   * strictConfChange: why the configuration `result` could not commit with the members caught up
   * now, or undefined. Caught up: this leader, and every current member it heard from within an
   * election timeout that acknowledged an entry (match > 0: it holds a log, so it can vote) and is
   * not waiting for a snapshot. A member the change adds is not caught up yet. A leader in its first
   * election timeout may not have heard from a healthy follower yet: it says "too soon", not "unsafe".
   */
  private unsafeConfChange(cc: ConfChange, result: ChangeResult): { reason: 'CONF_CHANGE_UNSAFE' | 'CONF_CHANGE_TOO_SOON'; detail: string } | undefined {
    if (cc.kind === 'leaveJoint') return undefined;
    const caughtUp = (id: NodeId): boolean => {
      if (id === this.id) return true;
      const pr = this.tracker.progress.get(id);
      return pr !== undefined && pr.match > 0 && pr.state !== 'snapshot' && this.leaderTick - pr.lastHeardTick < this.cfg.electionTimeoutTicks;
    };
    const voters = result.config.voters;
    if (jointQuorumActive(voters, caughtUp)) return undefined;
    const describe = (ids: ReadonlySet<NodeId>): string => {
      const sorted = [...ids].sort((a, b) => a - b);
      const ready = sorted.filter(caughtUp);
      return `${ready.length} of voters [${sorted.join(',')}] caught up (${ready.length === 0 ? 'none' : ready.join(',')}), ${Math.floor(sorted.length / 2) + 1} needed`;
    };
    const halves = [describe(voters.incoming)];
    if (voters.outgoing.size > 0) halves.push(`outgoing: ${describe(voters.outgoing)}`);
    const young = this.leaderTick <= this.cfg.electionTimeoutTicks;
    const unheard = [...this.tracker.progress].some(([id, pr]) => id !== this.id && pr.match === 0);
    if (young && unheard) return { reason: 'CONF_CHANGE_TOO_SOON', detail: `this leader is new and has not heard from every member yet: ${halves.join('; ')}` };
    return {
      reason: 'CONF_CHANGE_UNSAFE',
      detail: `the new configuration could not commit with the members caught up now: ${halves.join('; ')}; add new members as learners and promote them once they have caught up`,
    };
  }



  /** Appends entries stamped with our term; false (nothing appended) when over the uncommitted-bytes bound. */
  private appendEntries(entries: readonly Entry[]): boolean {
    let sizeBytes = 0;
    for (const e of entries) sizeBytes += e.data.byteLength;
    // An entry larger than the bound alone is still accepted when nothing is uncommitted, or it could never commit.
    if (this.uncommittedSizeBytes > 0 && sizeBytes > 0 && this.uncommittedSizeBytes + sizeBytes > this.cfg.uncommittedBytesMax) {
      return false;
    }
    this.uncommittedSizeBytes += sizeBytes;
    let index = this.log.lastIndex();
    const stamped = entries.map((e): Entry => ({ term: this.term, index: ++index, type: e.type, data: e.data }));
    const last = this.log.append(stamped);
    this.tracker.progress.get(this.id)?.maybeUpdate(last);
    this.maybeCommit();
    return true;
  }

  private maybeCommit(): boolean {
    const quorumIndex = this.tracker.committed();
    if (this.cfg.testingKnobs.commitCountsOlderTerms === true) {
      if (quorumIndex > this.log.committed && quorumIndex <= this.log.lastIndex()) {
        this.log.commitTo(quorumIndex);
        return true;
      }
      return false;
    }
    return this.log.maybeCommit(quorumIndex, this.term);
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private bcastAppend(): void {
    for (const id of this.tracker.progress.keys()) if (id !== this.id) this.maybeSendAppend(id, true);
  }

  private bcastHeartbeat(readSeq: number): void {
    for (const id of this.tracker.progress.keys()) if (id !== this.id) this.sendHeartbeat(id, readSeq, false);
  }

  private sendHeartbeat(to: NodeId, readSeq: number, quiesce: boolean): void {
    const pr = this.tracker.progress.get(to);
    invariant(pr !== undefined, () => `heartbeat to unknown member ${to}`);
    // Never tell a follower to commit beyond what it is known to hold.
    const commit = Math.min(pr.match, this.log.committed);
    this.send({ type: 'heartbeat', from: this.id, to, term: this.term, commit, readSeq, sentTick: this.leaderTick, quiesce });
  }

  /**
   * Sends the next append (or a snapshot when the needed entries are compacted) to `to`, unless the
   * follower's progress is paused. With `sendIfEmpty` false nothing goes out when there is no new
   * entry. Returns whether a message was sent.
   */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.tracker.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    let ents: Entry[] | undefined;
    if (prevTerm !== undefined) {
      ents = pr.isThrottled() ? [] : this.log.slice(pr.next, this.log.lastIndex() + 1, this.cfg.appendBytesMax);
    }
    if (prevTerm === undefined || ents === undefined) return this.maybeSendSnapshot(to, pr);
    if (ents.length === 0 && !sendIfEmpty) return false;
    let sizeBytes = 0;
    for (const e of ents) sizeBytes += entrySizeBytes(e);
    this.send({ type: 'app', from: this.id, to, term: this.term, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.log.committed });
    pr.sentEntries(ents.length, ents.length > 0 ? ents[ents.length - 1]!.index : prevIndex, sizeBytes);
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    // A follower we have not heard from lately is probably down: don't build and ship a snapshot for nothing.
    if (this.leaderTick - pr.lastHeardTick >= this.cfg.electionTimeoutTicks) return false;
    let snapshot: Snapshot;
    try {
      snapshot = this.log.snapshot();
    } catch (e) {
      if (isRaftStorageError(e, 'SNAPSHOT_TEMPORARILY_UNAVAILABLE')) return false;
      throw e;
    }
    invariant(!isEmptySnapshot(snapshot), () => `need a snapshot for ${to} but none exists`);
    // A snapshot taken before `to` joined would be refused by it; wait for a newer one (storage
    // should generate snapshots at the applied index, which includes every current member).
    const cs = snapshot.metadata.confState;
    if (!cs.voters.includes(to) && !cs.votersOutgoing.includes(to) && !cs.learners.includes(to)) return false;
    pr.becomeSnapshot(snapshot.metadata.index);
    const msg: SnapshotMessage = { type: 'snap', from: this.id, to, term: this.term, snapshot };
    this.send(msg);
    return true;
  }

  private handleAppendResponse(m: AppendResponseMessage): void {
    const pr = this.tracker.progress.get(m.from);
    if (pr === undefined) return;
    pr.lastHeardTick = this.leaderTick;
    if (m.reject) {
      // Fast backtracking: skip every entry of the conflicting term in one step (the hint names the
      // largest index the follower may share with us; find the matching spot in our own log).
      let next = m.hintIndex;
      if (m.hintTerm > 0) next = this.log.findConflictByTerm(m.hintIndex, m.hintTerm).index;
      if (pr.maybeDecrTo(m.index, next)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.maybeSendAppend(m.from, true);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) {
      // An answer at the match we already knew, to a probe: the follower is in sync, stream again.
      if (pr.state === 'probe' && pr.match === m.index) {
        pr.becomeReplicate();
        this.maybeSendAppend(m.from, false);
      }
      return;
    }
    switch (pr.state) {
      case 'probe':
        pr.becomeReplicate();
        break;
      case 'snapshot':
        if (pr.match + 1 >= this.log.firstIndex()) {
          pr.becomeProbe();
          pr.becomeReplicate();
        }
        break;
      case 'replicate':
        pr.inflights.freeLE(m.index);
        break;
    }
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else if (wasPaused) {
      this.maybeSendAppend(m.from, true);
    }
    // Fill the window while there is something to send.
    while (this.maybeSendAppend(m.from, false)) {
      // keep sending
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: HeartbeatResponseMessage): void {
    const pr = this.tracker.progress.get(m.from);
    if (pr === undefined) return;
    pr.lastHeardTick = this.leaderTick;
    pr.msgAppFlowPaused = false;
    if (m.sentTick > pr.leaseAckTick) pr.leaseAckTick = m.sentTick;
    if (pr.match < this.log.lastIndex() || pr.state === 'probe') this.maybeSendAppend(m.from, true);
    if (m.readSeq > pr.readAckSeq) {
      pr.readAckSeq = m.readSeq;
      this.releaseReads();
    }
  }

  private leaderRead(read: PendingRead): void {
    if (this.committedEntryInCurrentTerm() && this.leaseValid()) {
      this.answerRead(this.log.committed, [read]);
      return;
    }
    // Until our term has a committed entry, our commit index may be behind the previous leader's;
    // such reads wait (in `unsent`) and start their round once the no-op commits.
    this.readOnly.add(read);
  }

  /** The leader lease (§6.4.1), in leader ticks. Valid while no rival can have been elected. */
  private leaseValid(): boolean {
    if (!this.cfg.leaseReads || this.role !== 'leader' || this.quiesced || this.leaseRevoked) return false;
    if (this.leadTransferee !== NoNode) return false;
    // The latest send tick such that a quorum acknowledged a heartbeat sent at or after it. Each of
    // those followers refuses to vote for an election timeout after receiving it.
    const leaseStart = this.tracker.quorumMin((id, pr) => (id === this.id ? this.leaderTick : pr.leaseAckTick));
    return leaseStart > 0 && leaseStart + this.cfg.electionTimeoutTicks - this.cfg.leaseDriftMarginTicks > this.leaderTick;
  }

  private releaseReads(): void {
    const confirmedSeq = this.tracker.quorumMin((id, pr) => (id === this.id ? Number.MAX_SAFE_INTEGER : pr.readAckSeq));
    const released = this.readOnly.release(confirmedSeq);
    if (released.length === 0) return;
    // Group per (node, index) so each follower gets one answer per round.
    let batch: PendingRead[] = [];
    let batchIndex = -1;
    for (const { index, read } of released) {
      if (index !== batchIndex && batch.length > 0) {
        this.answerRead(batchIndex, batch);
        batch = [];
      }
      batchIndex = index;
      batch.push(read);
    }
    if (batch.length > 0) this.answerRead(batchIndex, batch);
  }

  private answerRead(index: LogIndex, reads: readonly PendingRead[]): void {
    const remote = new Map<NodeId, string[]>();
    for (const r of reads) {
      if (r.from === this.id) {
        this.readStates.push({ index, requestCtx: r.requestCtx });
      } else {
        const list = remote.get(r.from);
        if (list === undefined) remote.set(r.from, [r.requestCtx]);
        else list.push(r.requestCtx);
      }
    }
    for (const [to, requestCtxs] of remote) {
      this.send({ type: 'readIndexResp', from: this.id, to, term: this.term, index, requestCtxs });
    }
  }

  private leaderTransfer(transferee: NodeId): TransferLeaderResult {
    const pr = this.tracker.progress.get(transferee);
    if (pr === undefined || pr.isLearner) return { outcome: 'rejected', reason: 'NOT_A_VOTER', leaderHint: this.lead };
    if (transferee === this.id) return { outcome: 'alreadyLeader' };
    if (this.leadTransferee !== NoNode) {
      if (this.leadTransferee === transferee) return { outcome: 'started' };
      this.abortLeaderTransfer();
    }
    // The transfer must finish within one election timeout or it is abandoned.
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(transferee);
    else this.maybeSendAppend(transferee, true);
    return { outcome: 'started' };
  }

  private sendTimeoutNow(to: NodeId): void {
    // From now on a rival may be elected at any moment (voters ignore leases for a transfer).
    this.leaseRevoked = true;
    this.send({ type: 'timeoutNow', from: this.id, to, term: this.term });
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NoNode;
  }

  private maybeAutoLeave(): void {
    if (this.role !== 'leader' || !this.tracker.config.autoLeave) return;
    if (this.pendingConfIndex > this.log.applied || this.leadTransferee !== NoNode) return;
    // The joint config is committed and applied; leave it. Failure (e.g. uncommitted bytes) retries on the next tick.
    this.proposeAtLeader([{ term: 0, index: 0, type: 'confChange', data: encodeLeaveJoint }]);
  }

  /**
   * An idle leader puts the group to sleep: when everything is committed and applied everywhere it
   * can see, it sends each caught-up follower a final heartbeat marked `quiesce` and stops ticking.
   * Followers that are not caught up but also not heard from lately are presumed down; when they come
   * back they campaign, and their pre-vote wakes the group.
   */
  private maybeQuiesce(): boolean {
    if (!this.cfg.quiesce) return false;
    if (this.leadTransferee !== NoNode || !this.readOnly.isEmpty()) return false;
    const last = this.log.lastIndex();
    if (this.log.committed !== last || this.log.applied !== last) return false;
    if (isJoint(this.tracker.config) || this.pendingConfIndex > this.log.applied) return false;
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id || pr.match === last) continue;
      const recentlyHeard = this.leaderTick - pr.lastHeardTick < this.cfg.electionTimeoutTicks;
      if (recentlyHeard) return false;
    }
    // A lagging member presumed down is fine: when it comes back it campaigns (a voter) or pokes
    // the voters (a learner), and either wakes the group.
    for (const [id, pr] of this.tracker.progress) {
      if (id !== this.id && pr.match === last) this.sendHeartbeat(id, 0, true);
    }
    this.quiesced = true;
    // A quiet leader does not count time, so it must not trust a lease granted before it slept.
    for (const pr of this.tracker.progress.values()) pr.leaseAckTick = 0;
    return true;
  }

  /** Any activity ends quiescence. A woken leader reasserts itself at once and restarts its CheckQuorum clock. */
  private wake(): void {
    if (!this.quiesced) return;
    this.quiesced = false;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    if (this.role === 'leader') {
      // The leader's clock stood still while it slept, but real time did not: any heartbeat it sent
      // before sleeping may be arbitrarily old. Jump the clock by an election timeout so that an
      // answer to such a heartbeat (delayed, duplicated) can never extend the lease.
      this.leaderTick += this.cfg.electionTimeoutTicks;
      for (const pr of this.tracker.progress.values()) pr.lastHeardTick = this.leaderTick;
      this.bcastHeartbeat(this.readOnly.latestSeq());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Candidate and follower

  private stepCandidate(m: Message): void {
    const myResponse = this.role === 'preCandidate' ? 'preVoteResp' : 'voteResp';
    switch (m.type) {
      case 'app':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'snap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case 'voteResp':
      case 'preVoteResp':
        if (m.type !== myResponse) return;
        // A pre-vote grant carries the term it was granted for; one left over from an earlier
        // pre-campaign (for a term we have since reached) must not count towards this one.
        if (m.type === 'preVoteResp' && !m.reject && m.term !== this.term + 1) return;
        this.handleVoteResponse(m);
        return;
      case 'prop':
      case 'readIndex':
      case 'readIndexResp':
      case 'transferLeader':
      case 'timeoutNow':
      case 'appResp':
      case 'heartbeatResp':
      case 'vote':
      case 'preVote':
        return;
      default:
        unreachable(m, 'message');
    }
  }

  private handleVoteResponse(m: VoteResponseMessage): void {
    this.tracker.recordVote(m.from, !m.reject);
    const { result } = this.tracker.tallyVotes();
    if (result === 'won') {
      if (this.role === 'preCandidate') {
        this.campaign('election', false);
      } else {
        this.becomeLeader();
        this.bcastAppend();
      }
    } else if (result === 'lost') {
      this.becomeFollower(this.term, NoNode);
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'app':
        this.acceptLeader(m.from);
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.acceptLeader(m.from);
        this.handleHeartbeat(m);
        return;
      case 'snap':
        this.acceptLeader(m.from);
        this.handleSnapshot(m);
        return;
      case 'transferLeader':
        if (this.lead !== NoNode) this.send({ ...m, to: this.lead, from: this.id, term: this.term });
        return;
      case 'timeoutNow':
        // Leadership transfers never use pre-vote: the leader asked us to run now.
        this.hup('transfer');
        return;
      case 'readIndexResp':
        for (const requestCtx of m.requestCtxs) this.readStates.push({ index: m.index, requestCtx });
        return;
      case 'prop':
      case 'readIndex':
      case 'appResp':
      case 'heartbeatResp':
      case 'voteResp':
      case 'preVoteResp':
      case 'vote':
      case 'preVote':
        return;
      default:
        unreachable(m, 'message');
    }
  }

  private acceptLeader(from: NodeId): void {
    invariant(this.lead === NoNode || this.lead === from, () => `two leaders in term ${this.term}: ${this.lead} and ${from}`);
    this.electionElapsed = 0;
    this.lead = from;
  }

  private handleAppend(m: AppendMessage): void {
    if (m.index < this.log.committed) {
      this.send(this.appendResponse(m.from, this.log.committed, false, 0, 0));
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(this.appendResponse(m.from, lastNew, false, 0, 0));
      return;
    }
    // Consistency check failed: hint the largest index that may match, and its term.
    const probe = Math.min(m.index, this.log.lastIndex());
    const hint = this.log.findConflictByTerm(probe, m.logTerm);
    this.send(this.appendResponse(m.from, m.index, true, hint.index, hint.term));
  }

  private appendResponse(to: NodeId, index: LogIndex, reject: boolean, hintIndex: LogIndex, hintTerm: Term): AppendResponseMessage {
    return { type: 'appResp', from: this.id, to, term: this.term, index, reject, hintIndex, hintTerm };
  }

  private handleHeartbeat(m: HeartbeatMessage): void {
    this.log.commitTo(m.commit);
    if (m.quiesce) {
      // A quiesce heartbeat older than one already acknowledged (reordered, duplicated) must not
      // put us to sleep: the leader may count that newer acknowledgement towards a lease, and a
      // sleeping follower may be woken (reportLeaderDown) with its lease promise forgotten.
      if (this.cfg.quiesce && m.sentTick >= this.heartbeatSentTickMax) this.quiesced = true;
      return;
    }
    if (m.sentTick > this.heartbeatSentTickMax) this.heartbeatSentTickMax = m.sentTick;
    this.send({ type: 'heartbeatResp', from: this.id, to: m.from, term: this.term, readSeq: m.readSeq, sentTick: m.sentTick });
  }

  private handleSnapshot(m: SnapshotMessage): void {
    if (this.restore(m.snapshot)) {
      this.send(this.appendResponse(m.from, this.log.lastIndex(), false, 0, 0));
    } else {
      this.send(this.appendResponse(m.from, this.log.committed, false, 0, 0));
    }
  }

  /** Installs a leader's snapshot; false when it is stale or we already hold its last entry. */
  private restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.log.committed) return false;
    invariant(this.role === 'follower', 'only a follower installs a snapshot');
    // Committed entries handed out in a Ready may still be being applied (membership changes among
    // them run against the current config); installing a newer config under them would make those
    // changes apply to the wrong membership. Refuse for now; the leader sends the snapshot again.
    if (this.log.applying > this.log.applied) return false;
    const member =
      confState.voters.includes(this.id) || confState.votersOutgoing.includes(this.id) || confState.learners.includes(this.id);
    if (!member) return false;
    if (this.log.matchTerm(index, term)) {
      // We already have the entry the snapshot ends with: just fast-forward the commit index.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(s);
    this.installConfig(restoreConfig(confState, this.log.lastIndex(), this.cfg.inflightMessagesMax, this.cfg.inflightBytesMax));
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Membership

  private installConfig(change: ChangeResult): void {
    this.tracker.config = change.config;
    this.tracker.progress = change.progress;
    this.tracker.assertConsistent();
  }

  private switchToConfig(change: ChangeResult): ConfState {
    const before = this.tracker.progress;
    this.installConfig(change);
    for (const [id, pr] of this.tracker.progress) if (!before.has(id)) pr.lastHeardTick = this.leaderTick;
    const cs = this.tracker.confState();
    const self = this.tracker.progress.get(this.id);
    if ((self === undefined || self.isLearner) && this.role === 'leader') {
      // Removed (or demoted): hand leadership to a caught-up voter so the group does not wait an
      // election timeout, then step down.
      const last = this.log.lastIndex();
      const heir = [...this.tracker.voterIds()].sort((a, b) => a - b).find((id) => this.tracker.progress.get(id)?.match === last);
      if (heir !== undefined) this.sendTimeoutNow(heir);
      this.becomeFollower(this.term, NoNode);
      return cs;
    }
    if (this.role !== 'leader') return cs;
    // The quorum changed: maybe more is committed now, and new members need the log.
    if (this.maybeCommit()) this.bcastAppend();
    else for (const id of this.tracker.progress.keys()) if (id !== this.id) this.maybeSendAppend(id, false);
    if (this.leadTransferee !== NoNode && !this.tracker.isVoter(this.leadTransferee)) this.abortLeaderTransfer();
    return cs;
  }

  // ---------------------------------------------------------------------------------------------

  private loadHardState(hs: HardState): void {
    invariant(hs.commit >= this.log.committed, () => `hard state commit ${hs.commit} below snapshot ${this.log.committed}`);
    invariant(hs.commit <= this.log.lastIndex(), () => `hard state commit ${hs.commit} beyond last index ${this.log.lastIndex()}`);
    this.log.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  private send(m: Message): void {
    invariant(m.from === this.id, 'message from another node');
    invariant(m.to !== this.id, () => `${m.type} to self`);
    this.msgs.push(m);
  }
}

const encodeLeaveJoint = encodeConfChange({ kind: 'leaveJoint' });
