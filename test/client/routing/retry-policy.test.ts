import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../raft/rng.js';
import { RetryPolicy } from '../../../client/routing/retry-policy.js';

const policy = (seed = 1, o: ConstructorParameters<typeof RetryPolicy>[0] = {}): RetryPolicy => new RetryPolicy(o, new SeededRng(seed));

describe('RetryPolicy', () => {
  it('backs off exponentially up to the cap, with jitter inside [base·(1−ratio), base]', () => {
    const p = policy(7, { backoffInitialMs: 10, backoffMaxMs: 200, backoffMultiplier: 2, jitterRatio: 0.5 });
    const bases = [10, 20, 40, 80, 160, 200, 200];
    for (let i = 0; i < bases.length; i++) {
      for (let n = 0; n < 50; n++) {
        const d = p.backoffMs(i);
        expect(d).toBeGreaterThanOrEqual(Math.floor(bases[i]! / 2));
        expect(d).toBeLessThanOrEqual(bases[i]!);
      }
    }
  });

  it('is reproducible from the seed', () => {
    const a = policy(42);
    const b = policy(42);
    const xs = Array.from({ length: 20 }, (_, i) => a.backoffMs(i % 8));
    const ys = Array.from({ length: 20 }, (_, i) => b.backoffMs(i % 8));
    expect(xs).toEqual(ys);
    const c = policy(43);
    expect(Array.from({ length: 20 }, (_, i) => c.backoffMs(i % 8))).not.toEqual(xs);
  });

  it('without jitter the delay is the exact base', () => {
    const p = policy(1, { backoffInitialMs: 5, backoffMultiplier: 3, backoffMaxMs: 1_000, jitterRatio: 0 });
    expect([0, 1, 2, 3, 4, 5].map((i) => p.backoffMs(i))).toEqual([5, 15, 45, 135, 405, 1_000]);
  });

  it('honours retryAfterMs as a floor', () => {
    const p = policy(1, { jitterRatio: 0, backoffInitialMs: 10 });
    expect(p.decide({ attempts: 1, backoffs: 0, remainingMs: 5_000, retryAfterMs: 300 })).toEqual({ kind: 'retry', delayMs: 300, backoff: true });
    expect(p.decide({ attempts: 1, backoffs: 0, remainingMs: 5_000, retryAfterMs: 300, immediate: true })).toEqual({ kind: 'retry', delayMs: 300, backoff: false });
  });

  it('gives up when the server asks for a wait that does not fit before the deadline', () => {
    const p = policy();
    expect(p.decide({ attempts: 1, backoffs: 0, remainingMs: 200, retryAfterMs: 500 })).toEqual({ kind: 'give-up', reason: 'deadline' });
  });

  it('caps the backoff by the deadline and gives up once no attempt fits', () => {
    const p = policy(1, { jitterRatio: 0, backoffInitialMs: 1_000, backoffMaxMs: 1_000, attemptTimeMinMs: 5 });
    expect(p.decide({ attempts: 1, backoffs: 0, remainingMs: 105 })).toEqual({ kind: 'retry', delayMs: 100, backoff: true });
    expect(p.decide({ attempts: 1, backoffs: 0, remainingMs: 4 })).toEqual({ kind: 'give-up', reason: 'deadline' });
  });

  it('gives up after attemptsMax attempts', () => {
    const p = policy(1, { attemptsMax: 3 });
    expect(p.decide({ attempts: 2, backoffs: 1, remainingMs: 10_000 }).kind).toBe('retry');
    expect(p.decide({ attempts: 3, backoffs: 2, remainingMs: 10_000 })).toEqual({ kind: 'give-up', reason: 'attempts' });
  });

  it('never schedules a retry past the deadline (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 63 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: -10, max: 20_000 }),
        fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
        fc.boolean(),
        (seed, attempts, backoffs, remainingMs, retryAfterMs, immediate) => {
          const p = policy(seed);
          const d = p.decide({ attempts, backoffs, remainingMs, retryAfterMs, immediate });
          if (d.kind === 'retry') {
            expect(d.delayMs).toBeGreaterThanOrEqual(retryAfterMs ?? 0);
            expect(d.delayMs + p.options.attemptTimeMinMs).toBeLessThanOrEqual(remainingMs);
          }
        },
      ),
    );
  });

  it('refuses nonsense options', () => {
    expect(() => policy(1, { jitterRatio: 2 })).toThrow(RangeError);
    expect(() => policy(1, { backoffInitialMs: 10, backoffMaxMs: 5 })).toThrow(RangeError);
    expect(() => policy(1, { attemptsMax: 0 })).toThrow(RangeError);
  });
});
