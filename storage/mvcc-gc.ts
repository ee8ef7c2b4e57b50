import type BetterSqlite3 from 'better-sqlite3';
import { invariant } from '../raft/assert.js';
import { spanIsUnbounded, type KeySpan } from './key-span.js';
import { mvcc, writeKindDeleteCode, writeKindPutCode, type MvccMutation } from './mvcc-types.js';
import type { Timestamp } from './timestamp.js';

type GcRow = [key: Buffer, ts: bigint, kind: bigint];

export interface GcLimits {
  /** Keys examined per call. */
  readonly keysMax: number;
  /** Write records deleted per call (one transaction). */
  readonly deletionsMax: number;
}

export interface GcPlan {
  readonly deletions: MvccMutation[];
  /** Where the next call should continue, or null when the span is done. */
  readonly resume: KeySpan | null;
  readonly keysExamined: number;
}

const putCode = BigInt(writeKindPutCode);
const deleteCode = BigInt(writeKindDeleteCode);

/**
 * Plans garbage collection of MVCC versions below a safe point. Every reader reads at ts ≥
 * safePoint, so for each key only its newest put/delete at or below the safe point (the "base")
 * can still be seen: everything older goes, lock and rollback records at or below the safe point
 * go (no transaction that started below the safe point is still running), and a base that is a
 * tombstone goes too — but only in the same transaction as every older version of its key, or an
 * older put would become visible again. When a call stops inside a key because of `deletionsMax`,
 * the tombstone is kept for the next call.
 *
 * The walk filters `ts <= safePoint` inside SQLite, so newer versions are skipped without being
 * materialized in JS.
 */
export class MvccGcPlanner {
  private readonly walkBounded: BetterSqlite3.Statement<unknown[], GcRow>;
  private readonly walkUnbounded: BetterSqlite3.Statement<unknown[], GcRow>;

  constructor(db: BetterSqlite3.Database) {
    const cols = 'SELECT key, ts, kind FROM mvcc_write';
    this.walkBounded = db
      .prepare<unknown[], GcRow>(`${cols} WHERE key >= ? AND key < ? AND ts <= ? ORDER BY key ASC, ts DESC`)
      .raw(true)
      .safeIntegers(true);
    this.walkUnbounded = db
      .prepare<unknown[], GcRow>(`${cols} WHERE key >= ? AND ts <= ? ORDER BY key ASC, ts DESC`)
      .raw(true)
      .safeIntegers(true);
  }

  plan(span: KeySpan, safePoint: Timestamp, limits: GcLimits): GcPlan {
    invariant(limits.keysMax >= 1 && limits.deletionsMax >= 1, 'gc limits must be ≥ 1');
    const rows = spanIsUnbounded(span)
      ? this.walkUnbounded.iterate(span.start, safePoint)
      : this.walkBounded.iterate(span.start, span.end, safePoint);
    const deletions: MvccMutation[] = [];
    let curKey: Buffer | null = null;
    let baseFound = false;
    let tombstone: MvccMutation | null = null;
    let keys = 0;
    const finishKey = (): void => {
      if (tombstone !== null) deletions.push(tombstone);
      tombstone = null;
    };
    for (const [key, ts, kind] of rows) {
      if (curKey === null || !curKey.equals(key)) {
        finishKey();
        if (keys >= limits.keysMax || deletions.length >= limits.deletionsMax) {
          return { deletions, resume: { start: key, end: span.end }, keysExamined: keys };
        }
        curKey = key;
        keys++;
        baseFound = false;
      } else if (deletions.length >= limits.deletionsMax) {
        // Stop inside the key: its tombstone (if any) stays until the rest of it is deleted.
        return { deletions, resume: { start: curKey, end: span.end }, keysExamined: keys };
      }
      const tsStamp = ts as Timestamp;
      if (baseFound) {
        deletions.push(mvcc.deleteWrite(key, tsStamp));
      } else if (kind === putCode) {
        baseFound = true;
      } else if (kind === deleteCode) {
        baseFound = true;
        tombstone = mvcc.deleteWrite(key, tsStamp);
      } else {
        deletions.push(mvcc.deleteWrite(key, tsStamp));
      }
    }
    finishKey();
    return { deletions, resume: null, keysExamined: keys };
  }
}
