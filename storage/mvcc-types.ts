import type { KeySpan } from './key-span.js';
import type { Timestamp } from './timestamp.js';

/**
 * The MVCC records, laid out after Percolator as TiKV does (its write and lock column families),
 * with values inlined in the write record instead of a separate default column family: values are
 * bounded (1 MiB) and most are small, and one table means a read at a timestamp is one index walk.
 *
 * A **write record** at (key, commitTs) is a committed outcome of a transaction that started at
 * startTs. `put` and `delete` are versions (a delete is a tombstone); readers at ts ≥ commitTs see
 * the newest of them. `lock` (a committed lock-only key, e.g. SELECT FOR UPDATE) and `rollback`
 * (recorded at commitTs = startTs, so a late prewrite of an aborted transaction finds it) are
 * invisible to readers but answer "what happened to the transaction started at startTs on this
 * key?". A non-transactional write is simply a put or delete with startTs = commitTs.
 */
export type WriteKind = 'put' | 'delete' | 'lock' | 'rollback';

export type WriteRecord =
  | { readonly kind: 'put'; readonly commitTs: Timestamp; readonly startTs: Timestamp; readonly value: Uint8Array }
  | { readonly kind: 'delete'; readonly commitTs: Timestamp; readonly startTs: Timestamp }
  | { readonly kind: 'lock'; readonly commitTs: Timestamp; readonly startTs: Timestamp }
  | { readonly kind: 'rollback'; readonly commitTs: Timestamp; readonly startTs: Timestamp };

/** What a prewritten key will become when its transaction commits. */
export type LockKind = 'put' | 'delete' | 'lock';

/**
 * A Percolator lock: at most one per key. `value` is the intended value of a `put` (null for the
 * other kinds). A lock expires when the TSO's physical time passes physicalMs(startTs) + ttlMs; the
 * transaction layer decides that, storage only keeps the record.
 */
export interface Lock {
  readonly primaryKey: Uint8Array;
  readonly startTs: Timestamp;
  readonly ttlMs: number;
  readonly kind: LockKind;
  readonly value: Uint8Array | null;
}

export interface KeyedLock extends Lock {
  readonly key: Uint8Array;
}

export interface KeyedWriteRecord {
  readonly key: Uint8Array;
  readonly write: WriteRecord;
}

/** A visible key-value pair at some read timestamp, with the commit timestamp of that version. */
export interface KvPair {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly commitTs: Timestamp;
}

/**
 * A change to the MVCC data. Applied by a WriteBatch together with the range's new applied index
 * (so applying an entry and recording that it was applied are one transaction).
 */
export type MvccMutation =
  /** Records a write (a version, or a lock/rollback record) at (key, write.commitTs); replaces one already there. */
  | { readonly op: 'putWrite'; readonly key: Uint8Array; readonly write: WriteRecord }
  /** Removes the write record at (key, commitTs), if any. */
  | { readonly op: 'deleteWrite'; readonly key: Uint8Array; readonly commitTs: Timestamp }
  /** Sets the key's lock, replacing any. */
  | { readonly op: 'putLock'; readonly key: Uint8Array; readonly lock: Lock }
  /** Removes the key's lock, if any. */
  | { readonly op: 'deleteLock'; readonly key: Uint8Array }
  /** Removes every write record and lock in the span. */
  | { readonly op: 'deleteSpan'; readonly span: KeySpan };

/** Small factories so callers do not spell out the union by hand. */
export const mvcc = {
  put(key: Uint8Array, commitTs: Timestamp, value: Uint8Array, startTs: Timestamp = commitTs): MvccMutation {
    return { op: 'putWrite', key, write: { kind: 'put', commitTs, startTs, value } };
  },
  delete(key: Uint8Array, commitTs: Timestamp, startTs: Timestamp = commitTs): MvccMutation {
    return { op: 'putWrite', key, write: { kind: 'delete', commitTs, startTs } };
  },
  lockRecord(key: Uint8Array, commitTs: Timestamp, startTs: Timestamp): MvccMutation {
    return { op: 'putWrite', key, write: { kind: 'lock', commitTs, startTs } };
  },
  rollback(key: Uint8Array, startTs: Timestamp): MvccMutation {
    return { op: 'putWrite', key, write: { kind: 'rollback', commitTs: startTs, startTs } };
  },
  deleteWrite(key: Uint8Array, commitTs: Timestamp): MvccMutation {
    return { op: 'deleteWrite', key, commitTs };
  },
  putLock(key: Uint8Array, lock: Lock): MvccMutation {
    return { op: 'putLock', key, lock };
  },
  deleteLock(key: Uint8Array): MvccMutation {
    return { op: 'deleteLock', key };
  },
  deleteSpan(span: KeySpan): MvccMutation {
    return { op: 'deleteSpan', span };
  },
} as const;

export function writeKindCode(kind: WriteKind): number {
  switch (kind) {
    case 'put':
      return 1;
    case 'delete':
      return 2;
    case 'lock':
      return 3;
    case 'rollback':
      return 4;
  }
}

export const writeKindPutCode = 1;
export const writeKindDeleteCode = 2;

export function lockKindCode(kind: LockKind): number {
  switch (kind) {
    case 'put':
      return 1;
    case 'delete':
      return 2;
    case 'lock':
      return 3;
  }
}

export function lockKindFromCode(code: number): LockKind | undefined {
  if (code === 1) return 'put';
  if (code === 2) return 'delete';
  if (code === 3) return 'lock';
  return undefined;
}

export function writeKindFromCode(code: number): WriteKind | undefined {
  if (code === 1) return 'put';
  if (code === 2) return 'delete';
  if (code === 3) return 'lock';
  if (code === 4) return 'rollback';
  return undefined;
}
