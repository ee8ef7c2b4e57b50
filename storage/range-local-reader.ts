import type BetterSqlite3 from 'better-sqlite3';
import { LimitedStatement } from './limited-statement.js';
import { compareKeys } from './key-span.js';
import { prefixEnd, type LocalEntry, type LocalScanOptions } from './range-local-types.js';
import { StorageError } from './storage-error.js';

type EntryRow = [key: Buffer, value: Buffer];
type ValueRow = [value: Buffer];

export interface LocalLimits {
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
}

/**
 * Reads of the range-local tables of all ranges (one statement set for the store). The table is
 * `range_local (range_id, key) → value`, WITHOUT ROWID, so a range's entries are one contiguous
 * run of the B-tree in key order and a prefix scan is one index range walk.
 *
 * Reads go through the store's writer connection outside any transaction, so they see exactly the
 * committed batches — nothing of a batch that is being built. The node keeps its own overlay for
 * writes pending in its current batch.
 */
export class RangeLocalTable {
  private readonly getStmt: BetterSqlite3.Statement<unknown[], ValueRow>;
  private readonly scanFromBounded: LimitedStatement<EntryRow>;
  private readonly scanFromUnbounded: LimitedStatement<EntryRow>;
  private readonly scanAfterBounded: LimitedStatement<EntryRow>;
  private readonly scanAfterUnbounded: LimitedStatement<EntryRow>;

  constructor(
    db: BetterSqlite3.Database,
    readonly limits: LocalLimits,
    readonly scanLimitMax: number,
  ) {
    const p = (sql: string): BetterSqlite3.Statement<unknown[], never> => db.prepare<unknown[], never>(sql).raw(true);
    const cols = 'SELECT key, value FROM range_local WHERE range_id = ?';
    this.getStmt = p('SELECT value FROM range_local WHERE range_id = ? AND key = ?');
    this.scanFromBounded = new LimitedStatement(p, `${cols} AND key >= ? AND key < ? ORDER BY key LIMIT ?`);
    this.scanFromUnbounded = new LimitedStatement(p, `${cols} AND key >= ? ORDER BY key LIMIT ?`);
    this.scanAfterBounded = new LimitedStatement(p, `${cols} AND key > ? AND key < ? ORDER BY key LIMIT ?`);
    this.scanAfterUnbounded = new LimitedStatement(p, `${cols} AND key > ? ORDER BY key LIMIT ?`);
  }

  get(rangeId: number, key: Uint8Array): Buffer | null {
    this.checkKey(rangeId, key, 'key');
    const row = this.getStmt.get(rangeId, key);
    return row === undefined ? null : row[0];
  }

  scan(rangeId: number, opts: LocalScanOptions): LocalEntry[] {
    const { prefix, limit, after } = opts;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > this.scanLimitMax) {
      throw new StorageError('INVALID_ARGUMENT', `limit must be in [1, ${this.scanLimitMax}], got ${limit}`, { rangeId });
    }
    this.checkKey(rangeId, prefix, 'prefix');
    if (after !== undefined) this.checkKey(rangeId, after, 'resume key');
    const end = prefixEnd(prefix);
    // Resuming after a key below the prefix is the same as starting at the prefix.
    const resume = after !== undefined && compareKeys(after, prefix) >= 0 ? after : undefined;
    if (resume !== undefined && end !== null && compareKeys(resume, end) >= 0) return [];
    const rows =
      resume === undefined
        ? end === null
          ? this.scanFromUnbounded.all([rangeId, prefix], limit)
          : this.scanFromBounded.all([rangeId, prefix, end], limit)
        : end === null
          ? this.scanAfterUnbounded.all([rangeId, resume], limit)
          : this.scanAfterBounded.all([rangeId, resume, end], limit);
    return rows.map(([key, value]) => ({ key, value }));
  }

  private checkKey(rangeId: number, key: Uint8Array, what: string): void {
    if (key.byteLength > this.limits.keyBytesMax) {
      throw new StorageError('INVALID_ARGUMENT', `range-local ${what} of ${key.byteLength} bytes exceeds ${this.limits.keyBytesMax}`, {
        rangeId,
      });
    }
  }
}

/**
 * One range's local table, as handed out by `Store.rangeLocal(rangeId)`. Every read checks that
 * the range still has a replica here (RANGE_NOT_FOUND otherwise), so a reader kept across the
 * range's deletion fails loudly instead of reading an empty table.
 */
export class RangeLocalReader {
  constructor(
    readonly rangeId: number,
    private readonly table: RangeLocalTable,
    private readonly checkRange: (rangeId: number) => void,
  ) {}

  /** The committed value of `key`, or null. */
  get(key: Uint8Array): Buffer | null {
    this.checkRange(this.rangeId);
    return this.table.get(this.rangeId, key);
  }

  /** Committed entries whose key starts with `prefix`, in key order, at most `limit`. */
  scan(opts: LocalScanOptions): LocalEntry[] {
    this.checkRange(this.rangeId);
    return this.table.scan(this.rangeId, opts);
  }
}
