/**
 * MVCC timestamps: 64-bit values from the placement driver's timestamp oracle,
 * `physicalMs << 18 | logical`. They do not fit a JS number (a current physical time is ~41 bits,
 * shifted by 18 gives ~59), so they are bigints everywhere, and SQLite stores them as INTEGER read
 * back with better-sqlite3's `safeIntegers`.
 *
 * SQLite integers are signed 64-bit, so a timestamp must stay ≤ 2^63 - 1: physical time up to
 * 2^45 ms after the epoch, i.e. until the year 3084. `Timestamp` is branded so that a raft index or
 * a plain count is never passed where a timestamp is meant.
 */
export type Timestamp = bigint & { readonly __brand: 'Timestamp' };

export const logicalBits = 18n;
export const logicalMax = (1n << logicalBits) - 1n;
export const timestampMin = 0n as Timestamp;
/** Largest storable timestamp; also "read the newest version". */
export const timestampMax = ((1n << 63n) - 1n) as Timestamp;

export function timestamp(value: bigint): Timestamp {
  if (value < 0n || value > timestampMax) {
    throw new RangeError(`timestamp must be in [0, 2^63 - 1], got ${value}`);
  }
  return value as Timestamp;
}

export function composeTimestamp(physicalMs: number, logical: number): Timestamp {
  if (!Number.isSafeInteger(physicalMs) || physicalMs < 0) {
    throw new RangeError(`physicalMs must be a non-negative safe integer, got ${physicalMs}`);
  }
  if (!Number.isSafeInteger(logical) || logical < 0 || BigInt(logical) > logicalMax) {
    throw new RangeError(`logical must be in [0, 2^18), got ${logical}`);
  }
  return timestamp((BigInt(physicalMs) << logicalBits) | BigInt(logical));
}

export function physicalMsOf(ts: Timestamp): number {
  return Number(ts >> logicalBits);
}

export function logicalOf(ts: Timestamp): number {
  return Number(ts & logicalMax);
}
