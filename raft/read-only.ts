import { invariant } from './assert.js';
import type { LogIndex, NodeId } from './types.js';

/** A read waiting for the leader to confirm it is still leader. `from` is the node that will serve it. */
export interface PendingRead {
  readonly requestCtx: string;
  readonly from: NodeId;
}

interface Round {
  readonly seq: number;
  readonly index: LogIndex;
  readonly reads: readonly PendingRead[];
}

/**
 * ReadIndex bookkeeping on the leader (§6.4). Reads that arrive between two Readies wait in `unsent`;
 * the next Ready starts one heartbeat round for all of them, recording the commit index at that
 * moment. A round is confirmed once a quorum has answered a heartbeat of that round or a later one
 * (an answer to a later round proves leadership at a later moment), so rounds are released in order.
 * Rounds are bounded by `roundsMax`; a full window simply delays the next round.
 */
export class ReadOnly {
  private unsent: PendingRead[] = [];
  private rounds: Round[] = [];
  private nextSeq = 1;

  constructor(readonly roundsMax: number) {
    invariant(roundsMax > 0, 'roundsMax must be positive');
  }

  add(read: PendingRead): void {
    this.unsent.push(read);
  }

  hasUnsent(): boolean {
    return this.unsent.length > 0 && this.rounds.length < this.roundsMax;
  }

  isEmpty(): boolean {
    return this.unsent.length === 0 && this.rounds.length === 0;
  }

  /** Starts a round for every unsent read at commit index `index`; returns its sequence number. */
  startRound(index: LogIndex): number {
    invariant(this.unsent.length > 0, 'read round without reads');
    const seq = this.nextSeq++;
    this.rounds.push({ seq, index, reads: this.unsent });
    this.unsent = [];
    return seq;
  }

  /** The highest round number ever started (0 if none): no peer can confirm a round above it. */
  issuedSeqMax(): number {
    return this.nextSeq - 1;
  }

  /** The newest round in flight (0 if none): periodic heartbeats carry it so a lost answer is retried. */
  latestSeq(): number {
    const last = this.rounds[this.rounds.length - 1];
    return last === undefined ? 0 : last.seq;
  }

  /** Releases every round with seq ≤ `confirmedSeq`, oldest first. */
  release(confirmedSeq: number): { index: LogIndex; read: PendingRead }[] {
    const out: { index: LogIndex; read: PendingRead }[] = [];
    while (this.rounds.length > 0 && this.rounds[0]!.seq <= confirmedSeq) {
      const round = this.rounds.shift()!;
      for (const read of round.reads) out.push({ index: round.index, read });
    }
    return out;
  }

  /** Drops everything (leadership lost); returns the reads so their owners can be told. */
  clear(): PendingRead[] {
    const out: PendingRead[] = [];
    for (const r of this.rounds) out.push(...r.reads);
    out.push(...this.unsent);
    this.rounds = [];
    this.unsent = [];
    return out;
  }
}
