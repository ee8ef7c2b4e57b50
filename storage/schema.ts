import type BetterSqlite3 from 'better-sqlite3';
import { StorageError } from './storage-error.js';

/**
 * The schema, as an ordered list of migrations. A database records every migration it ran in
 * `schema_migrations` (and the latest version in `PRAGMA user_version`, for sqlite3 CLI users);
 * opening runs the missing ones, each in its own transaction, and refuses a database that ran a
 * migration this build does not know (SCHEMA_TOO_NEW) rather than guess at its layout.
 *
 * Layout decisions (v1):
 *
 * - Every table is STRICT: a key bound by mistake as TEXT would sort before every BLOB and silently
 *   break range scans; STRICT makes it an error instead.
 * - `raft_log` is WITHOUT ROWID, clustered by (range_id, idx): a range's log is one contiguous run
 *   of the B-tree, appends land on its right edge, and reads of [lo, hi) are one index walk.
 * - Per-range state is split by write frequency: the hard state changes on almost every Ready,
 *   the apply state on every applied batch, the log state (truncation point) only on truncation or snapshot install. Small
 *   rows keyed by INTEGER PRIMARY KEY (the rowid itself, so already clustered).
 * - `mvcc_write` holds every version (the Percolator "write" column family with values inlined):
 *   PRIMARY KEY (key, ts DESC) in a WITHOUT ROWID table, so the B-tree is ordered by key bytewise
 *   and, within a key, newest version first. See mvcc-reader.ts for how a scan at a timestamp walks
 *   it.
 * - `mvcc_lock` holds at most one Percolator lock per key, with the intended value inlined.
 * - `snapshot_staging*` receive an incoming snapshot before it is swapped in by one transaction;
 *   whatever is left there at open belonged to an interrupted install and is discarded.
 *
 * v2:
 *
 * - `range_local` is the range-local replicated table (range-local-types.ts): PRIMARY KEY
 *   (range_id, key) in a WITHOUT ROWID table, so one range's entries are one contiguous run in
 *   key order (a prefix scan, a range's deletion and its snapshot are each one index range walk).
 *   `snapshot_staging_local` receives it with the rest of a snapshot.
 */
interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'store identity, raft logs and range state, MVCC writes and locks, snapshot staging',
    sql: `
      CREATE TABLE store_identity (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        cluster_id TEXT NOT NULL,
        store_id INTEGER NOT NULL,
        created_at_ms INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE raft_log (
        range_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        term INTEGER NOT NULL,
        type INTEGER NOT NULL,
        data BLOB NOT NULL,
        checksum INTEGER NOT NULL,
        PRIMARY KEY (range_id, idx)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE range_hard_state (
        range_id INTEGER PRIMARY KEY,
        term INTEGER NOT NULL,
        vote INTEGER NOT NULL,
        commit_index INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE range_log_state (
        range_id INTEGER PRIMARY KEY,
        truncated_index INTEGER NOT NULL,
        truncated_term INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE range_apply_state (
        range_id INTEGER PRIMARY KEY,
        applied_index INTEGER NOT NULL,
        applied_term INTEGER NOT NULL,
        conf_state TEXT NOT NULL,
        span_start BLOB NOT NULL,
        span_end BLOB NOT NULL,
        descriptor BLOB NOT NULL
      ) STRICT;

      CREATE TABLE mvcc_write (
        key BLOB NOT NULL,
        ts INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        start_ts INTEGER NOT NULL,
        value BLOB,
        PRIMARY KEY (key, ts DESC)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE mvcc_lock (
        key BLOB PRIMARY KEY,
        primary_key BLOB NOT NULL,
        start_ts INTEGER NOT NULL,
        ttl_ms INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        value BLOB
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE snapshot_staging (
        install_id INTEGER PRIMARY KEY,
        range_id INTEGER NOT NULL,
        header TEXT NOT NULL
      ) STRICT;

      CREATE TABLE snapshot_staging_write (
        install_id INTEGER NOT NULL,
        key BLOB NOT NULL,
        ts INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        start_ts INTEGER NOT NULL,
        value BLOB,
        PRIMARY KEY (install_id, key, ts DESC)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE snapshot_staging_lock (
        install_id INTEGER NOT NULL,
        key BLOB NOT NULL,
        primary_key BLOB NOT NULL,
        start_ts INTEGER NOT NULL,
        ttl_ms INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        value BLOB,
        PRIMARY KEY (install_id, key)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: 'range-local replicated table and its snapshot staging',
    sql: `
      CREATE TABLE range_local (
        range_id INTEGER NOT NULL,
        key BLOB NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (range_id, key)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE snapshot_staging_local (
        install_id INTEGER NOT NULL,
        key BLOB NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (install_id, key)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    description: 'range tombstones: the replica ids a removed replica of this store may never come back as',
    sql: `
      CREATE TABLE range_tombstone (
        range_id INTEGER PRIMARY KEY,
        next_replica_id INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    description: 'bootstrap marker: a store creates its initial ranges once in its life',
    // Which existing databases have bootstrapped (a new one gets its identity after migrating, so
    // it is never marked here). One holding a range or a tombstone has. One created before schema 3
    // (migration 1 ran in an earlier open than 3) with no range may have been removed from all of
    // them by a build that kept no tombstones: it counts as bootstrapped, so that it can never come
    // back as a voter of the initial configuration with an empty log (its replicas return by
    // snapshot if it merely crashed before bootstrapping). One created at schema 3 with neither
    // never held a range — a removal there leaves a tombstone — and bootstraps at its next start.
    sql: `
      CREATE TABLE store_bootstrap (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        bootstrapped_at_ms INTEGER NOT NULL
      ) STRICT;
      INSERT INTO store_bootstrap (singleton, bootstrapped_at_ms)
        SELECT 1, created_at_ms FROM store_identity
        WHERE EXISTS (SELECT 1 FROM range_apply_state)
           OR EXISTS (SELECT 1 FROM range_tombstone)
           OR (SELECT applied_at_ms FROM schema_migrations WHERE version = 1) < (SELECT applied_at_ms FROM schema_migrations WHERE version = 3);
    `,
  },
];

export const schemaVersionLatest = migrations[migrations.length - 1]!.version;

/**
 * Brings the schema up to date. Returns the versions it ran (empty when already current).
 * `versionMax` stops early, so tests can build a database as an older build left it.
 */
export function migrate(db: BetterSqlite3.Database, nowMs: number, versionMax: number = schemaVersionLatest): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at_ms INTEGER NOT NULL
  ) STRICT`);
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  if (current > schemaVersionLatest) {
    throw new StorageError(
      'SCHEMA_TOO_NEW',
      `database schema version ${current} is newer than this build knows (${schemaVersionLatest})`,
    );
  }
  const ran: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, description, applied_at_ms) VALUES (?, ?, ?)');
  for (const m of migrations) {
    if (m.version <= current || m.version > versionMax) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.description, nowMs);
      db.pragma(`user_version = ${m.version}`);
    })();
    ran.push(m.version);
  }
  return ran;
}
