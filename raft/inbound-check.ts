import type { Message } from './messages.js';
import { NoNode, type LogIndex, type NodeId, type Role, type Term } from './types.js';

/** What the check needs to know of the receiving replica, read just before the message is stepped. */
export interface InboundView {
  readonly id: NodeId;
  readonly term: Term;
  readonly role: Role;
  readonly lead: NodeId;
  readonly lastIndex: LogIndex;
  /** Leader: its tick count in this term (what its heartbeats carry as `sentTick`). */
  readonly leaderTick: number;
  /** Leader: the highest ReadIndex round number it has ever sent. */
  readonly readSeqIssuedMax: number;
}

/**
 * Why a message from a peer is refused before it reaches the protocol, or undefined when it may be
 * stepped. The core treats a message that contradicts its own state (a second leader in its term, a
 * commit beyond its log, an acknowledgement of entries or heartbeats it never sent) as a broken
 * invariant and would stop; correct peers never send one, so such a message is evidence of a
 * buggy, confused or hostile sender, and the right answer is to drop it, not to die.
 *
 * The check is deliberately local and cheap: it rejects what would break an invariant or forge
 * a quorum confirmation, not everything a Byzantine member could lie about (authentication of the
 * sender is the transport's job).
 */
export function inboundRefusal(v: InboundView, m: Message): string | undefined {
  if (m.from === NoNode || !Number.isSafeInteger(m.from) || m.from < 0) return `bad sender ${m.from}`;
  if (m.from === v.id) return 'a message claiming to come from this replica';
  if (!Number.isSafeInteger(m.term) || m.term < 0) return `bad term ${m.term}`;
  // Only forwarded requests travel outside a term; everything else is bound to the sender's term,
  // and a term-0 message would skip the stale-term check.
  if (m.term === 0 && m.type !== 'prop' && m.type !== 'readIndex') return `${m.type} without a term`;
  const sameTerm = m.term === v.term;
  switch (m.type) {
    case 'app':
    case 'heartbeat':
    case 'snap': {
      if (sameTerm && v.role === 'leader') return `${m.type} from ${m.from} in this leader's own term ${v.term}`;
      if (sameTerm && v.lead !== NoNode && v.lead !== m.from) return `${m.type} from ${m.from} while ${v.lead} leads term ${v.term}`;
      if (m.type === 'app') return appendRefusal(m);
      if (m.type === 'heartbeat') return m.commit > v.lastIndex && m.term >= v.term ? `heartbeat commit ${m.commit} beyond this log's last index ${v.lastIndex}` : undefined;
      const meta = m.snapshot.metadata;
      if (meta.index < 1 || meta.term < 1 || meta.term > m.term) return `snapshot at ${meta.index} of term ${meta.term} sent in term ${m.term}`;
      return undefined;
    }
    case 'appResp':
      if (!sameTerm || v.role !== 'leader') return undefined;
      if (!m.reject && m.index > v.lastIndex) return `append acknowledged up to ${m.index}, beyond this leader's last index ${v.lastIndex}`;
      if (m.reject && m.hintIndex > m.index) return `append rejection hint ${m.hintIndex} beyond its probe ${m.index}`;
      return undefined;
    case 'heartbeatResp':
      if (!sameTerm || v.role !== 'leader') return undefined;
      if (m.sentTick > v.leaderTick) return `heartbeat of tick ${m.sentTick} acknowledged; this leader is at tick ${v.leaderTick}`;
      if (m.readSeq > v.readSeqIssuedMax) return `read round ${m.readSeq} confirmed; this leader sent up to ${v.readSeqIssuedMax}`;
      return undefined;
    case 'readIndexResp':
    case 'timeoutNow':
      // Only a term's leader answers reads or hands over leadership in that term; an answer from
      // another member could hand a read an index older than what it must observe. (A replica
      // that restarted in this term knows no leader yet; a stale term is ignored by the core.)
      if (sameTerm && v.lead !== NoNode && m.from !== v.lead) return `${m.type} from ${m.from}, not the leader ${v.lead} of term ${v.term}`;
      return undefined;
    case 'vote':
    case 'preVote':
    case 'voteResp':
    case 'preVoteResp':
    case 'prop':
    case 'transferLeader':
    case 'readIndex':
      return undefined;
  }
}

function appendRefusal(m: Extract<Message, { type: 'app' }>): string | undefined {
  if (m.index < 0 || m.logTerm < 0 || m.logTerm > m.term) return `append after ${m.index} of term ${m.logTerm} sent in term ${m.term}`;
  let prevTerm = m.logTerm;
  for (let i = 0; i < m.entries.length; i++) {
    const e = m.entries[i];
    if (e === undefined) break;
    // The log's own invariants: contiguous indexes, terms never decreasing and never beyond the
    // sender's. An append breaking them could make the log overwrite what it has committed.
    if (e.index !== m.index + 1 + i) return `append entry ${i} has index ${e.index}, expected ${m.index + 1 + i}`;
    if (e.term < prevTerm || e.term > m.term) return `append entry ${e.index} of term ${e.term} after term ${prevTerm}, sent in term ${m.term}`;
    prevTerm = e.term;
  }
  return undefined;
}
