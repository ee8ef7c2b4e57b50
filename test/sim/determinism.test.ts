import { describe, expect, it } from 'vitest';
import { runSeed } from './simulation.js';

describe('the simulator is deterministic', () => {
  it('replays a seed exactly: same trace digest, same statistics, same verdict', () => {
    for (const seed of [7, 42, 381]) {
      const a = runSeed(seed, {}, { fullTrace: true });
      const b = runSeed(seed, {}, { fullTrace: true });
      expect(b.traceDigest).toBe(a.traceDigest);
      expect(b.stats).toEqual(a.stats);
      expect(b.trace).toEqual(a.trace);
      expect(b.ok).toBe(a.ok);
    }
  });

  it('different seeds produce different runs', () => {
    const digests = new Set([1, 2, 3, 4, 5].map((s) => runSeed(s).traceDigest));
    expect(digests.size).toBe(5);
  });

  it('replays a failing seed of a broken core identically', () => {
    const a = runSeed(1, { knobs: { skipVoteLogCheck: true } }, { fullTrace: true });
    const b = runSeed(1, { knobs: { skipVoteLogCheck: true } }, { fullTrace: true });
    expect(a.ok).toBe(false);
    expect(b.violation?.message).toBe(a.violation?.message);
    expect(b.traceDigest).toBe(a.traceDigest);
  });
});
