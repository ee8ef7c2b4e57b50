import { composeTimestamp, logicalOf, physicalMsOf, type Timestamp } from '../../storage/index.js';

/**
 * A hybrid logical clock: timestamps `physicalMs << 18 | logical` that never go backwards, track
 * the wall clock when it moves forward, and absorb timestamps observed from elsewhere (`update`).
 * Until the placement driver's timestamp oracle exists, a range's leader stamps writes with it;
 * apply then makes versions strictly increase per range whatever the clocks did.
 */
export class HybridLogicalClock {
  private physicalMs = 0;
  private logical = 0;

  constructor(private readonly wallMs: () => number) {}

  now(): Timestamp {
    const wall = Math.floor(this.wallMs());
    if (wall > this.physicalMs) {
      this.physicalMs = wall;
      this.logical = 0;
    } else {
      this.bumpLogical();
    }
    return composeTimestamp(this.physicalMs, this.logical);
  }

  /** Moves the clock past a timestamp seen from another node or the log. */
  update(seen: Timestamp): void {
    const p = physicalMsOf(seen);
    const l = logicalOf(seen);
    if (p > this.physicalMs || (p === this.physicalMs && l > this.logical)) {
      this.physicalMs = p;
      this.logical = l;
    }
  }

  private bumpLogical(): void {
    if (this.logical < 0x3ffff) {
      this.logical++;
    } else {
      // 2^18 timestamps in one millisecond: borrow the next millisecond rather than wrap.
      this.physicalMs++;
      this.logical = 0;
    }
  }
}
