/**
 * Typed errors of the storage layer. Every failure a caller can act on carries a stable `code`;
 * bugs (violated invariants) are `RaftInvariantError`s from raft/assert.ts and are never caught.
 */
export type StorageErrorCode =
  /** A stored raft entry failed its checksum, or SQLite reported a malformed database. */
  | 'CORRUPTION'
  /** The database belongs to another store or cluster. */
  | 'STORE_MISMATCH'
  /** Another live process (named by `ownerPid` when known) owns the database; see store-lock.ts. */
  | 'LOCKED'
  /** The database was written by a newer rangekv whose schema this build does not know. */
  | 'SCHEMA_TOO_NEW'
  /** SQLite failed to read or write (disk full, I/O error, …). The store is fenced from then on. */
  | 'IO_FAILED'
  /** An earlier I/O failure fenced the store: nothing more may be written or acknowledged. */
  | 'FENCED'
  /** The store was closed. */
  | 'CLOSED'
  /** No replica state exists for the range on this store. */
  | 'RANGE_NOT_FOUND'
  /** A batch tried to create a range that already exists. */
  | 'RANGE_EXISTS'
  /** A key, value or argument exceeds a configured limit or is malformed. */
  | 'INVALID_ARGUMENT'
  /** A snapshot chunk sequence is malformed: bad checksum, wrong order, key outside the span, counts off. */
  | 'SNAPSHOT_INVALID'
  /** Too many snapshot streams or installs are open at once (`snapshotStreamsMax`). */
  | 'BUSY';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  /** The range the error is about, when there is one. */
  readonly rangeId: number | undefined;
  /** The raft log index the error is about (CORRUPTION of an entry). */
  readonly index: number | undefined;
  /** SQLite's extended result code (e.g. SQLITE_FULL) for IO_FAILED / CORRUPTION from SQLite. */
  readonly sqliteCode: string | undefined;
  /** The process that owns the database (LOCKED), when its lock file names one. */
  readonly ownerPid: number | undefined;

  constructor(
    code: StorageErrorCode,
    message: string,
    details: {
      readonly rangeId?: number;
      readonly index?: number;
      readonly sqliteCode?: string;
      readonly ownerPid?: number;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'StorageError';
    this.code = code;
    this.rangeId = details.rangeId;
    this.index = details.index;
    this.sqliteCode = details.sqliteCode;
    this.ownerPid = details.ownerPid;
  }
}

export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}
