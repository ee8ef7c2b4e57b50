import { invariant } from './assert.js';
import { Inflights } from './inflights.js';
import type { LogIndex } from './types.js';

/**
 * How the leader is replicating to one follower.
 * - probe: the follower's log position is unknown; send one append at a time and wait for its answer.
 * - replicate: the position is known; stream appends optimistically, bounded by the in-flight window.
 * - snapshot: the follower needs entries that were compacted away; a snapshot is on its way and
 *   nothing else is sent until it is reported applied or failed.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to be replicated on the follower. */
  match: LogIndex;
  /** Next index to send. */
  next: LogIndex;
  state: ProgressState = 'probe';
  /** Index of the snapshot being sent (snapshot state only). */
  pendingSnapshot: LogIndex = 0;
  /**
   * Hold further appends until an answer arrives. In probe state it is set after each append (one
   * at a time); in replicate state it is set while the in-flight window is full. An append answer
   * that moves `match`, or any heartbeat answer, clears it. A heartbeat answer with the window still
   * full lets exactly one empty append through: if every message in the window was lost, that probe
   * is rejected (or accepted) and its answer clears the window instead of stalling forever.
   */
  msgAppFlowPaused = false;
  inflights: Inflights;
  isLearner: boolean;
  /** Leader tick at which the last message from this follower arrived (CheckQuorum, snapshot and quiesce decisions). */
  lastHeardTick = 0;
  /** Largest leader tick echoed back in a heartbeat answer: the start of the lease this follower granted. */
  leaseAckTick = 0;
  /** Largest ReadIndex round this follower confirmed. */
  readAckSeq = 0;

  constructor(next: LogIndex, inflightCountMax: number, inflightBytesMax: number, isLearner: boolean) {
    this.match = 0;
    this.next = next;
    this.inflights = new Inflights(inflightCountMax, inflightBytesMax);
    this.isLearner = isLearner;
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  /** An exact copy with another learner flag, for configuration changes that must not touch the live tracker. */
  clone(isLearner: boolean): Progress {
    const c = new Progress(this.next, this.inflights.countMax, this.inflights.bytesMax, isLearner);
    c.match = this.match;
    c.state = this.state;
    c.pendingSnapshot = this.pendingSnapshot;
    c.msgAppFlowPaused = this.msgAppFlowPaused;
    c.lastHeardTick = this.lastHeardTick;
    c.leaseAckTick = this.leaseAckTick;
    c.readAckSeq = this.readAckSeq;
    c.inflights = this.inflights.clone();
    return c;
  }

  /** A new term starts (any role change that resets the leader's bookkeeping). */
  resetForTerm(next: LogIndex, match: LogIndex): void {
    this.resetState('probe');
    this.match = match;
    this.next = next;
    this.lastHeardTick = 0;
    this.leaseAckTick = 0;
    this.readAckSeq = 0;
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      // The snapshot may have landed: the follower has at least the snapshot index.
      const snapIndex = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, snapIndex + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: LogIndex): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** A successful append answer for `index`. Returns whether it moved `match` forward (stale answers don't). */
  maybeUpdate(index: LogIndex): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejection of the append that followed `rejected`. `hintIndex` is the largest index the
   * follower may share with us. Returns false when the rejection is stale (already superseded).
   */
  maybeDecrTo(rejected: LogIndex, hintIndex: LogIndex): boolean {
    if (this.state === 'replicate') {
      // Stale if we already know the follower matches beyond the rejected probe.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe state only the answer to the outstanding probe counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hintIndex + 1), this.match + 1);
    invariant(this.next >= 1, 'progress next below 1');
    this.msgAppFlowPaused = false;
    return true;
  }

  /** Records that an append of `entryCount` entries ending at `lastIndex` went out. */
  sentEntries(entryCount: number, lastIndex: LogIndex, sizeBytes: number): void {
    switch (this.state) {
      case 'replicate':
        if (entryCount > 0) {
          this.next = lastIndex + 1;
          this.inflights.add(lastIndex, sizeBytes);
        }
        this.msgAppFlowPaused = this.inflights.full();
        break;
      case 'probe':
        if (entryCount > 0) this.msgAppFlowPaused = true;
        break;
      case 'snapshot':
        invariant(false, 'sending entries to a follower in snapshot state');
    }
  }

  /** Whether the leader must hold further appends to this follower. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
      case 'replicate':
        return this.msgAppFlowPaused;
      case 'snapshot':
        return true;
    }
  }

  /** Replicating with a full window: only an empty append may go out (see msgAppFlowPaused). */
  isThrottled(): boolean {
    return this.state === 'replicate' && this.inflights.full();
  }
}
