/**
 * Runs the nemeses on a seeded, Jepsen-style schedule: each nemesis in its own lane, concurrently
 * (so faults of different kinds overlap), alternating a fault of random length in
 * [faultMsMin, faultMsMax] with a quiet period in [healMsMin, healMsMax]; one-shot nemeses fire
 * once per quiet period. Lanes start at a random point of their first quiet period, so they do not
 * fire in lockstep. A fault running when the test time ends is stopped then.
 *
 * Every action is bounded by actionTimeoutMs and recorded in the nemesis log when it completes; an
 * action that throws or times out is recorded as "error" and the lane goes on. The schedule (which
 * nemesis does what, for how long) follows from each lane's seeded rng; wall-clock timing does not.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../kv-client.js';
import type { MonotonicClock } from '../monotonic-clock.js';
import { NS_PER_MS } from '../monotonic-clock.js';
import type { NemesisLog, NemesisAction } from './nemesis-log.js';
import { NemesisError, type Nemesis, type NemesisContext, type NemesisEffect } from './nemesis.js';

export interface NemesisTiming {
  readonly faultMsMin: number;
  readonly faultMsMax: number;
  readonly healMsMin: number;
  readonly healMsMax: number;
  /** Bound on each start, stop or heal. */
  readonly actionTimeoutMs: number;
}

export const NEMESIS_TIMING_DEFAULT: NemesisTiming = {
  faultMsMin: 2000,
  faultMsMax: 10_000,
  healMsMin: 2000,
  healMsMax: 10_000,
  actionTimeoutMs: 15_000,
};

export interface NemesisLane {
  readonly nemesis: Nemesis;
  readonly context: NemesisContext;
}

export function validateNemesisTiming(timing: NemesisTiming): void {
  const { faultMsMin, faultMsMax, healMsMin, healMsMax, actionTimeoutMs } = timing;
  if (!(faultMsMin >= 0 && faultMsMax >= faultMsMin && healMsMin >= 0 && healMsMax >= healMsMin && actionTimeoutMs > 0)) {
    throw new RangeError(`bad nemesis timing ${JSON.stringify(timing)}: need 0 ≤ min ≤ max and a positive action timeout`);
  }
}

export class NemesisScheduler {
  constructor(
    private readonly lanes: readonly NemesisLane[],
    private readonly timing: NemesisTiming,
    private readonly log: NemesisLog,
    private readonly clock: MonotonicClock,
  ) {
    validateNemesisTiming(timing);
  }

  /** Runs every lane until the clock reaches `endNs` (or `signal` aborts); resolves when all have stopped their faults. */
  async run(endNs: number, signal: AbortSignal): Promise<void> {
    await Promise.all(this.lanes.map((lane) => this.runLane(lane, endNs, signal)));
  }

  /** Heals every nemesis (idempotent), recording a "heal" event per nemesis. */
  async healAll(): Promise<void> {
    for (const lane of this.lanes) {
      await this.act(lane, 'heal', async () => {
        await lane.nemesis.heal(lane.context);
        return { targets: [], detail: null };
      });
    }
  }

  private async runLane(lane: NemesisLane, endNs: number, signal: AbortSignal): Promise<void> {
    const rng = lane.context.rng;
    await this.sleepUntil(this.clock.nowNs() + rng.float() * this.timing.healMsMax * NS_PER_MS, endNs, signal);
    while (!signal.aborted && this.clock.nowNs() < endNs) {
      if (lane.nemesis.kind === 'one-shot') {
        await this.act(lane, 'once', () => lane.nemesis.start(lane.context));
      } else {
        const faultMs = this.uniform(rng.float(), this.timing.faultMsMin, this.timing.faultMsMax);
        await this.act(lane, 'start', () => lane.nemesis.start(lane.context));
        await this.sleepUntil(this.clock.nowNs() + faultMs * NS_PER_MS, endNs, signal);
        // Stop even after a failed start: it may have half happened, and stop is safe to repeat.
        await this.act(lane, 'stop', () => lane.nemesis.stop(lane.context));
      }
      const healMs = this.uniform(rng.float(), this.timing.healMsMin, this.timing.healMsMax);
      await this.sleepUntil(this.clock.nowNs() + healMs * NS_PER_MS, endNs, signal);
    }
  }

  private async act(lane: NemesisLane, action: NemesisAction, perform: () => Promise<NemesisEffect>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NemesisError('TIMEOUT', `${lane.nemesis.name} ${action} took longer than ${this.timing.actionTimeoutMs} ms`)), this.timing.actionTimeoutMs);
    });
    try {
      const effect = await Promise.race([perform(), timeout]);
      this.log.record(lane.nemesis.name, action, effect.targets, effect.detail);
    } catch (error: unknown) {
      this.log.record(lane.nemesis.name, 'error', [], { action, error: describeError(error) });
    } finally {
      clearTimeout(timer);
    }
  }

  private uniform(fraction: number, min: number, max: number): number {
    return min + fraction * (max - min);
  }

  private async sleepUntil(targetNs: number, endNs: number, signal: AbortSignal): Promise<void> {
    const waitMs = (Math.min(targetNs, endNs) - this.clock.nowNs()) / NS_PER_MS;
    if (waitMs <= 0 || signal.aborted) return;
    try {
      await sleep(waitMs, undefined, { signal });
    } catch {
      // aborted: the run is ending
    }
  }
}
