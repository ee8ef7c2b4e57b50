import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { invariant } from '../raft/assert.js';
import { decodeConfState } from './conf-state-codec.js';
import { spanIsUnbounded } from './key-span.js';
import { toLock, toWriteRecord } from './mvcc-reader.js';
import type { KeyedLock, KeyedWriteRecord } from './mvcc-types.js';
import type { LocalEntry } from './range-local-types.js';
import type { SnapshotChunk, SnapshotHeader } from './snapshot-types.js';
import { configureReader } from './sqlite-settings.js';
import { StorageError } from './storage-error.js';

type WriteRow = [key: Buffer, ts: bigint, kind: bigint, startTs: bigint, value: Buffer | null];
type LockRow = [key: Buffer, primaryKey: Buffer, startTs: bigint, ttlMs: bigint, kind: bigint, value: Buffer | null];
type LocalRow = [key: Buffer, value: Buffer];
type ApplyRow = [appliedIndex: number, appliedTerm: number, confState: string, spanStart: Buffer, spanEnd: Buffer, descriptor: Buffer];

/** Bytes a record is charged for against the chunk bound: its variable parts plus fixed fields. */
const recordOverheadBytes = 32;

/**
 * A consistent snapshot of one range, read as bounded chunks while the store keeps committing.
 *
 * better-sqlite3 is synchronous and the store has one writer connection, so a read transaction on
 * that connection would see the writer's own later commits. The stream therefore opens its own
 * read-only connection and a read transaction on it: in WAL mode that transaction reads the
 * database as of its first SELECT (the range's apply-state row, which becomes the header) for as
 * long as it stays open, whatever the writer commits meanwhile. The header's applied index and the
 * data are therefore exactly consistent, and rows are pulled from a live SQLite cursor one chunk
 * at a time, so the range is never held in memory.
 *
 * Cost: while open, the stream pins the WAL (checkpoints cannot move past its read mark) — close
 * it promptly; `Store.close()` closes any left open, and the store bounds how many exist.
 */
export class SnapshotStream implements IterableIterator<SnapshotChunk> {
  readonly header: SnapshotHeader;
  private readonly db: BetterSqlite3.Database;
  private phase: 'header' | 'writes' | 'locks' | 'local' | 'end' | 'done' = 'header';
  private writes: Iterator<WriteRow> | undefined;
  private locks: Iterator<LockRow> | undefined;
  private locals: Iterator<LocalRow> | undefined;
  private pendingWrite: WriteRow | undefined;
  private pendingLock: LockRow | undefined;
  private pendingLocal: LocalRow | undefined;
  private writeCount = 0;
  private lockCount = 0;
  private localCount = 0;
  private closed = false;

  constructor(
    path: string,
    readonly rangeId: number,
    readonly chunkBytesMax: number,
    private readonly onClose: (stream: SnapshotStream) => void,
  ) {
    invariant(chunkBytesMax >= 1, 'chunkBytesMax must be ≥ 1');
    this.db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      configureReader(this.db);
      this.db.exec('BEGIN');
      const row = this.db
        .prepare<[number], ApplyRow>(
          `SELECT applied_index, applied_term, conf_state, span_start, span_end, descriptor
             FROM range_apply_state WHERE range_id = ?`,
        )
        .raw(true)
        .get(rangeId);
      if (row === undefined) throw new StorageError('RANGE_NOT_FOUND', `range ${rangeId} has no replica on this store`, { rangeId });
      const [appliedIndex, appliedTerm, confState, spanStart, spanEnd, descriptor] = row;
      this.header = {
        rangeId,
        appliedIndex,
        appliedTerm,
        confState: decodeConfState(confState, `range ${rangeId}`),
        span: { start: spanStart, end: spanEnd },
        descriptor,
      };
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  [Symbol.iterator](): IterableIterator<SnapshotChunk> {
    return this;
  }

  next(): IteratorResult<SnapshotChunk, undefined> {
    const chunk = this.nextChunk();
    return chunk === null ? { done: true, value: undefined } : { done: false, value: chunk };
  }

  return(): IteratorResult<SnapshotChunk, undefined> {
    this.close();
    return { done: true, value: undefined };
  }

  /** The next chunk, or null once the end chunk was returned (the stream is then closed). */
  nextChunk(): SnapshotChunk | null {
    if (this.closed) {
      invariant(this.phase === 'done', 'snapshot stream read after close');
      return null;
    }
    switch (this.phase) {
      case 'header':
        this.phase = 'writes';
        return { kind: 'header', header: this.header };
      case 'writes': {
        const records = this.nextWrites();
        if (records.length > 0) return { kind: 'writes', records };
        this.phase = 'locks';
        return this.nextChunk();
      }
      case 'locks': {
        const locks = this.nextLocks();
        if (locks.length > 0) return { kind: 'locks', locks };
        this.phase = 'local';
        return this.nextChunk();
      }
      case 'local': {
        const entries = this.nextLocal();
        if (entries.length > 0) return { kind: 'local', entries };
        this.phase = 'end';
        return this.nextChunk();
      }
      case 'end':
        this.phase = 'done';
        this.close();
        return { kind: 'end', writeCount: this.writeCount, lockCount: this.lockCount, localCount: this.localCount };
      case 'done':
        return null;
    }
  }

  /** Ends the read transaction and closes the connection. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.phase !== 'done') this.phase = 'done';
    try {
      this.writes?.return?.();
      this.locks?.return?.();
      this.locals?.return?.();
      if (this.db.inTransaction) this.db.exec('COMMIT');
    } finally {
      this.db.close();
      this.onClose(this);
    }
  }

  private nextWrites(): KeyedWriteRecord[] {
    if (this.writes === undefined) {
      const { span } = this.header;
      const cols = 'SELECT key, ts, kind, start_ts, value FROM mvcc_write';
      const stmt = this.db
        .prepare<unknown[], WriteRow>(
          spanIsUnbounded(span)
            ? `${cols} WHERE key >= ? ORDER BY key ASC, ts DESC`
            : `${cols} WHERE key >= ? AND key < ? ORDER BY key ASC, ts DESC`,
        )
        .raw(true)
        .safeIntegers(true);
      this.writes = spanIsUnbounded(span) ? stmt.iterate(span.start) : stmt.iterate(span.start, span.end);
    }
    const out: KeyedWriteRecord[] = [];
    let sizeBytes = 0;
    for (;;) {
      const row = this.pendingWrite ?? this.pull(this.writes);
      this.pendingWrite = undefined;
      if (row === undefined) break;
      const [key, ts, kind, startTs, value] = row;
      const rowBytes = key.length + (value?.length ?? 0) + recordOverheadBytes;
      if (out.length > 0 && sizeBytes + rowBytes > this.chunkBytesMax) {
        this.pendingWrite = row;
        break;
      }
      sizeBytes += rowBytes;
      out.push({ key, write: toWriteRecord([ts, kind, startTs, value], key) });
    }
    this.writeCount += out.length;
    return out;
  }

  private nextLocks(): KeyedLock[] {
    if (this.locks === undefined) {
      const { span } = this.header;
      const cols = 'SELECT key, primary_key, start_ts, ttl_ms, kind, value FROM mvcc_lock';
      const stmt = this.db
        .prepare<unknown[], LockRow>(
          spanIsUnbounded(span) ? `${cols} WHERE key >= ? ORDER BY key` : `${cols} WHERE key >= ? AND key < ? ORDER BY key`,
        )
        .raw(true)
        .safeIntegers(true);
      this.locks = spanIsUnbounded(span) ? stmt.iterate(span.start) : stmt.iterate(span.start, span.end);
    }
    const out: KeyedLock[] = [];
    let sizeBytes = 0;
    for (;;) {
      const row = this.pendingLock ?? this.pull(this.locks);
      this.pendingLock = undefined;
      if (row === undefined) break;
      const [key, primaryKey, , , , value] = row;
      const rowBytes = key.length + primaryKey.length + (value?.length ?? 0) + recordOverheadBytes;
      if (out.length > 0 && sizeBytes + rowBytes > this.chunkBytesMax) {
        this.pendingLock = row;
        break;
      }
      sizeBytes += rowBytes;
      out.push(toLock(row));
    }
    this.lockCount += out.length;
    return out;
  }

  /** The range's local table: keyed by range id, not by span, so a split or merge moves none of it. */
  private nextLocal(): LocalEntry[] {
    this.locals ??= this.db
      .prepare<[number], LocalRow>('SELECT key, value FROM range_local WHERE range_id = ? ORDER BY key')
      .raw(true)
      .iterate(this.rangeId);
    const out: LocalEntry[] = [];
    let sizeBytes = 0;
    for (;;) {
      const row = this.pendingLocal ?? this.pull(this.locals);
      this.pendingLocal = undefined;
      if (row === undefined) break;
      const [key, value] = row;
      const rowBytes = key.length + value.length + recordOverheadBytes;
      if (out.length > 0 && sizeBytes + rowBytes > this.chunkBytesMax) {
        this.pendingLocal = row;
        break;
      }
      sizeBytes += rowBytes;
      out.push({ key, value });
    }
    this.localCount += out.length;
    return out;
  }

  private pull<T>(it: Iterator<T>): T | undefined {
    const r = it.next();
    return r.done === true ? undefined : r.value;
  }
}
