import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from 'pino';
import { invariant } from '../raft/assert.js';
import type { NodeId } from '../raft/types.js';
import { planBatch } from './batch-plan.js';
import { BatchWriter } from './batch-writer.js';
import { decodeConfState } from './conf-state-codec.js';
import { EntryCache } from './entry-cache.js';
import { spanIsValid, type KeySpan } from './key-span.js';
import { LogReader } from './log-reader.js';
import { MvccGcPlanner, type GcLimits } from './mvcc-gc.js';
import { lockKindCode, writeKindCode, type KeyedLock, type KeyedWriteRecord } from './mvcc-types.js';
import { MvccReader } from './mvcc-reader.js';
import { RangeLocalReader, RangeLocalTable } from './range-local-reader.js';
import type { LocalEntry } from './range-local-types.js';
import { RangeLogStorage, type RangeLogSource } from './range-log-storage.js';
import type { RangeState } from './range-state.js';
import { migrate } from './schema.js';
import { encodeSnapshotHeaderJson } from './snapshot-codec.js';
import { SnapshotReceiver, StagedSnapshot, type StagingWriter } from './snapshot-receiver.js';
import { SnapshotStream } from './snapshot-stream.js';
import type { SnapshotHeader } from './snapshot-types.js';
import { configureWriter } from './sqlite-settings.js';
import { isSqliteError, storageErrorFromSqlite } from './sqlite-errors.js';
import { StorageError } from './storage-error.js';
import { StoreLock } from './store-lock.js';
import type { Timestamp } from './timestamp.js';
import { WriteBatch, type BatchCommitter, type CommitOptions, type CommitStats } from './write-batch.js';

export interface StoreOptions {
  /** Path of the SQLite database file; its directory is created if missing. */
  readonly path: string;
  readonly clusterId: string;
  readonly storeId: number;
  readonly logger?: Logger;
  /** SQLite page cache of the writer connection. Default 64 MiB. */
  readonly pageCacheBytes?: number;
  /** Store-wide budget of the raft entry cache. Default 64 MiB. */
  readonly entryCacheBytesMax?: number;
  /** WAL size that triggers a checkpoint. Default 10,000 pages (≈ 40 MiB). */
  readonly walAutocheckpointPages?: number;
  /** Quota on the database file; past it writes fail with SQLITE_FULL and fence the store. 0 = none. */
  readonly sizeBytesMax?: number;
  /** Limits checked on every mutation (the API edge enforces them first). Defaults 4 KiB / 1 MiB. */
  readonly keyBytesMax?: number;
  readonly valueBytesMax?: number;
  /** Limits of the range-local table's keys and values. Defaults 1 KiB / 64 KiB. */
  readonly localKeyBytesMax?: number;
  readonly localValueBytesMax?: number;
  /** Bound on a snapshot chunk's payload. Default 1 MiB. */
  readonly snapshotChunkBytesMax?: number;
  /** Open snapshot streams and installs at once, each. Default 4. */
  readonly snapshotStreamsMax?: number;
  /** Rows of one key a scan steps over before seeking. Default 2 (see MvccReader). */
  readonly scanSeekBound?: number;
  readonly scanLimitMax?: number;
  /** 'fsync' (default) or 'process' (survives process crashes only: simulation). See sqlite-settings.ts. */
  readonly durability?: 'fsync' | 'process';
  /**
   * Fault injection (the whole-cluster simulator): asked before each batch commit; true makes the
   * commit fail as a failed fsync at COMMIT would — nothing written, the store fenced.
   */
  readonly injectCommitFailure?: () => boolean;
  /** Wall clock for bookkeeping timestamps (identity, migrations). Default Date.now. */
  readonly nowMs?: () => number;
  /**
   * Called once when the store fences itself, whichever write failed: the owner must end the
   * process (crash-only) even if the failed write was not its main loop's — a fenced store that
   * lingers answers FENCED forever and nothing else notices.
   */
  readonly onFenced?: (err: StorageError) => void;
}

export interface StoreIdentity {
  readonly clusterId: string;
  readonly storeId: number;
}

export interface StoreStats {
  readonly commits: number;
  readonly entriesAppended: number;
  readonly mutationsApplied: number;
  readonly localMutationsApplied: number;
  readonly logRowsRead: number;
  readonly entryCacheBytes: number;
  readonly ranges: number;
  readonly fenced: boolean;
}

export interface GcResult {
  readonly versionsDeleted: number;
  readonly keysExamined: number;
  readonly resume: KeySpan | null;
}

type RangeRow = [
  rangeId: number,
  term: number,
  vote: number,
  commit: number,
  truncatedIndex: number,
  truncatedTerm: number,
  appliedIndex: number,
  appliedTerm: number,
  confState: string,
  spanStart: Buffer,
  spanEnd: Buffer,
  descriptor: Buffer,
  lastLogIndex: number | null,
];

/**
 * One store's storage: one SQLite database (WAL, synchronous=FULL — see sqlite-settings.ts) holding
 * the raft logs and state of all its ranges and the MVCC data they share.
 *
 * Single-threaded by construction (better-sqlite3 is synchronous): every write goes through
 * `batch().commit()`; reads (RangeLogStorage, `mvcc`) see exactly the committed batches. After an
 * I/O failure the store is fenced: it never writes again in this process, reads still work, and the
 * operator restarts the process (SQLite's rollback guarantees the failed batch left nothing behind).
 */
export class Store implements BatchCommitter, RangeLogSource, StagingWriter {
  readonly identity: StoreIdentity;
  readonly entryCache: EntryCache;
  readonly logReader: LogReader;
  /** MVCC reads: point gets and scans at a timestamp, locks, write records. */
  readonly mvcc: MvccReader;
  private readonly db: BetterSqlite3.Database;
  private readonly writer: BatchWriter;
  private readonly gcPlanner: MvccGcPlanner;
  private readonly localTable: RangeLocalTable;
  private readonly states = new Map<number, RangeState>();
  /** Range → the smallest replica id that may be created here again (see rangeTombstone). */
  private readonly tombstones = new Map<number, number>();
  private bootstrapped_ = false;
  private readonly storages = new Map<number, RangeLogStorage>();
  private readonly streams = new Set<SnapshotStream>();
  private readonly receivers = new Map<number, SnapshotReceiver>();
  private readonly logger: Logger | undefined;
  private readonly keyBytesMax: number;
  private readonly valueBytesMax: number;
  private readonly snapshotChunkBytesMax: number;
  private readonly snapshotStreamsMax: number;
  private nextInstallId = 1;
  private fenceError: StorageError | null = null;
  private readonly syncPragma: string;
  private readonly injectCommitFailure: (() => boolean) | undefined;
  private readonly onFenced: ((err: StorageError) => void) | undefined;
  private closed = false;
  private commits = 0;
  private entriesAppended = 0;
  private mutationsApplied = 0;
  private localMutationsApplied = 0;

  private constructor(
    readonly path: string,
    db: BetterSqlite3.Database,
    private readonly lock: StoreLock,
    identity: StoreIdentity,
    options: StoreOptions,
  ) {
    this.db = db;
    this.identity = identity;
    this.logger = options.logger?.child({ storeId: identity.storeId });
    this.syncPragma = options.durability === 'process' ? 'synchronous = OFF' : 'synchronous = FULL';
    this.injectCommitFailure = options.injectCommitFailure;
    this.onFenced = options.onFenced;
    this.keyBytesMax = options.keyBytesMax ?? 4096;
    this.valueBytesMax = options.valueBytesMax ?? 1 << 20;
    this.snapshotChunkBytesMax = options.snapshotChunkBytesMax ?? 1 << 20;
    this.snapshotStreamsMax = options.snapshotStreamsMax ?? 4;
    this.entryCache = new EntryCache(options.entryCacheBytesMax ?? 64 << 20);
    this.logReader = new LogReader(db);
    this.mvcc = new MvccReader(db, options.scanSeekBound ?? 2, options.scanLimitMax ?? 10_000);
    this.localTable = new RangeLocalTable(
      db,
      { keyBytesMax: options.localKeyBytesMax ?? 1024, valueBytesMax: options.localValueBytesMax ?? 64 << 10 },
      options.scanLimitMax ?? 10_000,
    );
    this.writer = new BatchWriter(db);
    this.gcPlanner = new MvccGcPlanner(db);
  }

  /**
   * Opens (creating if needed) the store's database: takes exclusive ownership of it for this
   * process (LOCKED if another live process has it; a lock left by a dead one is taken over — see
   * store-lock.ts), configures durability, runs migrations,
   * records the identity on first open and refuses a database of another store or cluster
   * (STORE_MISMATCH), discards staging rows of interrupted snapshot installs, and loads every
   * range's state.
   */
  static open(options: StoreOptions): Store {
    const { clusterId, storeId } = options;
    if (clusterId.length === 0) throw new StorageError('INVALID_ARGUMENT', 'clusterId must not be empty');
    if (!Number.isSafeInteger(storeId) || storeId <= 0) {
      throw new StorageError('INVALID_ARGUMENT', `storeId must be a positive safe integer, got ${storeId}`);
    }
    for (const [name, value] of [
      ['localKeyBytesMax', options.localKeyBytesMax],
      ['localValueBytesMax', options.localValueBytesMax],
    ] as const) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
        throw new StorageError('INVALID_ARGUMENT', `${name} must be a positive safe integer, got ${value}`);
      }
    }
    const nowMs = options.nowMs ?? Date.now;
    mkdirSync(dirname(options.path), { recursive: true });
    // Before SQLite touches the file: a database owned by another process is not even opened.
    const lock = StoreLock.acquire(options.path, options.logger);
    let db: BetterSqlite3.Database | undefined;
    try {
      db = new Database(options.path);
      configureWriter(db, {
        pageCacheBytes: options.pageCacheBytes ?? 64 << 20,
        walAutocheckpointPages: options.walAutocheckpointPages ?? 10_000,
        walSizeBytesLimit: 64 << 20,
        sizeBytesMax: options.sizeBytesMax ?? 0,
        durability: options.durability ?? 'fsync',
      });
      // Refuse another store's database before touching its schema.
      const existing = readIdentity(db);
      if (existing !== undefined) checkIdentity(existing, { clusterId, storeId });
      const ran = migrate(db, nowMs());
      if (existing === undefined) recordIdentity(db, { clusterId, storeId }, nowMs());
      db.exec(
        'DELETE FROM snapshot_staging_write; DELETE FROM snapshot_staging_lock; DELETE FROM snapshot_staging_local; DELETE FROM snapshot_staging;',
      );
      const store = new Store(options.path, db, lock, { clusterId, storeId }, options);
      store.loadRanges();
      store.loadTombstones();
      store.bootstrapped_ = db.prepare('SELECT 1 FROM store_bootstrap WHERE singleton = 1').get() !== undefined;
      store.logger?.info({ path: options.path, migrations: ran, ranges: store.states.size }, 'store opened');
      return store;
    } catch (e) {
      db?.close();
      lock.release();
      if (isSqliteError(e)) throw storageErrorFromSqlite(e, `opening store database ${options.path}`);
      throw e;
    }
  }

  /**
   * The range's tombstone: 0 when no replica of it was ever removed from this store, else the
   * smallest replica id it may come back as. A removed replica must never be recreated under its
   * old id (by a stale leader's snapshot, or by bootstrapping the static layout again): it could
   * vote or serve with an old configuration as if it had never been removed.
   */
  rangeTombstone(rangeId: number): number {
    return this.tombstones.get(rangeId) ?? 0;
  }

  /**
   * Whether this store has created its initial ranges (WriteBatch.markBootstrapped): after that, a
   * range absent here was removed from this store and is never created from the initial layout again.
   */
  get bootstrapped(): boolean {
    return this.bootstrapped_;
  }

  private loadTombstones(): void {
    for (const [rangeId, next] of this.db.prepare<[], [number, number]>('SELECT range_id, next_replica_id FROM range_tombstone').raw(true).all()) {
      this.tombstones.set(rangeId, next);
    }
  }

  private loadRanges(): void {
    const rows = this.db
      .prepare<[], RangeRow>(
        `SELECT h.range_id, h.term, h.vote, h.commit_index,
                l.truncated_index, l.truncated_term,
                a.applied_index, a.applied_term, a.conf_state, a.span_start, a.span_end, a.descriptor,
                (SELECT MAX(idx) FROM raft_log r WHERE r.range_id = h.range_id)
           FROM range_hard_state h
           JOIN range_log_state l ON l.range_id = h.range_id
           JOIN range_apply_state a ON a.range_id = h.range_id`,
      )
      .raw(true)
      .all();
    for (const row of rows) {
      const [rangeId, term, vote, commit, truncatedIndex, truncatedTerm] = row;
      const [, , , , , , appliedIndex, appliedTerm, conf, spanStart, spanEnd, descriptor, lastLog] = row;
      const what = `range ${rangeId}`;
      const lastIndex = Math.max(truncatedIndex, lastLog ?? 0);
      if (appliedIndex < truncatedIndex) {
        throw new StorageError('CORRUPTION', `${what}: applied index ${appliedIndex} below truncation ${truncatedIndex}`, { rangeId });
      }
      if (appliedIndex > lastIndex) {
        throw new StorageError('CORRUPTION', `${what}: applied index ${appliedIndex} beyond last index ${lastIndex}`, { rangeId });
      }
      this.states.set(rangeId, {
        rangeId,
        truncatedIndex,
        truncatedTerm,
        lastIndex,
        hardState: { term, vote: vote as NodeId, commit },
        appliedIndex,
        appliedTerm,
        confState: decodeConfState(conf, what),
        span: { start: spanStart, end: spanEnd },
        descriptor,
      });
    }
    const counts = this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM range_hard_state').get();
    if (counts?.n !== this.states.size) {
      throw new StorageError('CORRUPTION', 'range state rows are incomplete (hard, log and apply state must exist together)');
    }
  }

  // ---- ranges ----------------------------------------------------------------------------------

  /** Ids of the ranges that have a replica on this store. */
  rangeIds(): number[] {
    this.checkOpen();
    return [...this.states.keys()].sort((a, b) => a - b);
  }

  hasRange(rangeId: number): boolean {
    return this.states.has(rangeId);
  }

  /** The raft core's storage for a range (one instance per range). */
  rangeStorage(rangeId: number): RangeLogStorage {
    this.rangeState(rangeId);
    let s = this.storages.get(rangeId);
    if (s === undefined) {
      s = new RangeLogStorage(rangeId, this);
      this.storages.set(rangeId, s);
    }
    return s;
  }

  /**
   * Reads of the range's local replicated table (committed state only; see range-local-types.ts).
   * Writes go through `batch().apply(rangeId, applied, mutations, localMutations)`.
   */
  rangeLocal(rangeId: number): RangeLocalReader {
    this.rangeState(rangeId);
    return new RangeLocalReader(rangeId, this.localTable, (id) => this.rangeState(id));
  }

  rangeState(rangeId: number): RangeState {
    this.checkOpen();
    const s = this.states.get(rangeId);
    if (s === undefined) throw new StorageError('RANGE_NOT_FOUND', `range ${rangeId} has no replica on this store`, { rangeId });
    return s;
  }

  // ---- writes ----------------------------------------------------------------------------------

  batch(): WriteBatch {
    return new WriteBatch(this);
  }

  /** @internal Use `batch().commit()`. */
  commitBatch(batch: WriteBatch, options: CommitOptions = {}): CommitStats {
    this.checkWritable();
    if (batch.isEmpty) {
      return { entriesAppended: 0, mutationsApplied: 0, localMutationsApplied: 0, rangesTouched: 0, durableWrite: false };
    }
    const plan = planBatch(batch.ops, {
      states: this.states,
      entryCache: this.entryCache,
      logReader: this.logReader,
      keyBytesMax: this.keyBytesMax,
      valueBytesMax: this.valueBytesMax,
      localKeyBytesMax: this.localTable.limits.keyBytesMax,
      localValueBytesMax: this.localTable.limits.valueBytesMax,
      isLiveStaged: (staged) => this.isLiveStaged(staged),
    });
    if (this.injectCommitFailure?.() === true) {
      const err = new StorageError('IO_FAILED', 'committing a write batch: injected fsync failure');
      this.fence(err, {});
      throw err;
    }
    if (options.sync === false && this.syncPragma !== 'synchronous = OFF') {
      // See CommitOptions.sync: recomputable state only; durable with the next synced commit.
      this.db.pragma('synchronous = NORMAL');
      try {
        this.write('committing a write batch', () => this.writer.execute(plan.actions));
      } finally {
        if (this.fenceError === null && !this.closed) this.db.pragma(this.syncPragma);
      }
    } else {
      this.write('committing a write batch', () => this.writer.execute(plan.actions));
    }
    // Durable from here on: publish the new states, then the cache.
    for (const d of plan.drafts.values()) {
      if (d.state === null) {
        this.states.delete(d.rangeId);
        this.storages.delete(d.rangeId);
        this.entryCache.dropRange(d.rangeId);
        continue;
      }
      this.states.set(d.rangeId, d.state);
      if (d.cacheReset) this.entryCache.dropRange(d.rangeId);
      else if (d.cacheTruncateFrom !== Infinity) this.entryCache.truncateFrom(d.rangeId, d.cacheTruncateFrom);
      if (d.tail.length > 0) {
        this.entryCache.truncateFrom(d.rangeId, d.tailStart);
        this.entryCache.append(d.rangeId, d.tail);
      }
      this.entryCache.dropBelow(d.rangeId, d.state.truncatedIndex + 1);
    }
    for (const staged of plan.stagedInstalled) {
      this.receivers.delete(staged.installId);
    }
    for (const [rangeId, next] of plan.tombstones) this.tombstones.set(rangeId, Math.max(this.tombstones.get(rangeId) ?? 0, next));
    if (plan.marksBootstrapped) this.bootstrapped_ = true;
    this.commits++;
    this.entriesAppended += plan.entriesAppended;
    this.mutationsApplied += plan.mutationsApplied;
    this.localMutationsApplied += plan.localMutationsApplied;
    return {
      entriesAppended: plan.entriesAppended,
      mutationsApplied: plan.mutationsApplied,
      localMutationsApplied: plan.localMutationsApplied,
      rangesTouched: plan.drafts.size,
      durableWrite: true,
    };
  }

  /**
   * Deletes MVCC versions below `safePoint` in the span (see mvcc-gc.ts for exactly which), bounded
   * per call; commits its own batch. Call again with `resume` until it is null. Local to this
   * replica: GC below the safe point changes nothing any reader can see, so it is not replicated.
   */
  gcSpan(span: KeySpan, safePoint: Timestamp, limits: Partial<GcLimits> = {}): GcResult {
    this.checkWritable();
    if (!spanIsValid(span)) throw new StorageError('INVALID_ARGUMENT', 'gc of an empty or inverted span');
    const plan = this.gcPlanner.plan(span, safePoint, {
      keysMax: limits.keysMax ?? 1000,
      deletionsMax: limits.deletionsMax ?? 10_000,
    });
    if (plan.deletions.length > 0) this.batch().mvccLocal(plan.deletions).commit();
    return { versionsDeleted: plan.deletions.length, keysExamined: plan.keysExamined, resume: plan.resume };
  }

  // ---- snapshots -------------------------------------------------------------------------------

  /**
   * A consistent snapshot of the range at its current applied index, as bounded chunks. Open it in
   * the same loop turn as the decision to send it; iterate it at any pace (the store keeps
   * committing meanwhile); close it (or read it to the end) promptly.
   */
  openSnapshotStream(rangeId: number, options: { readonly chunkBytesMax?: number } = {}): SnapshotStream {
    this.rangeState(rangeId);
    if (this.streams.size >= this.snapshotStreamsMax) {
      throw new StorageError('BUSY', `${this.streams.size} snapshot streams already open (max ${this.snapshotStreamsMax})`);
    }
    const stream = new SnapshotStream(this.path, rangeId, options.chunkBytesMax ?? this.snapshotChunkBytesMax, (s) =>
      this.streams.delete(s),
    );
    this.streams.add(stream);
    return stream;
  }

  /**
   * Starts receiving a snapshot for a range that exists on this store (create it first for a new
   * replica). Feed it the remaining chunks, `finish()` it, then install the StagedSnapshot with
   * `batch().installSnapshot(...)`.
   */
  beginSnapshotInstall(rangeId: number, header: SnapshotHeader): SnapshotReceiver {
    this.checkWritable();
    this.rangeState(rangeId);
    SnapshotReceiver.validateHeader(rangeId, header);
    if (this.receivers.size >= this.snapshotStreamsMax) {
      throw new StorageError('BUSY', `${this.receivers.size} snapshot installs already open (max ${this.snapshotStreamsMax})`);
    }
    const installId = this.stageBegin(rangeId, header);
    const receiver = new SnapshotReceiver(rangeId, header, installId, this, this.localTable.limits);
    this.receivers.set(installId, receiver);
    return receiver;
  }

  /** @internal StagingWriter */
  stageBegin(rangeId: number, header: SnapshotHeader): number {
    const installId = this.nextInstallId++;
    this.write('staging a snapshot', () => this.writer.stageBegin(installId, rangeId, encodeSnapshotHeaderJson(header)));
    return installId;
  }

  /** @internal StagingWriter */
  stageWrites(installId: number, records: readonly KeyedWriteRecord[]): void {
    this.checkWritable();
    this.write('staging snapshot writes', () => {
      for (const { key, write } of records) {
        this.writer.stageWrite(
          installId,
          key,
          write.commitTs,
          writeKindCode(write.kind),
          write.startTs,
          write.kind === 'put' ? write.value : null,
        );
      }
    });
  }

  /** @internal StagingWriter */
  stageLocks(installId: number, locks: readonly KeyedLock[]): void {
    this.checkWritable();
    this.write('staging snapshot locks', () => {
      for (const l of locks) {
        this.writer.stageLock(installId, l.key, l.primaryKey, l.startTs, l.ttlMs, lockKindCode(l.kind), l.value);
      }
    });
  }

  /** @internal StagingWriter */
  stageLocal(installId: number, entries: readonly LocalEntry[]): void {
    this.checkWritable();
    this.write('staging snapshot local entries', () => {
      for (const e of entries) this.writer.stageLocal(installId, e.key, e.value);
    });
  }

  /** @internal StagingWriter */
  stageDiscard(installId: number): void {
    if (this.closed || this.fenceError !== null) return; // discarded at the next open
    this.write('discarding a staged snapshot', () => this.writer.discardStaged(installId));
  }

  /** @internal StagingWriter */
  releaseReceiver(installId: number): void {
    this.receivers.delete(installId);
  }

  private isLiveStaged(staged: StagedSnapshot): boolean {
    const r = this.receivers.get(staged.installId);
    return staged.owner === this && r !== undefined && !r.isAborted;
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** The error that fenced the store, or null. */
  get fenced(): StorageError | null {
    return this.fenceError;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  stats(): StoreStats {
    return {
      commits: this.commits,
      entriesAppended: this.entriesAppended,
      mutationsApplied: this.mutationsApplied,
      localMutationsApplied: this.localMutationsApplied,
      logRowsRead: this.logReader.rowsRead,
      entryCacheBytes: this.entryCache.sizeBytes,
      ranges: this.states.size,
      fenced: this.fenceError !== null,
    };
  }

  /**
   * Copies the WAL into the database file now (PASSIVE: never waits for readers). Automatic
   * checkpoints happen anyway; this is for an idle moment or before a backup.
   */
  checkpoint(): { walPages: number; checkpointedPages: number } {
    this.checkWritable();
    const rows = this.write('checkpointing', () => this.db.pragma('wal_checkpoint(PASSIVE)')) as Array<{
      busy: number;
      log: number;
      checkpointed: number;
    }>;
    const r = rows[0];
    invariant(r !== undefined, 'wal_checkpoint returned no row');
    return { walPages: r.log, checkpointedPages: r.checkpointed };
  }

  /**
   * Closes open snapshot streams and the database, then gives up ownership (the lock goes last, so
   * the next owner never overlaps this connection). Staged, uninstalled snapshots are discarded at
   * the next open.
   */
  close(): void {
    if (this.closed) return;
    for (const s of [...this.streams]) s.close();
    this.closed = true;
    this.receivers.clear();
    try {
      this.db.close();
    } finally {
      this.lock.release();
    }
    this.logger?.info('store closed');
  }

  private fence(err: StorageError, context: Record<string, unknown>): void {
    invariant(this.fenceError === null, 'a fenced store wrote again');
    this.fenceError = err;
    this.logger?.error({ err, ...context }, 'store fenced after a failed write');
    this.onFenced?.(err);
  }

  /**
   * Runs `fn` in one SQLite transaction. Any SQLite failure rolls the transaction back (nothing of
   * it is left) and fences the store: after SQLITE_FULL or an I/O error — including a failed fsync
   * at COMMIT, after which the kernel may have dropped the dirty pages — no later write can be
   * trusted to be durable, so nothing more is acknowledged from this process.
   */
  private write<T>(what: string, fn: () => T): T {
    this.checkWritable();
    try {
      return this.db.transaction(fn)();
    } catch (e) {
      if (!isSqliteError(e)) throw e;
      const err = storageErrorFromSqlite(e, what);
      this.fence(err, { sqliteCode: e.code });
      throw err;
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError('CLOSED', 'store is closed');
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.fenceError !== null) {
      throw new StorageError('FENCED', `store is fenced after an earlier failure: ${this.fenceError.message}`, {
        cause: this.fenceError,
      });
    }
  }
}

interface IdentityRow {
  cluster_id: string;
  store_id: number;
}

/** The recorded identity, or undefined for a new database (no identity table or row yet). */
function readIdentity(db: BetterSqlite3.Database): IdentityRow | undefined {
  const table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'store_identity'").get();
  if (table === undefined) return undefined;
  return db.prepare<[], IdentityRow>('SELECT cluster_id, store_id FROM store_identity WHERE singleton = 1').get();
}

function recordIdentity(db: BetterSqlite3.Database, want: StoreIdentity, nowMs: number): void {
  db.prepare('INSERT INTO store_identity (singleton, cluster_id, store_id, created_at_ms) VALUES (1, ?, ?, ?)').run(
    want.clusterId,
    want.storeId,
    nowMs,
  );
}

function checkIdentity(row: IdentityRow, want: StoreIdentity): void {
  if (row.cluster_id !== want.clusterId || row.store_id !== want.storeId) {
    throw new StorageError(
      'STORE_MISMATCH',
      `database belongs to store ${row.store_id} of cluster ${JSON.stringify(row.cluster_id)}, ` +
        `not store ${want.storeId} of cluster ${JSON.stringify(want.clusterId)}`,
    );
  }
}
