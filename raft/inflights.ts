import { invariant } from './assert.js';
import type { LogIndex } from './types.js';

/**
 * The window of append messages sent to one follower and not yet acknowledged: a fixed-capacity
 * ring of (last index, bytes) per message. The leader stops sending to a follower while the window
 * is full by count or by bytes; an acknowledgement of index i frees every message ending at or below i.
 */
export class Inflights {
  private readonly lastIndexes: Float64Array;
  private readonly sizesBytes: Float64Array;
  private start = 0;
  private countNow = 0;
  private bytesNow = 0;

  constructor(
    readonly countMax: number,
    readonly bytesMax: number,
  ) {
    invariant(Number.isInteger(countMax) && countMax > 0, 'inflights countMax must be a positive integer');
    invariant(bytesMax > 0, 'inflights bytesMax must be positive');
    this.lastIndexes = new Float64Array(countMax);
    this.sizesBytes = new Float64Array(countMax);
  }

  /** Records a message whose last entry is `lastIndex`. The caller checks `full()` first. */
  add(lastIndex: LogIndex, sizeBytes: number): void {
    invariant(!this.full(), 'inflights: add while full');
    if (this.countNow > 0) {
      const newest = this.lastIndexes[(this.start + this.countNow - 1) % this.countMax]!;
      invariant(lastIndex > newest, () => `inflights: index ${lastIndex} not after ${newest}`);
    }
    const slot = (this.start + this.countNow) % this.countMax;
    this.lastIndexes[slot] = lastIndex;
    this.sizesBytes[slot] = sizeBytes;
    this.countNow++;
    this.bytesNow += sizeBytes;
  }

  /** Frees every message whose last index is ≤ `index`. */
  freeLE(index: LogIndex): void {
    while (this.countNow > 0 && this.lastIndexes[this.start]! <= index) {
      this.bytesNow -= this.sizesBytes[this.start]!;
      this.start = (this.start + 1) % this.countMax;
      this.countNow--;
    }
    if (this.countNow === 0) {
      this.start = 0;
      this.bytesNow = 0;
    }
  }

  full(): boolean {
    return this.countNow >= this.countMax || this.bytesNow >= this.bytesMax;
  }

  count(): number {
    return this.countNow;
  }

  sizeBytes(): number {
    return this.bytesNow;
  }

  clone(): Inflights {
    const c = new Inflights(this.countMax, this.bytesMax);
    c.lastIndexes.set(this.lastIndexes);
    c.sizesBytes.set(this.sizesBytes);
    c.start = this.start;
    c.countNow = this.countNow;
    c.bytesNow = this.bytesNow;
    return c;
  }

  reset(): void {
    this.start = 0;
    this.countNow = 0;
    this.bytesNow = 0;
  }
}
