/**
 * storage/: SQLite-backed raft logs, range state and MVCC data of one store. See store.ts for the
 * entry point, write-batch.ts for the durability contract, sqlite-settings.ts for what survives
 * what, mvcc-reader.ts for the key encoding.
 */
export { Store, type StoreOptions, type StoreIdentity, type StoreStats, type GcResult } from './store.js';
export { WriteBatch, type BatchOp, type CommitOptions, type CommitStats } from './write-batch.js';
export { RangeLogStorage } from './range-log-storage.js';
export type { RangeState, RangeInit, AppliedState } from './range-state.js';
export { StorageError, isStorageError, type StorageErrorCode } from './storage-error.js';
export {
  type Timestamp,
  timestamp,
  composeTimestamp,
  physicalMsOf,
  logicalOf,
  timestampMin,
  timestampMax,
} from './timestamp.js';
export { type KeySpan, compareKeys, spanContains, spanIsValid, spanIsUnbounded, spansEqual, spansOverlap } from './key-span.js';
export {
  mvcc,
  type MvccMutation,
  type WriteRecord,
  type WriteKind,
  type Lock,
  type LockKind,
  type KeyedLock,
  type KeyedWriteRecord,
  type KvPair,
} from './mvcc-types.js';
export { MvccReader, type ScanOptions } from './mvcc-reader.js';
export { rangeLocal, type LocalMutation, type LocalEntry, type LocalScanOptions } from './range-local-types.js';
export { RangeLocalReader, type LocalLimits } from './range-local-reader.js';
export type { GcLimits } from './mvcc-gc.js';
export type { SnapshotChunk, SnapshotHeader } from './snapshot-types.js';
export { SnapshotStream } from './snapshot-stream.js';
export { SnapshotReceiver, StagedSnapshot } from './snapshot-receiver.js';
export { encodeSnapshotChunk, decodeSnapshotChunk, snapshotFormatVersion } from './snapshot-codec.js';
export { EntryCache } from './entry-cache.js';
export { schemaVersionLatest } from './schema.js';
