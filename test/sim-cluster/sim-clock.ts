import type { Clock } from '../../cluster/ports/clock.js';
import type { Timer, Timers } from '../../cluster/ports/timers.js';
import type { EventOwner, SimScheduler } from './sim-scheduler.js';

/** Unix time the simulated world starts at (fixed: a seed must not depend on when it runs). */
const epochWallMs = 1_800_000_000_000;

/**
 * One simulated machine's clock: it runs at its own rate (drift, kept inside the lease margin by
 * the run's options) and its wall clock can jump. It outlives the node processes on the machine.
 */
export class MachineClock {
  private baseTrueMs = 0;
  private baseMachineMs = 0;
  private rate = 1;
  private wallOffsetMs = 0;

  constructor(private readonly scheduler: SimScheduler) {}

  /** Machine time: advances `rate` ms per ms of virtual (true) time. */
  machineMs(): number {
    return this.baseMachineMs + (this.scheduler.nowMs - this.baseTrueMs) * this.rate;
  }

  get rateNow(): number {
    return this.rate;
  }

  setRate(rate: number): void {
    this.baseMachineMs = this.machineMs();
    this.baseTrueMs = this.scheduler.nowMs;
    this.rate = rate;
  }

  /** Moves the wall clock (NTP step, operator error); the monotonic clock is unaffected. */
  jumpWall(deltaMs: number): void {
    this.wallOffsetMs += deltaMs;
  }

  wallMs(): number {
    return epochWallMs + this.machineMs() + this.wallOffsetMs;
  }

  /** Virtual (true) time needed for `ms` of machine time to pass. */
  trueDelayOf(ms: number): number {
    return ms / this.rate;
  }
}

/** A process's view: monotonic time since the process started, the machine's wall clock. */
export class ProcessClock implements Clock {
  private readonly originMs: number;

  constructor(private readonly machine: MachineClock) {
    this.originMs = machine.machineMs();
  }

  monotonicMs(): number {
    return this.machine.machineMs() - this.originMs;
  }

  wallMs(): number {
    return this.machine.wallMs();
  }
}

/** Timers of one process, on the simulator's queue; they die with the process (its owner). */
export class ProcessTimers implements Timers {
  constructor(
    private readonly scheduler: SimScheduler,
    private readonly machine: MachineClock,
    private readonly owner: EventOwner,
  ) {}

  after(ms: number, fn: () => void): Timer {
    let cancelled = false;
    this.scheduler.after(this.machine.trueDelayOf(Math.max(0, ms)), this.owner, () => {
      if (!cancelled) fn();
    });
    return { cancel: () => (cancelled = true) };
  }

  every(ms: number, fn: () => void): Timer {
    let cancelled = false;
    const arm = (): void => {
      this.scheduler.after(this.machine.trueDelayOf(ms), this.owner, () => {
        if (cancelled) return;
        arm();
        fn();
      });
    };
    arm();
    return { cancel: () => (cancelled = true) };
  }

  soon(fn: () => void): void {
    this.scheduler.at(this.scheduler.nowMs, this.owner, fn);
  }
}
