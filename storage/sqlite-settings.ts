import type BetterSqlite3 from 'better-sqlite3';

/**
 * How the store's SQLite connection is configured, and why. These settings are the durability
 * contract of the whole node: `WriteBatch.commit()` returning means "survives power loss".
 *
 * journal_mode = WAL
 *   A commit appends the changed pages to the write-ahead log and, with synchronous=FULL, fsyncs
 *   it: one sequential write + one fsync per transaction, however many groups contributed. Readers
 *   (the snapshot streams' own connections) see a stable snapshot and never block the writer.
 *
 * synchronous = FULL
 *   The WAL is fsynced at every commit, so an acknowledged commit survives process crash, kernel
 *   panic and power loss. With NORMAL the WAL is fsynced only at checkpoints: a commit would
 *   survive kill -9 (its pages are in the OS page cache) but the last transactions could vanish on
 *   power loss — a raft node that acked an append or a vote and then forgot it breaks safety, so
 *   NORMAL is never used for those. It is used, per commit, only for batches that hold nothing but
 *   recomputable applied state (WriteBatch.commit({ sync: false }), see CommitOptions): the WAL is
 *   sequential, so power loss keeps a prefix of commits and the next synced commit makes all
 *   earlier ones durable. (OFF would risk corruption, not just loss.)
 *
 * wal_autocheckpoint = walAutocheckpointPages (default 10,000 pages ≈ 40 MiB)
 *   When the WAL passes this size, the committing call copies WAL pages back into the database
 *   file (fsyncing the WAL first and the database after, under FULL) and the WAL restarts from the
 *   beginning. A checkpoint interrupted by a crash is simply redone from the WAL at open. Larger
 *   than SQLite's 1,000-page default because raft log pages are rewritten soon after (truncation)
 *   and MVCC pages of hot keys repeatedly: a page checkpointed once per 40 MiB instead of once per
 *   4 MiB is written back fewer times; the cost is a longer WAL to replay at open and stalls of a
 *   few tens of ms once per ~40 MiB of writes. A long snapshot read transaction pins the WAL: the
 *   checkpoint cannot pass the reader's mark, so the WAL grows until the stream ends — one reason
 *   snapshot streams are bounded in number.
 *
 * journal_size_limit = 64 MiB
 *   After a checkpoint resets the WAL, the file is truncated to this size, so a burst does not
 *   leave a huge WAL file behind forever.
 *
 * cache_size = pageCacheBytes (default 64 MiB, writer connection)
 *   SQLite's page cache. Random-key MVCC inserts touch a different leaf page per key; if the
 *   interior pages and hot leaves fall out of the cache every insert becomes a read syscall.
 *   bench/storage-bench.ts measures the effect.
 *
 * mmap_size = 0
 *   With mmap, an I/O error on read arrives as SIGBUS and kills the process instead of surfacing
 *   as an SQLITE_IOERR that fences the store with a typed error.
 *
 * temp_store = MEMORY, cell_size_check = ON
 *   Sorts and temporary b-trees never touch disk; malformed b-tree cells are detected when a page
 *   is read rather than when the bad cell happens to be dereferenced.
 */
export interface SqliteTuning {
  readonly pageCacheBytes: number;
  readonly walAutocheckpointPages: number;
  readonly walSizeBytesLimit: number;
  /** Quota: SQLITE_FULL past this many bytes (max_page_count). 0 = unlimited. */
  readonly sizeBytesMax: number;
  /**
   * 'fsync': synchronous=FULL, a commit survives power loss. 'process': synchronous=OFF, a commit
   * survives a crash of the process (the OS has it) but not of the machine — for simulation only.
   */
  readonly durability: 'fsync' | 'process';
}

export const pageSizeBytes = 4096;

export function configureWriter(db: BetterSqlite3.Database, tuning: SqliteTuning): void {
  db.pragma(`page_size = ${pageSizeBytes}`);
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (String(mode).toLowerCase() !== 'wal') {
    throw new Error(`could not switch the database to WAL mode (got ${String(mode)})`);
  }
  db.pragma(tuning.durability === 'fsync' ? 'synchronous = FULL' : 'synchronous = OFF');
  db.pragma(`wal_autocheckpoint = ${tuning.walAutocheckpointPages}`);
  db.pragma(`journal_size_limit = ${tuning.walSizeBytesLimit}`);
  db.pragma(`cache_size = ${-Math.ceil(tuning.pageCacheBytes / 1024)}`);
  db.pragma('mmap_size = 0');
  db.pragma('temp_store = MEMORY');
  db.pragma('cell_size_check = ON');
  db.pragma('foreign_keys = OFF');
  if (tuning.sizeBytesMax > 0) {
    db.pragma(`max_page_count = ${Math.max(1, Math.floor(tuning.sizeBytesMax / pageSizeBytes))}`);
  }
}

/** Snapshot streams read through their own connection: a small cache, never writes. */
export function configureReader(db: BetterSqlite3.Database): void {
  db.pragma('cache_size = -8192');
  db.pragma('mmap_size = 0');
  db.pragma('temp_store = MEMORY');
  db.pragma('cell_size_check = ON');
}
