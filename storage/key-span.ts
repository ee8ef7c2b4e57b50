/**
 * Keys are byte strings compared bytewise (memcmp, then the shorter one first) — the same order as
 * `Buffer.compare` and as SQLite's BINARY comparison of BLOBs, which is what makes an SQL range
 * predicate on a BLOB column an ordered key range.
 */
export interface KeySpan {
  /** Inclusive. */
  readonly start: Uint8Array;
  /** Exclusive; empty means +∞. */
  readonly end: Uint8Array;
}

export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

export function spanIsUnbounded(span: KeySpan): boolean {
  return span.end.byteLength === 0;
}

export function spanContains(span: KeySpan, key: Uint8Array): boolean {
  if (compareKeys(key, span.start) < 0) return false;
  return spanIsUnbounded(span) || compareKeys(key, span.end) < 0;
}

/** A span is well formed when start < end or end is +∞. */
export function spanIsValid(span: KeySpan): boolean {
  return spanIsUnbounded(span) || compareKeys(span.start, span.end) < 0;
}

/** Whether two well-formed spans share a key. */
export function spansOverlap(a: KeySpan, b: KeySpan): boolean {
  const aStartsBeforeBEnds = spanIsUnbounded(b) || compareKeys(a.start, b.end) < 0;
  const bStartsBeforeAEnds = spanIsUnbounded(a) || compareKeys(b.start, a.end) < 0;
  return aStartsBeforeBEnds && bStartsBeforeAEnds;
}

export function spansEqual(a: KeySpan, b: KeySpan): boolean {
  return compareKeys(a.start, b.start) === 0 && compareKeys(a.end, b.end) === 0;
}
