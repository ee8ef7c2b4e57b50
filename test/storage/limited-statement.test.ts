import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LimitedStatement } from '../../storage/limited-statement.js';

describe('LimitedStatement (literal LIMIT per distinct value)', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
  for (let i = 0; i < 50; i++) insert.run(i, `v${i}`);
  const prepared: string[] = [];
  const prepare = (sql: string) => {
    prepared.push(sql);
    return db.prepare<unknown[], [number, string]>(sql).raw(true);
  };

  it('answers like the bound-LIMIT statement, for cached limits and past the cache', () => {
    const q = new LimitedStatement(prepare, 'SELECT k, v FROM t WHERE k >= ? ORDER BY k LIMIT ?', 3);
    const reference = db.prepare<unknown[], [number, string]>('SELECT k, v FROM t WHERE k >= ? ORDER BY k LIMIT ?').raw(true);
    for (const limit of [0, 1, 2, 5, 7, 2, 40, 100]) {
      for (const from of [0, 10, 48]) expect(q.all([from], limit)).toEqual(reference.all(from, limit));
    }
    // The bound statement, then one literal statement per distinct limit up to the cap (0, 1, 2).
    expect(prepared).toEqual([
      'SELECT k, v FROM t WHERE k >= ? ORDER BY k LIMIT ?',
      'SELECT k, v FROM t WHERE k >= ? ORDER BY k LIMIT 0',
      'SELECT k, v FROM t WHERE k >= ? ORDER BY k LIMIT 1',
      'SELECT k, v FROM t WHERE k >= ? ORDER BY k LIMIT 2',
    ]);
  });

  it('refuses a limit that is not a non-negative integer, and SQL without a final LIMIT ?', () => {
    const q = new LimitedStatement(prepare, 'SELECT k FROM t LIMIT ?');
    expect(() => q.all([], 1.5)).toThrow(/limit/);
    expect(() => q.all([], -1)).toThrow(/limit/);
    expect(() => new LimitedStatement(prepare, 'SELECT k FROM t LIMIT ? OFFSET 1')).toThrow(/LIMIT/);
  });
});
