import { invariant } from './assert.js';
import type { Entry, LogIndex, Snapshot, Term } from './types.js';

/**
 * The tail of the log not yet durable: entries (and possibly an incoming snapshot) handed to the
 * application in a Ready and not yet acknowledged by `advance`. `entries[i].index === offset + i`.
 */
export class Unstable {
  snapshot: Snapshot | undefined = undefined;
  entries: Entry[] = [];

  constructor(public offset: LogIndex) {}

  maybeFirstIndex(): LogIndex | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): LogIndex | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    if (this.snapshot !== undefined) return this.snapshot.metadata.index;
    return undefined;
  }

  maybeTerm(index: LogIndex): Term | undefined {
    if (index < this.offset) {
      if (this.snapshot !== undefined && this.snapshot.metadata.index === index) return this.snapshot.metadata.term;
      return undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || index > last) return undefined;
    if (this.entries.length === 0) {
      // Only a snapshot is pending and index === snapshot index was handled above; nothing else here.
      return undefined;
    }
    return this.entries[index - this.offset]!.term;
  }

  /** Entries through (index, term) are durable. Ignored if that entry was since overwritten. */
  stableTo(index: LogIndex, term: Term): void {
    const t = this.maybeTerm(index);
    if (t === undefined || t !== term) return;
    if (index >= this.offset) {
      this.entries = this.entries.slice(index + 1 - this.offset);
      this.offset = index + 1;
    }
  }

  stableSnapTo(index: LogIndex): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === index) this.snapshot = undefined;
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  truncateAndAppend(ents: readonly Entry[]): void {
    if (ents.length === 0) return;
    const after = ents[0]!.index;
    if (after === this.offset + this.entries.length) {
      for (const e of ents) this.entries.push(e);
    } else if (after <= this.offset) {
      // Replaces everything unstable, and possibly entries already durable: storage overwrites them.
      this.offset = after;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(ents);
    }
  }

  /** Entries [lo, hi) held here; the caller guarantees offset ≤ lo ≤ hi ≤ offset + entries.length. */
  slice(lo: LogIndex, hi: LogIndex): Entry[] {
    invariant(lo <= hi, () => `unstable slice lo ${lo} > hi ${hi}`);
    invariant(lo >= this.offset, () => `unstable slice lo ${lo} below offset ${this.offset}`);
    invariant(hi <= this.offset + this.entries.length, () => `unstable slice hi ${hi} beyond end`);
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
