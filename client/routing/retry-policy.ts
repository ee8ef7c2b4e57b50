import type { Rng } from '../rng.js';

/**
 * When to try a request again: exponential backoff with jitter (from an injected, seedable random
 * source), never sooner than a server's retryAfterMs, never past the request's deadline, and never
 * more than `attemptsMax` attempts. Pure apart from the Rng: callers own clocks and timers.
 */
export interface RetryPolicyOptions {
  /** Backoff before the first retry. */
  readonly backoffInitialMs: number;
  /** Backoff never grows past this. */
  readonly backoffMaxMs: number;
  readonly backoffMultiplier: number;
  /** The delay is drawn uniformly from [backoff·(1 − jitterRatio), backoff]; 0 means no jitter. */
  readonly jitterRatio: number;
  /** Attempts per request, the first included. */
  readonly attemptsMax: number;
  /** An attempt with less time than this before the deadline is not worth starting. */
  readonly attemptTimeMinMs: number;
}

export const defaultRetryPolicyOptions: RetryPolicyOptions = Object.freeze({
  backoffInitialMs: 10,
  backoffMaxMs: 1_000,
  backoffMultiplier: 2,
  jitterRatio: 0.5,
  attemptsMax: 64,
  attemptTimeMinMs: 20,
});

export interface RetryQuestion {
  /** Attempts made so far (≥ 1). */
  readonly attempts: number;
  /** Retries so far that waited out a backoff; the backoff grows with this, not with `attempts`. */
  readonly backoffs: number;
  /** The time left before the request's deadline. */
  readonly remainingMs: number;
  /** The server asked to wait at least this long. */
  readonly retryAfterMs?: number | undefined;
  /** The failure brought news (a new leader, a new descriptor): retry at once unless told to wait. */
  readonly immediate?: boolean;
}

export type RetryDecision =
  | { readonly kind: 'retry'; readonly delayMs: number; readonly backoff: boolean }
  | { readonly kind: 'give-up'; readonly reason: 'deadline' | 'attempts' };

export class RetryPolicy {
  readonly options: RetryPolicyOptions;

  constructor(
    options: Partial<RetryPolicyOptions>,
    private readonly rng: Rng,
  ) {
    const o = { ...defaultRetryPolicyOptions, ...options };
    if (!(o.backoffInitialMs >= 0 && o.backoffMaxMs >= o.backoffInitialMs)) throw new RangeError('backoff bounds must satisfy 0 ≤ initial ≤ max');
    if (!(o.backoffMultiplier >= 1)) throw new RangeError('backoffMultiplier must be ≥ 1');
    if (!(o.jitterRatio >= 0 && o.jitterRatio <= 1)) throw new RangeError('jitterRatio must be in [0, 1]');
    if (!Number.isSafeInteger(o.attemptsMax) || o.attemptsMax < 1) throw new RangeError('attemptsMax must be a positive integer');
    if (!(o.attemptTimeMinMs >= 0)) throw new RangeError('attemptTimeMinMs must be ≥ 0');
    this.options = Object.freeze(o);
  }

  /** The jittered backoff before retry number `backoffs + 1` (0-based count of earlier backoffs). */
  backoffMs(backoffs: number): number {
    const o = this.options;
    const base = Math.min(o.backoffMaxMs, o.backoffInitialMs * o.backoffMultiplier ** Math.max(0, backoffs));
    const floor = base * (1 - o.jitterRatio);
    // Integer milliseconds keep runs easy to compare; the jitter resolution does not matter.
    return Math.round(floor + (base - floor) * (this.rng.int(1_000_001) / 1_000_000));
  }

  decide(q: RetryQuestion): RetryDecision {
    const o = this.options;
    if (q.attempts >= o.attemptsMax) return { kind: 'give-up', reason: 'attempts' };
    const budgetMs = q.remainingMs - o.attemptTimeMinMs;
    if (budgetMs < 0) return { kind: 'give-up', reason: 'deadline' };
    const retryAfterMs = q.retryAfterMs !== undefined && q.retryAfterMs > 0 ? q.retryAfterMs : 0;
    // The server's wait is a floor we must honour: if it does not fit, no later attempt would either.
    if (retryAfterMs > budgetMs) return { kind: 'give-up', reason: 'deadline' };
    if (q.immediate === true) return { kind: 'retry', delayMs: retryAfterMs, backoff: false };
    const delayMs = Math.max(retryAfterMs, Math.min(this.backoffMs(q.backoffs), budgetMs));
    return { kind: 'retry', delayMs, backoff: true };
  }
}
