import type { LogIndex, NodeId, Term } from '../../raft/index.js';

export type ViolationKind =
  /** Two leaders in one term. */
  | 'electionSafety'
  /** Two logs hold an entry with the same index and term but different contents or history. */
  | 'logMatching'
  /** A leader lacks an entry committed before its term. */
  | 'leaderCompleteness'
  /** Two nodes applied different entries at one index, or a committed entry changed. */
  | 'stateMachineSafety'
  /** An acknowledged write is not in the final committed log. */
  | 'ackedWriteLost'
  /** A linearizable read returned state older than something already acknowledged or observed. */
  | 'staleRead'
  /** After healing, no leader was elected or a proposal did not commit within the bound. */
  | 'liveness'
  /** The core's own assertion fired (a bug the core detected itself). */
  | 'coreAssertion'
  /** A correct peer's message refused by the core's inbound check (inbound-check.ts): a false refusal. */
  | 'refusedMessage';

export class Violation extends Error {
  constructor(
    readonly kind: ViolationKind,
    message: string,
  ) {
    super(`${kind}: ${message}`);
    this.name = 'Violation';
  }
}

/** The parts of a node's log the checker reads. */
export interface LogView {
  firstIndex(): LogIndex;
  lastIndex(): LogIndex;
  term(index: LogIndex): Term | undefined;
}

interface CommittedEntry {
  readonly term: Term;
  readonly dataHash: number;
  readonly label: string;
}

/**
 * Raft's safety properties (Figure 3 of the paper), checked incrementally so they can run after
 * every simulation step:
 * - election safety: a map term → leader;
 * - log matching: every (index, term) ever persisted maps to one entry and one predecessor term,
 *   which by induction makes equal (index, term) imply equal prefixes;
 * - leader completeness: a new leader holds every entry committed so far, and an entry committed in
 *   term t is held by every leader of a later term;
 * - state machine safety: one fingerprint of applied state per index, shared by every node, and
 *   committed entries never change (including across crashes and restarts);
 * - read safety: a read observes at least everything acknowledged or observed before it started.
 */
export class SafetyChecker {
  private readonly leaderOfTerm = new Map<Term, NodeId>();
  private readonly entryAt = new Map<string, { dataHash: number; prevTerm: Term | undefined }>();
  readonly committed = new Map<LogIndex, CommittedEntry>();
  committedMax: LogIndex = 0;
  private readonly appliedHashAt = new Map<LogIndex, number>();
  checks = 0;

  onLeader(id: NodeId, term: Term, log: LogView): void {
    this.checks++;
    const existing = this.leaderOfTerm.get(term);
    if (existing !== undefined && existing !== id) {
      throw new Violation('electionSafety', `nodes ${existing} and ${id} are both leader of term ${term}`);
    }
    this.leaderOfTerm.set(term, id);
    this.assertHolds(id, term, log, 1, this.committedMax);
  }

  /** Entries a node just made durable, with the term of the entry before each in its log. */
  onPersist(id: NodeId, index: LogIndex, term: Term, dataHash: number, prevTerm: Term | undefined): void {
    this.checks++;
    const key = `${index}:${term}`;
    const seen = this.entryAt.get(key);
    if (seen === undefined) {
      this.entryAt.set(key, { dataHash, prevTerm });
      return;
    }
    if (seen.dataHash !== dataHash) {
      throw new Violation('logMatching', `node ${id} persisted a different entry at index ${index} term ${term}`);
    }
    if (seen.prevTerm !== undefined && prevTerm !== undefined && seen.prevTerm !== prevTerm) {
      throw new Violation('logMatching', `node ${id} has entry ${index}@${term} after term ${prevTerm}, another log after term ${seen.prevTerm}`);
    }
  }

  /** A node learned that `index` is committed while in term `nodeTerm`. */
  onCommitted(id: NodeId, nodeTerm: Term, index: LogIndex, entry: CommittedEntry, leaders: readonly { id: NodeId; term: Term; log: LogView }[]): void {
    this.checks++;
    const seen = this.committed.get(index);
    if (seen !== undefined) {
      if (seen.term !== entry.term || seen.dataHash !== entry.dataHash) {
        throw new Violation(
          'stateMachineSafety',
          `committed entry ${index} changed: was ${seen.label}@${seen.term}, node ${id} now has ${entry.label}@${entry.term}`,
        );
      }
      return;
    }
    this.committed.set(index, entry);
    if (index > this.committedMax) this.committedMax = index;
    for (const l of leaders) {
      if (l.term > nodeTerm) this.assertHolds(l.id, l.term, l.log, index, index);
    }
  }

  onApplied(id: NodeId, index: LogIndex, hashAfter: number): void {
    this.checks++;
    const seen = this.appliedHashAt.get(index);
    if (seen === undefined) {
      this.appliedHashAt.set(index, hashAfter);
    } else if (seen !== hashAfter) {
      const c = this.committed.get(index);
      throw new Violation('stateMachineSafety', `node ${id} applied different state at index ${index} (committed entry: ${c?.label ?? '?'})`);
    }
  }

  onRead(id: NodeId, ctx: string, servedIndex: LogIndex, minIndex: LogIndex): void {
    this.checks++;
    if (servedIndex < minIndex) {
      throw new Violation('staleRead', `read ${ctx} at node ${id} observed index ${servedIndex}, but index ${minIndex} was acknowledged or observed before it started`);
    }
  }

  private assertHolds(id: NodeId, term: Term, log: LogView, from: LogIndex, to: LogIndex): void {
    const first = log.firstIndex();
    for (let i = Math.max(from, first); i <= to; i++) {
      const c = this.committed.get(i);
      if (c === undefined) continue;
      const t = log.term(i);
      if (t !== c.term) {
        throw new Violation(
          'leaderCompleteness',
          `leader ${id} of term ${term} has ${t === undefined ? 'no entry' : `term ${t}`} at index ${i}, committed as ${c.label}@${c.term}`,
        );
      }
    }
  }
}
