import { LimitedStatement } from './limited-statement.js';
import type BetterSqlite3 from 'better-sqlite3';
import { invariant } from '../raft/assert.js';
import { spanIsUnbounded, type KeySpan } from './key-span.js';
import {
  lockKindFromCode,
  writeKindDeleteCode,
  writeKindFromCode,
  writeKindPutCode,
  type KeyedLock,
  type KvPair,
  type Lock,
  type WriteRecord,
} from './mvcc-types.js';
import { StorageError } from './storage-error.js';
import type { Timestamp } from './timestamp.js';

/**
 * Reads of the MVCC data: point gets and scans at a timestamp, locks, write records.
 *
 * ## Key encoding and why a scan is one index walk
 *
 * `mvcc_write` is a WITHOUT ROWID table with PRIMARY KEY (key, ts DESC): its B-tree *is* the
 * ordered map (key bytewise ascending, then commit timestamp descending) → (kind, startTs, value).
 * No separate encoding is needed because SQLite compares BLOBs with memcmp (shorter first on a
 * common prefix) — exactly the bytewise key order — and compares the INTEGER ts numerically, with
 * DESC flipping it. All of a key's versions are adjacent, newest first; "empty end = +∞" is a
 * statement without the upper bound.
 *
 * A forward scan of [start, end) at readTs walks that order once:
 *   - rows of a key with ts > readTs (too new) and lock/rollback records are passed over;
 *   - the first put/delete with ts ≤ readTs is the key's visible version (a delete hides the key);
 *   - the key's older versions are passed over.
 * Passing over is one B-tree `next` each, cheap while a key has few versions. For a key with many,
 * the walk would read all of them, so after `seekBound` rows of one key it gives up on the walk:
 * it seeks straight to the visible version (`key = ? AND ts <= ? ORDER BY ts DESC LIMIT 1`, one
 * B-tree descent) and then restarts the walk strictly after the key (another descent) — the
 * "next a few times, then seek" rule of RocksDB-based MVCC stores. A scan therefore costs
 * O(keys × min(versions, seekBound)) row steps plus O(log n) seeks, never O(all versions).
 * bench/storage-bench.ts measures it against the naive walk on keys with many versions.
 *
 * A reverse scan walks the same B-tree backwards — (key DESC, ts ASC) — so a key's versions come
 * oldest first: the visible version is the last put/delete with ts ≤ readTs before the first row
 * with ts > readTs; the same seek bound applies.
 */
const putCode = BigInt(writeKindPutCode);
const deleteCode = BigInt(writeKindDeleteCode);

type WalkRow = [key: Buffer, ts: bigint, kind: bigint, value: Buffer | null];
type PointRow = [ts: bigint, kind: bigint, value: Buffer | null];
type WriteRow = [ts: bigint, kind: bigint, startTs: bigint, value: Buffer | null];
type LockRow = [key: Buffer, primaryKey: Buffer, startTs: bigint, ttlMs: bigint, kind: bigint, value: Buffer | null];

export interface ScanOptions {
  readonly span: KeySpan;
  readonly readTs: Timestamp;
  /** Maximum number of pairs returned; ≥ 1 and ≤ the store's scanLimitMax. */
  readonly limit: number;
  /** Descending key order, starting from the end of the span. */
  readonly reverse?: boolean;
  /** Stop once the pairs' keys and values reach this many bytes (the pair that crosses it is kept: a page is never empty). */
  readonly bytesMax?: number;
}

/** Whether a page is full, by count or bytes; counts only pairs added since it last looked. */
function pageFull(out: readonly KvPair[], limit: number, bytesMax: number): () => boolean {
  let counted = 0;
  let bytes = 0;
  return () => {
    for (; counted < out.length; counted++) {
      const p = out[counted]!;
      bytes += p.key.length + p.value.length;
    }
    return out.length >= limit || bytes >= bytesMax;
  };
}

export class MvccReader {
  private readonly walkFwdFrom: BetterSqlite3.Statement<unknown[], WalkRow>;
  private readonly walkFwdFromUnbounded: BetterSqlite3.Statement<unknown[], WalkRow>;
  private readonly walkFwdAfter: BetterSqlite3.Statement<unknown[], WalkRow>;
  private readonly walkFwdAfterUnbounded: BetterSqlite3.Statement<unknown[], WalkRow>;
  private readonly walkRevBounded: BetterSqlite3.Statement<unknown[], WalkRow>;
  private readonly walkRevUnbounded: BetterSqlite3.Statement<unknown[], WalkRow>;
  private readonly pointVisible: BetterSqlite3.Statement<unknown[], PointRow>;
  private readonly writesOfKey: LimitedStatement<WriteRow>;
  private readonly selectWriteByStartTs: BetterSqlite3.Statement<unknown[], WriteRow>;
  private readonly lockOfKey: BetterSqlite3.Statement<unknown[], LockRow>;
  private readonly locksBounded: LimitedStatement<LockRow>;
  private readonly locksUnbounded: LimitedStatement<LockRow>;
  /** Row steps and seeks taken by scans, for tests and the benchmark. */
  rowsStepped = 0;
  seeks = 0;

  constructor(
    db: BetterSqlite3.Database,
    /**
     * Rows of one key walked over before seeking instead (≥ 1). Small, unlike RocksDB's 8: there a
     * `next` is far cheaper than a seek, but a row stepped through better-sqlite3 materializes
     * Buffers and bigints in JS and costs about as much as a fresh B-tree descent. Measured on 100k
     * rows: 2 is fastest for keys with 10 and 50 versions and costs nothing for keys with ≤ 3.
     */
    readonly seekBound = 2,
    readonly scanLimitMax = 10_000,
  ) {
    invariant(Number.isSafeInteger(seekBound) && seekBound >= 1, 'seekBound must be ≥ 1');
    const p = (sql: string): BetterSqlite3.Statement<unknown[], never> =>
      db.prepare<unknown[], never>(sql).raw(true).safeIntegers(true);
    const cols = 'SELECT key, ts, kind, value FROM mvcc_write';
    this.walkFwdFrom = p(`${cols} WHERE key >= ? AND key < ? ORDER BY key ASC, ts DESC`);
    this.walkFwdFromUnbounded = p(`${cols} WHERE key >= ? ORDER BY key ASC, ts DESC`);
    this.walkFwdAfter = p(`${cols} WHERE key > ? AND key < ? ORDER BY key ASC, ts DESC`);
    this.walkFwdAfterUnbounded = p(`${cols} WHERE key > ? ORDER BY key ASC, ts DESC`);
    this.walkRevBounded = p(`${cols} WHERE key >= ? AND key < ? ORDER BY key DESC, ts ASC`);
    this.walkRevUnbounded = p(`${cols} WHERE key >= ? ORDER BY key DESC, ts ASC`);
    this.pointVisible = p(
      `SELECT ts, kind, value FROM mvcc_write WHERE key = ? AND ts <= ? AND kind IN (${writeKindPutCode}, ${writeKindDeleteCode})
         ORDER BY ts DESC LIMIT 1`,
    );
    this.writesOfKey = new LimitedStatement(p, 'SELECT ts, kind, start_ts, value FROM mvcc_write WHERE key = ? AND ts <= ? ORDER BY ts DESC LIMIT ?');
    this.selectWriteByStartTs = p(
      'SELECT ts, kind, start_ts, value FROM mvcc_write WHERE key = ? AND ts >= ? AND start_ts = ? ORDER BY ts DESC LIMIT 1',
    );
    const lockCols = 'SELECT key, primary_key, start_ts, ttl_ms, kind, value FROM mvcc_lock';
    this.lockOfKey = p(`${lockCols} WHERE key = ?`);
    this.locksBounded = new LimitedStatement(p, `${lockCols} WHERE key >= ? AND key < ? ORDER BY key LIMIT ?`);
    this.locksUnbounded = new LimitedStatement(p, `${lockCols} WHERE key >= ? ORDER BY key LIMIT ?`);
  }

  /** The value visible at readTs, or null when the key has none (never written, or deleted). */
  get(key: Uint8Array, readTs: Timestamp): KvPair | null {
    const row = this.pointVisible.get(key, readTs);
    if (row === undefined) return null;
    const [ts, kind, value] = row;
    if (kind !== putCode) return null;
    return { key, value: valueOf(value, key), commitTs: ts as Timestamp };
  }

  /** Visible pairs in the span at readTs, in key order (descending with `reverse`), at most `limit`. */
  scan(opts: ScanOptions): KvPair[] {
    this.checkLimit(opts.limit);
    return opts.reverse === true ? this.scanReverse(opts) : this.scanForward(opts);
  }

  private scanForward({ span, readTs, limit, bytesMax }: ScanOptions): KvPair[] {
    const out: KvPair[] = [];
    const full = pageFull(out, limit, bytesMax ?? Infinity);
    const unbounded = spanIsUnbounded(span);
    let lower: Uint8Array = span.start;
    let lowerInclusive = true;
    for (;;) {
      const stmt = lowerInclusive
        ? unbounded
          ? this.walkFwdFromUnbounded
          : this.walkFwdFrom
        : unbounded
          ? this.walkFwdAfterUnbounded
          : this.walkFwdAfter;
      this.seeks++;
      const rows = unbounded ? stmt.iterate(lower) : stmt.iterate(lower, span.end);
      let curKey: Buffer | null = null;
      let resolved = false;
      let stepped = 0;
      let reseekAfter: Buffer | null = null;
      for (const [key, ts, kind, value] of rows) {
        this.rowsStepped++;
        if (curKey === null || !curKey.equals(key)) {
          curKey = key;
          resolved = false;
          stepped = 0;
        }
        if (resolved) {
          if (++stepped > this.seekBound) {
            reseekAfter = curKey;
            break;
          }
          continue;
        }
        if (ts > readTs || (kind !== putCode && kind !== deleteCode)) {
          if (++stepped > this.seekBound) {
            // Many versions newer than readTs (or many rollback records): seek to the visible one.
            const pair = this.get(curKey, readTs);
            if (pair !== null) out.push(pair);
            reseekAfter = curKey;
            break;
          }
          continue;
        }
        resolved = true;
        stepped = 0;
        if (kind === putCode) {
          out.push({ key, value: valueOf(value, key), commitTs: ts as Timestamp });
          if (full()) return out;
        }
      }
      if (reseekAfter === null || full()) return out;
      lower = reseekAfter;
      lowerInclusive = false;
    }
  }

  private scanReverse({ span, readTs, limit, bytesMax }: ScanOptions): KvPair[] {
    const out: KvPair[] = [];
    const full = pageFull(out, limit, bytesMax ?? Infinity);
    let upper: Uint8Array | null = spanIsUnbounded(span) ? null : span.end;
    for (;;) {
      this.seeks++;
      const rows = upper === null ? this.walkRevUnbounded.iterate(span.start) : this.walkRevBounded.iterate(span.start, upper);
      let curKey: Buffer | null = null;
      // Newest put/delete ≤ readTs seen so far for curKey (rows come oldest first).
      let candTs = 0n;
      let candKind = 0n;
      let candValue: Buffer | null = null;
      let candidate = false;
      let final = false;
      let stepped = 0;
      let reseekBelow: Buffer | null = null;
      const emit = (key: Buffer): boolean => {
        if (candidate && candKind === putCode) {
          out.push({ key, value: valueOf(candValue, key), commitTs: candTs as Timestamp });
        }
        return full();
      };
      for (const [key, ts, kind, value] of rows) {
        this.rowsStepped++;
        if (curKey === null || !curKey.equals(key)) {
          if (curKey !== null && emit(curKey)) return out;
          curKey = key;
          candidate = false;
          final = false;
          stepped = 0;
        }
        if (++stepped > this.seekBound) {
          if (final) {
            if (emit(curKey)) return out;
          } else {
            const pair = this.get(curKey, readTs);
            if (pair !== null) out.push(pair);
            if (full()) return out;
          }
          reseekBelow = curKey;
          curKey = null;
          break;
        }
        if (final) continue;
        if (ts > readTs) {
          final = true;
        } else if (kind === putCode || kind === deleteCode) {
          candidate = true;
          candTs = ts;
          candKind = kind;
          candValue = value;
        }
      }
      if (reseekBelow === null) {
        if (curKey !== null) emit(curKey);
        return out;
      }
      upper = reseekBelow;
    }
  }

  /** Write records of `key` with commitTs ≤ maxCommitTs, newest first, any kind (including rollback/lock). */
  writeRecords(key: Uint8Array, maxCommitTs: Timestamp, limit: number): WriteRecord[] {
    this.checkLimit(limit);
    return this.writesOfKey.all([key, maxCommitTs], limit).map((row) => toWriteRecord(row, key));
  }

  /**
   * The write record of the transaction that started at startTs on `key` — its commit, or its
   * rollback — or null when the transaction left none there (still locked, or never got here).
   */
  writeByStartTs(key: Uint8Array, startTs: Timestamp): WriteRecord | null {
    const row = this.selectWriteByStartTs.get(key, startTs, startTs);
    return row === undefined ? null : toWriteRecord(row, key);
  }

  lock(key: Uint8Array): Lock | null {
    const row = this.lockOfKey.get(key);
    return row === undefined ? null : toLock(row);
  }

  locks(span: KeySpan, limit: number): KeyedLock[] {
    this.checkLimit(limit);
    const rows = spanIsUnbounded(span)
      ? this.locksUnbounded.all([span.start], limit)
      : this.locksBounded.all([span.start, span.end], limit);
    return rows.map(toLock);
  }

  private checkLimit(limit: number): void {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > this.scanLimitMax) {
      throw new StorageError('INVALID_ARGUMENT', `limit must be in [1, ${this.scanLimitMax}], got ${limit}`);
    }
  }
}

function valueOf(value: Buffer | null, key: Uint8Array): Buffer {
  if (value === null) {
    throw new StorageError('CORRUPTION', `MVCC put record of key ${Buffer.from(key).toString('hex')} has no value`);
  }
  return value;
}

export function toWriteRecord(row: WriteRow, key: Uint8Array): WriteRecord {
  const [tsRaw, kindRaw, startRaw, value] = row;
  const commitTs = tsRaw as Timestamp;
  const startTs = startRaw as Timestamp;
  const kind = writeKindFromCode(Number(kindRaw));
  switch (kind) {
    case 'put':
      return { kind, commitTs, startTs, value: valueOf(value, key) };
    case 'delete':
    case 'lock':
    case 'rollback':
      return { kind, commitTs, startTs };
    case undefined:
      throw new StorageError('CORRUPTION', `MVCC write record of kind ${kindRaw}`);
  }
}

export function toLock(row: LockRow): KeyedLock {
  const [key, primaryKey, startTs, ttlMs, kindRaw, value] = row;
  const kind = lockKindFromCode(Number(kindRaw));
  if (kind === undefined) throw new StorageError('CORRUPTION', `MVCC lock of kind ${kindRaw}`);
  return { key, primaryKey, startTs: startTs as Timestamp, ttlMs: Number(ttlMs), kind, value };
}
