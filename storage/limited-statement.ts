import type BetterSqlite3 from 'better-sqlite3';
import { invariant } from '../raft/assert.js';

/**
 * A query whose `LIMIT ?` is written into the SQL as a literal, one prepared statement per distinct
 * limit. SQLite (as better-sqlite3 builds it) runs a statement with a bound LIMIT several µs slower
 * per call than the same statement with a literal one — measured 8–10 µs on 2-row results, more
 * than the rest of the query — and hot paths call these once per write. Callers use few distinct
 * limits; past `cachedLimitsMax` of them the bound-parameter statement serves the rest.
 */
export class LimitedStatement<Row> {
  private readonly byLimit = new Map<number, BetterSqlite3.Statement<unknown[], Row>>();
  private readonly bound: BetterSqlite3.Statement<unknown[], Row>;

  constructor(
    private readonly prepare: (sql: string) => BetterSqlite3.Statement<unknown[], Row>,
    /** SQL ending in `LIMIT ?` (the only place a `LIMIT ?` may appear). */
    private readonly sql: string,
    private readonly cachedLimitsMax = 16,
  ) {
    invariant(sql.endsWith('LIMIT ?') && sql.indexOf('LIMIT ?') === sql.length - 'LIMIT ?'.length, 'SQL must end in its only LIMIT ?');
    this.bound = prepare(sql);
  }

  all(args: readonly unknown[], limit: number): Row[] {
    // Checked here too (callers validate first): the limit is written into SQL text.
    if (!Number.isSafeInteger(limit) || limit < 0) invariant(false, `limit must be a non-negative integer, got ${limit}`);
    let stmt = this.byLimit.get(limit);
    if (stmt === undefined && this.byLimit.size < this.cachedLimitsMax) {
      stmt = this.prepare(`${this.sql.slice(0, -1)}${limit}`);
      this.byLimit.set(limit, stmt);
    }
    return stmt === undefined ? this.bound.all(...args, limit) : stmt.all(...args);
  }
}
