import type BetterSqlite3 from 'better-sqlite3';
import { entrySizeBytes, type Entry, type LogIndex } from '../raft/types.js';
import { entryChecksum, entryTypeFromCode } from './entry-checksum.js';
import { StorageError } from './storage-error.js';

type LogRow = [idx: number, term: number, type: number, data: Buffer, checksum: number];

/**
 * Reads raft log entries from SQLite, verifying each row's checksum and that rows are contiguous.
 * A mismatch is reported as CORRUPTION naming range and index; a corrupted entry is never returned.
 */
export class LogReader {
  private readonly selectRange: BetterSqlite3.Statement<[number, number, number], LogRow>;
  private readonly selectOne: BetterSqlite3.Statement<[number, number], LogRow>;
  /** Rows read from SQLite (cache misses), for tests and metrics. */
  rowsRead = 0;

  constructor(db: BetterSqlite3.Database) {
    this.selectRange = db
      .prepare<[number, number, number], LogRow>(
        'SELECT idx, term, type, data, checksum FROM raft_log WHERE range_id = ? AND idx >= ? AND idx < ? ORDER BY idx',
      )
      .raw(true);
    this.selectOne = db
      .prepare<[number, number], LogRow>('SELECT idx, term, type, data, checksum FROM raft_log WHERE range_id = ? AND idx = ?')
      .raw(true);
  }

  /**
   * Appends entries [lo, hi) to `out`, stopping once the running size would exceed `maxSizeBytes`
   * (after at least one entry overall, counting what `out` already holds via `sizeBytes`). Returns
   * the new running size, or -1 when it stopped early because of the size limit.
   */
  readInto(rangeId: number, lo: LogIndex, hi: LogIndex, maxSizeBytes: number, out: Entry[], sizeBytes: number): number {
    let expected = lo;
    let size = sizeBytes;
    for (const row of this.selectRange.iterate(rangeId, lo, hi)) {
      const e = verifyRow(rangeId, expected, row);
      this.rowsRead++;
      size += entrySizeBytes(e);
      if (out.length > 0 && size > maxSizeBytes) return -1;
      out.push(e);
      expected++;
    }
    if (expected !== hi) {
      throw new StorageError('CORRUPTION', `raft log of range ${rangeId} is missing entry ${expected}`, {
        rangeId,
        index: expected,
      });
    }
    return size;
  }

  /** The entry at `index`, which must exist (the caller checked the bounds). */
  readOne(rangeId: number, index: LogIndex): Entry {
    const row = this.selectOne.get(rangeId, index);
    if (row === undefined) {
      throw new StorageError('CORRUPTION', `raft log of range ${rangeId} is missing entry ${index}`, { rangeId, index });
    }
    this.rowsRead++;
    return verifyRow(rangeId, index, row);
  }
}

function verifyRow(rangeId: number, expectedIndex: LogIndex, row: LogRow): Entry {
  const [idx, term, typeCode, data, checksum] = row;
  if (idx !== expectedIndex) {
    throw new StorageError('CORRUPTION', `raft log of range ${rangeId} is missing entry ${expectedIndex} (found ${idx})`, {
      rangeId,
      index: expectedIndex,
    });
  }
  const type = entryTypeFromCode(typeCode);
  if (type === undefined || entryChecksum(rangeId, idx, term, typeCode, data) !== checksum) {
    throw new StorageError('CORRUPTION', `raft log entry of range ${rangeId} at index ${idx} fails its checksum`, {
      rangeId,
      index: idx,
    });
  }
  return { index: idx, term, type, data };
}
