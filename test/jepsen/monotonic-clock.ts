/**
 * The harness's one time base: integer nanoseconds since the test started, from the monotonic
 * clock (never the wall clock, which the clock nemesis may be skewing on the same machine — the
 * harness itself does not run under libfaketime, but it must not care). History events and
 * nemesis events share one instance, so their times line up in the report.
 */
export interface MonotonicClock {
  /** Nanoseconds since the clock's origin; never decreases. */
  nowNs(): number;
}

export class ProcessMonotonicClock implements MonotonicClock {
  private readonly originNs = process.hrtime.bigint();
  private lastNs = 0;

  nowNs(): number {
    // hrtime is monotonic; the max only guards the Number conversion against any surprise.
    const ns = Number(process.hrtime.bigint() - this.originNs);
    if (ns > this.lastNs) this.lastNs = ns;
    return this.lastNs;
  }
}

/** A clock tests advance by hand. */
export class ManualClock implements MonotonicClock {
  constructor(private timeNs = 0) {}

  nowNs(): number {
    return this.timeNs;
  }

  advanceNs(stepNs: number): void {
    if (stepNs < 0) throw new RangeError('ManualClock cannot go back');
    this.timeNs += stepNs;
  }
}

export const NS_PER_MS = 1_000_000;
