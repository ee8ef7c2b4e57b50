/**
 * The range-local replicated table: a small key → value map per range for replicated state
 * machine data that is not user MVCC data — the exactly-once session table, later GC thresholds
 * and transaction bookkeeping. It is part of the range's state machine, so it changes only when
 * entries are applied (`WriteBatch.apply`, in the same transaction as the applied index), travels
 * with the range's snapshots, and is dropped with the range.
 *
 * Keys and values are bytes, keys ordered bytewise like MVCC keys. Both are bounded
 * (`localKeyBytesMax`, default 1 KiB; `localValueBytesMax`, default 64 KiB): the table is meant for
 * many small records, and a snapshot chunk must be able to carry any one of them.
 */
export type LocalMutation =
  /** Sets the key's value, replacing any. */
  | { readonly op: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  /** Removes the key, if present. */
  | { readonly op: 'delete'; readonly key: Uint8Array }
  /** Removes every key that starts with `prefix` (an empty prefix empties the range's table). */
  | { readonly op: 'deletePrefix'; readonly prefix: Uint8Array };

export interface LocalEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface LocalScanOptions {
  /** Only keys starting with this (empty: every key). */
  readonly prefix: Uint8Array;
  /** Maximum number of entries returned; ≥ 1 and ≤ the store's scanLimitMax. */
  readonly limit: number;
  /** Resume strictly after this key (the last key of the previous page). */
  readonly after?: Uint8Array;
}

/** Small factories so callers do not spell out the union by hand. */
export const rangeLocal = {
  put(key: Uint8Array, value: Uint8Array): LocalMutation {
    return { op: 'put', key, value };
  },
  delete(key: Uint8Array): LocalMutation {
    return { op: 'delete', key };
  },
  deletePrefix(prefix: Uint8Array): LocalMutation {
    return { op: 'deletePrefix', prefix };
  },
} as const;

/**
 * The smallest key greater than every key starting with `prefix`, or null when there is none
 * (empty prefix, or all 0xff bytes): drop trailing 0xff bytes and increment the last remaining one.
 * Makes "starts with prefix" the key range [prefix, prefixEnd) that SQLite walks as one index range.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | null {
  let n = prefix.byteLength;
  while (n > 0 && prefix[n - 1] === 0xff) n--;
  if (n === 0) return null;
  const end = Buffer.from(prefix.subarray(0, n));
  end[n - 1] = end[n - 1]! + 1;
  return end;
}
