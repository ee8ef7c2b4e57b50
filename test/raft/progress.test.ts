import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaftInvariantError } from '../../raft/assert.js';
import { Progress, type ProgressState } from '../../raft/progress.js';

function progress(opts: { match?: number; next: number; state?: ProgressState; countMax?: number; bytesMax?: number; pendingSnapshot?: number }): Progress {
  const pr = new Progress(opts.next, opts.countMax ?? 4, opts.bytesMax ?? 1_000_000, false);
  pr.match = opts.match ?? 0;
  switch (opts.state ?? 'probe') {
    case 'probe':
      break;
    case 'replicate':
      pr.becomeReplicate();
      pr.next = opts.next;
      break;
    case 'snapshot':
      pr.becomeSnapshot(opts.pendingSnapshot ?? 0);
      break;
  }
  return pr;
}

describe('Progress: construction', () => {
  it('starts probing with match 0 and an empty window', () => {
    const pr = new Progress(11, 4, 100, true);
    expect(pr.state).toBe('probe');
    expect(pr.match).toBe(0);
    expect(pr.next).toBe(11);
    expect(pr.isLearner).toBe(true);
    expect(pr.msgAppFlowPaused).toBe(false);
    expect(pr.pendingSnapshot).toBe(0);
    expect(pr.inflights.count()).toBe(0);
    expect(pr.inflights.countMax).toBe(4);
    expect(pr.inflights.bytesMax).toBe(100);
  });
});

describe('Progress: state transitions', () => {
  it('becomeReplicate: next = match + 1, unpaused, window emptied', () => {
    const pr = progress({ match: 5, next: 9, state: 'replicate' });
    pr.sentEntries(2, 11, 10);
    pr.msgAppFlowPaused = true;
    pr.becomeReplicate();
    expect(pr.state).toBe('replicate');
    expect(pr.next).toBe(6);
    expect(pr.msgAppFlowPaused).toBe(false);
    expect(pr.inflights.count()).toBe(0);
  });

  it('becomeProbe from replicate: next = match + 1, window emptied', () => {
    const pr = progress({ match: 5, next: 6, state: 'replicate' });
    pr.sentEntries(3, 8, 30);
    expect(pr.inflights.count()).toBe(1);
    pr.becomeProbe();
    expect(pr.state).toBe('probe');
    expect(pr.next).toBe(6);
    expect(pr.inflights.count()).toBe(0);
    expect(pr.inflights.sizeBytes()).toBe(0);
    expect(pr.msgAppFlowPaused).toBe(false);
  });

  it('becomeProbe from snapshot: resumes after the snapshot index when it is ahead of match (the snapshot may have landed)', () => {
    const pr = progress({ match: 3, next: 4, state: 'snapshot', pendingSnapshot: 20 });
    pr.becomeProbe();
    expect(pr.state).toBe('probe');
    expect(pr.next).toBe(21);
    expect(pr.pendingSnapshot).toBe(0);
  });

  it('becomeProbe from snapshot: resumes after match when match is ahead of the snapshot', () => {
    const pr = progress({ match: 30, next: 31, state: 'snapshot', pendingSnapshot: 20 });
    pr.becomeProbe();
    expect(pr.next).toBe(31);
  });

  it('becomeSnapshot: records the pending index, empties the window and pauses', () => {
    const pr = progress({ match: 2, next: 3, state: 'replicate' });
    pr.sentEntries(1, 3, 10);
    pr.becomeSnapshot(50);
    expect(pr.state).toBe('snapshot');
    expect(pr.pendingSnapshot).toBe(50);
    expect(pr.inflights.count()).toBe(0);
    expect(pr.isPaused()).toBe(true);
  });

  it('becomeReplicate clears a pending snapshot index', () => {
    const pr = progress({ match: 50, next: 51, state: 'snapshot', pendingSnapshot: 50 });
    pr.becomeReplicate();
    expect(pr.pendingSnapshot).toBe(0);
    expect(pr.next).toBe(51);
  });
});

describe('Progress: maybeUpdate', () => {
  it('moves match and next forward and unpauses on a newer acknowledgement', () => {
    const pr = progress({ match: 3, next: 5 });
    pr.msgAppFlowPaused = true;
    expect(pr.maybeUpdate(7)).toBe(true);
    expect(pr.match).toBe(7);
    expect(pr.next).toBe(8);
    expect(pr.msgAppFlowPaused).toBe(false);
  });

  it('a stale acknowledgement (≤ match) returns false and moves nothing back', () => {
    const pr = progress({ match: 7, next: 12, state: 'replicate' });
    pr.msgAppFlowPaused = true;
    expect(pr.maybeUpdate(7)).toBe(false);
    expect(pr.maybeUpdate(2)).toBe(false);
    expect(pr.match).toBe(7);
    expect(pr.next).toBe(12);
    // A stale ack is not news: the pause (set because the window was full) stays.
    expect(pr.msgAppFlowPaused).toBe(true);
  });

  it('next never decreases, even when the new match is below next', () => {
    const pr = progress({ match: 3, next: 20, state: 'replicate' });
    expect(pr.maybeUpdate(10)).toBe(true);
    expect(pr.next).toBe(20);
  });

  it('property: match and next are monotone and next > match after any sequence of acks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), (next0, acks) => {
        const pr = progress({ next: next0 });
        let maxAck = 0;
        for (const a of acks) {
          const prevNext = pr.next;
          const updated = pr.maybeUpdate(a);
          expect(updated).toBe(a > maxAck);
          maxAck = Math.max(maxAck, a);
          expect(pr.match).toBe(maxAck);
          expect(pr.next).toBeGreaterThanOrEqual(prevNext);
          expect(pr.next).toBeGreaterThan(pr.match);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('Progress: maybeDecrTo in replicate state', () => {
  it('a rejection at or below match is stale and ignored', () => {
    const pr = progress({ match: 5, next: 10, state: 'replicate' });
    expect(pr.maybeDecrTo(5, 5)).toBe(false);
    expect(pr.maybeDecrTo(3, 0)).toBe(false);
    expect(pr.next).toBe(10);
  });

  it('a rejection above match drops next to match + 1, ignoring the hint', () => {
    const pr = progress({ match: 5, next: 10, state: 'replicate' });
    expect(pr.maybeDecrTo(9, 7)).toBe(true);
    expect(pr.next).toBe(6);
    const pr2 = progress({ match: 5, next: 10, state: 'replicate' });
    expect(pr2.maybeDecrTo(8, 1)).toBe(true);
    expect(pr2.next).toBe(6);
  });
});

describe('Progress: maybeDecrTo in probe state', () => {
  it('only the answer to the outstanding probe (next - 1) counts; others are stale', () => {
    const pr = progress({ match: 0, next: 10 });
    pr.msgAppFlowPaused = true;
    expect(pr.maybeDecrTo(8, 2)).toBe(false);
    expect(pr.maybeDecrTo(10, 2)).toBe(false);
    expect(pr.next).toBe(10);
    expect(pr.msgAppFlowPaused).toBe(true);
  });

  it('uses the follower hint: next = min(rejected, hint + 1), and unpauses', () => {
    const pr = progress({ match: 0, next: 10 });
    pr.msgAppFlowPaused = true;
    expect(pr.maybeDecrTo(9, 4)).toBe(true);
    expect(pr.next).toBe(5);
    expect(pr.msgAppFlowPaused).toBe(false);
  });

  it('a hint at or beyond the rejected index still moves next back to the rejected index', () => {
    const pr = progress({ match: 0, next: 10 });
    expect(pr.maybeDecrTo(9, 50)).toBe(true);
    expect(pr.next).toBe(9);
  });

  it('never goes below match + 1', () => {
    const pr = progress({ match: 6, next: 10 });
    expect(pr.maybeDecrTo(9, 2)).toBe(true);
    expect(pr.next).toBe(7);
  });

  it('a hint of 0 from an empty follower lands on index 1', () => {
    const pr = progress({ match: 0, next: 2 });
    expect(pr.maybeDecrTo(1, 0)).toBe(true);
    expect(pr.next).toBe(1);
  });

  it('property: next stays in [match + 1, rejected] and a repeated answer is stale', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 70 }), (match, gap, hint) => {
        const next = match + gap + 1;
        const rejected = next - 1;
        const pr = progress({ match, next });
        expect(pr.maybeDecrTo(rejected, hint)).toBe(true);
        expect(pr.next).toBeGreaterThanOrEqual(match + 1);
        expect(pr.next).toBeLessThanOrEqual(rejected);
        expect(pr.next).toBe(Math.max(Math.min(rejected, hint + 1), match + 1));
        // next moved below the rejected probe, so the same rejection arriving twice is stale.
        expect(pr.maybeDecrTo(rejected, hint)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Progress: sentEntries', () => {
  it('replicate: advances next optimistically and fills the window', () => {
    const pr = progress({ match: 0, next: 1, state: 'replicate', countMax: 2 });
    pr.sentEntries(3, 3, 30);
    expect(pr.next).toBe(4);
    expect(pr.inflights.count()).toBe(1);
    expect(pr.isPaused()).toBe(false);
    pr.sentEntries(2, 5, 20);
    expect(pr.next).toBe(6);
    expect(pr.inflights.count()).toBe(2);
    // Window full: paused and throttled.
    expect(pr.msgAppFlowPaused).toBe(true);
    expect(pr.isPaused()).toBe(true);
    expect(pr.isThrottled()).toBe(true);
  });

  it('replicate: the byte bound pauses too', () => {
    const pr = progress({ match: 0, next: 1, state: 'replicate', countMax: 10, bytesMax: 50 });
    pr.sentEntries(1, 1, 49);
    expect(pr.isPaused()).toBe(false);
    pr.sentEntries(1, 2, 1);
    expect(pr.isPaused()).toBe(true);
    expect(pr.isThrottled()).toBe(true);
  });

  it('replicate: an empty append (heartbeat-like probe) adds nothing to the window and does not move next', () => {
    const pr = progress({ match: 4, next: 5, state: 'replicate', countMax: 1 });
    pr.sentEntries(1, 5, 10);
    expect(pr.isPaused()).toBe(true);
    pr.sentEntries(0, 5, 0);
    expect(pr.next).toBe(6);
    expect(pr.inflights.count()).toBe(1);
    expect(pr.isPaused()).toBe(true);
  });

  it('replicate: an acknowledgement frees the window (through inflights) and maybeUpdate unpauses', () => {
    const pr = progress({ match: 0, next: 1, state: 'replicate', countMax: 1 });
    pr.sentEntries(2, 2, 10);
    expect(pr.isPaused()).toBe(true);
    pr.inflights.freeLE(2);
    expect(pr.maybeUpdate(2)).toBe(true);
    expect(pr.isPaused()).toBe(false);
    expect(pr.isThrottled()).toBe(false);
  });

  it('probe: one append at a time — pauses without moving next', () => {
    const pr = progress({ match: 0, next: 7 });
    pr.sentEntries(3, 9, 30);
    expect(pr.next).toBe(7);
    expect(pr.inflights.count()).toBe(0);
    expect(pr.isPaused()).toBe(true);
    expect(pr.isThrottled()).toBe(false);
  });

  it('probe: an empty append does not pause', () => {
    const pr = progress({ match: 0, next: 7 });
    pr.sentEntries(0, 6, 0);
    expect(pr.isPaused()).toBe(false);
  });

  it('snapshot: sending entries is a bug', () => {
    const pr = progress({ match: 0, next: 7, state: 'snapshot', pendingSnapshot: 9 });
    expect(() => pr.sentEntries(1, 7, 10)).toThrow(RaftInvariantError);
  });
});

describe('Progress: isPaused / isThrottled', () => {
  it('snapshot state is always paused but never throttled', () => {
    const pr = progress({ match: 0, next: 1, state: 'snapshot', pendingSnapshot: 5 });
    expect(pr.isPaused()).toBe(true);
    expect(pr.isThrottled()).toBe(false);
  });

  it('probe state is paused only by the flow flag', () => {
    const pr = progress({ match: 0, next: 1 });
    expect(pr.isPaused()).toBe(false);
    pr.msgAppFlowPaused = true;
    expect(pr.isPaused()).toBe(true);
    expect(pr.isThrottled()).toBe(false);
  });

  it('replicate throttling follows the window, not the flag', () => {
    const pr = progress({ match: 0, next: 1, state: 'replicate', countMax: 1 });
    pr.msgAppFlowPaused = true;
    expect(pr.isThrottled()).toBe(false);
    pr.sentEntries(1, 1, 1);
    expect(pr.isThrottled()).toBe(true);
  });
});

describe('Progress: resetForTerm', () => {
  it('returns to probe with the given next/match and clears every per-term field', () => {
    const pr = progress({ match: 5, next: 6, state: 'replicate' });
    pr.sentEntries(2, 7, 20);
    pr.lastHeardTick = 40;
    pr.leaseAckTick = 39;
    pr.readAckSeq = 12;
    pr.isLearner = true;
    pr.resetForTerm(21, 0);
    expect(pr.state).toBe('probe');
    expect(pr.next).toBe(21);
    expect(pr.match).toBe(0);
    expect(pr.msgAppFlowPaused).toBe(false);
    expect(pr.pendingSnapshot).toBe(0);
    expect(pr.inflights.count()).toBe(0);
    expect(pr.lastHeardTick).toBe(0);
    expect(pr.leaseAckTick).toBe(0);
    expect(pr.readAckSeq).toBe(0);
    // Membership is not per-term.
    expect(pr.isLearner).toBe(true);
  });

  it('from snapshot state: drops the pending snapshot', () => {
    const pr = progress({ match: 0, next: 1, state: 'snapshot', pendingSnapshot: 30 });
    pr.resetForTerm(31, 30);
    expect(pr.state).toBe('probe');
    expect(pr.pendingSnapshot).toBe(0);
    expect(pr.match).toBe(30);
    expect(pr.isPaused()).toBe(false);
  });
});

describe('Progress: clone (copy-on-write for membership changes)', () => {
  it('copies every field with the requested learner flag, and shares no state with the original', () => {
    const pr = progress({ match: 5, next: 6, state: 'replicate', countMax: 2 });
    pr.sentEntries(2, 7, 20);
    pr.lastHeardTick = 40;
    pr.leaseAckTick = 39;
    pr.readAckSeq = 12;
    const c = pr.clone(true);
    expect(c).not.toBe(pr);
    expect(c.isLearner).toBe(true);
    expect(pr.isLearner).toBe(false);
    for (const k of ['match', 'next', 'state', 'pendingSnapshot', 'msgAppFlowPaused', 'lastHeardTick', 'leaseAckTick', 'readAckSeq'] as const) {
      expect(c[k], k).toBe(pr[k]);
    }
    expect(c.inflights).not.toBe(pr.inflights);
    expect(c.inflights.count()).toBe(1);
    expect(c.inflights.sizeBytes()).toBe(20);
    // Independent: the copy's window fills, the original's does not.
    c.sentEntries(1, 8, 5);
    expect(c.isPaused()).toBe(true);
    expect(pr.inflights.count()).toBe(1);
    expect(pr.next).toBe(8);
    expect(pr.isPaused()).toBe(false);
  });

  it('keeps a pending snapshot', () => {
    const pr = progress({ match: 3, next: 4, state: 'snapshot', pendingSnapshot: 20 });
    const c = pr.clone(false);
    expect(c.state).toBe('snapshot');
    expect(c.pendingSnapshot).toBe(20);
    expect(c.isPaused()).toBe(true);
  });
});
