import type { Entry, LogIndex, NodeId, Snapshot, Term } from './types.js';

/**
 * Messages between the replicas of one group. Local inputs (election timeout, unreachable peer,
 * snapshot status) are methods on RawNode, not messages, so everything in this union can travel.
 *
 * Every message carries the sender's term; `term: 0` marks a message that is not bound to a term
 * (a forwarded proposal or read), handled without the term checks.
 */
interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

/** AppendEntries. `index`/`logTerm` name the entry that immediately precedes `entries`. */
export interface AppendMessage extends Envelope {
  readonly type: 'app';
  readonly index: LogIndex;
  readonly logTerm: Term;
  readonly entries: readonly Entry[];
  readonly commit: LogIndex;
}

/**
 * Answer to `app` (and to `snap`). On success `index` is the last index now known to match. On
 * rejection `index` echoes the probed index and (`hintIndex`, `hintTerm`) is the conflict hint: the
 * largest index ≤ the probe whose term is ≤ the probe's term, so the leader skips a whole
 * conflicting term per round trip instead of one index.
 */
export interface AppendResponseMessage extends Envelope {
  readonly type: 'appResp';
  readonly index: LogIndex;
  readonly reject: boolean;
  readonly hintIndex: LogIndex;
  readonly hintTerm: Term;
}

/** RequestVote and PreVote. A pre-vote carries the term the candidate *would* campaign in. */
export interface VoteMessage extends Envelope {
  readonly type: 'vote' | 'preVote';
  /** Candidate's last log index and term: the up-to-date check (§5.4.1). */
  readonly index: LogIndex;
  readonly logTerm: Term;
  /** Set when the campaign was started by a leader transfer: voters then ignore their leader lease. */
  readonly transfer: boolean;
}

export interface VoteResponseMessage extends Envelope {
  readonly type: 'voteResp' | 'preVoteResp';
  readonly reject: boolean;
}

export interface SnapshotMessage extends Envelope {
  readonly type: 'snap';
  readonly snapshot: Snapshot;
}

/**
 * Leader heartbeat. `commit` is capped at what the follower is known to hold. `readSeq` > 0 asks the
 * follower to confirm the leader for the ReadIndex round of that number. `sentTick` is the leader's
 * tick count when sent, echoed back to extend the leader lease. `quiesce` tells an up-to-date follower
 * that the group is going quiet.
 */
export interface HeartbeatMessage extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: LogIndex;
  readonly readSeq: number;
  readonly sentTick: number;
  readonly quiesce: boolean;
}

export interface HeartbeatResponseMessage extends Envelope {
  readonly type: 'heartbeatResp';
  readonly readSeq: number;
  readonly sentTick: number;
}

/** A proposal forwarded from a follower to the leader. */
export interface ProposeMessage extends Envelope {
  readonly type: 'prop';
  readonly entries: readonly Entry[];
}

/** Asks the leader to hand leadership to `transferee` (forwarded from a follower). */
export interface TransferLeaderMessage extends Envelope {
  readonly type: 'transferLeader';
  readonly transferee: NodeId;
}

/** Leader → transferee: campaign now, without waiting for an election timeout. */
export interface TimeoutNowMessage extends Envelope {
  readonly type: 'timeoutNow';
}

/** Reads forwarded from a follower to the leader, batched. */
export interface ReadIndexMessage extends Envelope {
  readonly type: 'readIndex';
  readonly requestCtxs: readonly string[];
}

export interface ReadIndexResponseMessage extends Envelope {
  readonly type: 'readIndexResp';
  readonly index: LogIndex;
  readonly requestCtxs: readonly string[];
}

export type Message =
  | AppendMessage
  | AppendResponseMessage
  | VoteMessage
  | VoteResponseMessage
  | SnapshotMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | ProposeMessage
  | TransferLeaderMessage
  | TimeoutNowMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage;

export type MessageType = Message['type'];

/** Answers that carry no request of their own: a higher term in one of these never starts an election. */
export function isResponse(m: Message): boolean {
  switch (m.type) {
    case 'appResp':
    case 'voteResp':
    case 'preVoteResp':
    case 'heartbeatResp':
    case 'readIndexResp':
      return true;
    case 'app':
    case 'vote':
    case 'preVote':
    case 'snap':
    case 'heartbeat':
    case 'prop':
    case 'transferLeader':
    case 'timeoutNow':
    case 'readIndex':
      return false;
  }
}
