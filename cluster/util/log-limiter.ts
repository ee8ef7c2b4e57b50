import type { Clock } from '../ports/clock.js';

/**
 * Rate limit for log lines that outside input can trigger (refused peers, malformed batches): at
 * most one line per key per interval; the next line says how many were suppressed. Bounded: at
 * most `keysMax` keys are tracked (beyond it the oldest is forgotten, which only lets a line through).
 */
export class LogLimiter {
  private readonly last = new Map<string, { atMs: number; suppressed: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs = 10_000,
    private readonly keysMax = 256,
  ) {}

  /** undefined: stay quiet; otherwise log, mentioning `suppressed` earlier occurrences. */
  allow(key: string): { suppressed: number } | undefined {
    const now = this.clock.monotonicMs();
    const seen = this.last.get(key);
    if (seen !== undefined && now - seen.atMs < this.intervalMs) {
      seen.suppressed++;
      return undefined;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.last.delete(key);
    this.last.set(key, { atMs: now, suppressed: 0 });
    if (this.last.size > this.keysMax) this.last.delete(this.last.keys().next().value as string);
    return { suppressed };
  }
}
