import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { mvcc, type MvccMutation } from '../storage/mvcc-types.js';
import { Store } from '../storage/store.js';
import { timestamp } from '../storage/timestamp.js';
import { payload100 } from './storage-bench-log.js';

/**
 * MVCC inserts, random keys vs appends, into (key, ts) tables under different layouts and
 * settings; and scans over keys with many versions, naive walk vs the seek-bounded walk of
 * storage/mvcc-reader.ts.
 *
 * Why random keys hurt: with synchronous=FULL a commit writes every page it dirtied to the WAL, and
 * a checkpoint later writes it again to the database file. Appends dirty the same few right-edge
 * pages; 1,000 random keys dirty up to 1,000 different 4 KiB leaves — ~30x write amplification
 * for 140-byte rows. What helps: a page cache that holds the tree (no re-reads), a checkpoint
 * window long enough that a page dirtied by many commits is written back once, and bigger
 * transactions (group commit) so several rows share a dirty page. The layout matters too:
 * clustered (WITHOUT ROWID, the value in the leaf) is best for appends and scans; a rowid table
 * plus a narrow (key, ts) index dirties fewer pages per random row (the index rows are small,
 * values go to the appended rowid table) at the price of a second lookup per row read.
 */
export type Layout = 'clustered' | 'rowid';

export interface InsertSetup {
  readonly layout: Layout;
  readonly cacheMiB: number;
  readonly autocheckpointPages: number;
}
export interface InsertResult {
  readonly rows: number;
  readonly rowsPerSec: number;
  readonly dbSizeBytes: number;
}

type KeyGen = (i: number) => Buffer;

export const appendKeys: KeyGen = (i) => Buffer.from(`k${String(i).padStart(12, '0')}`);
export function randomKeys(): KeyGen {
  return () => randomBytes(13);
}

function openTable(path: string, setup: InsertSetup): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`cache_size = ${-setup.cacheMiB * 1024}`);
  db.pragma(`wal_autocheckpoint = ${setup.autocheckpointPages}`);
  if (setup.layout === 'clustered') {
    db.exec(`CREATE TABLE mvcc_write (key BLOB NOT NULL, ts INTEGER NOT NULL, kind INTEGER NOT NULL, start_ts INTEGER NOT NULL,
      value BLOB, PRIMARY KEY (key, ts DESC)) STRICT, WITHOUT ROWID`);
  } else {
    db.exec(`CREATE TABLE mvcc_write (id INTEGER PRIMARY KEY, key BLOB NOT NULL, ts INTEGER NOT NULL, kind INTEGER NOT NULL,
      start_ts INTEGER NOT NULL, value BLOB);
      CREATE UNIQUE INDEX mvcc_write_key_ts ON mvcc_write (key, ts DESC);`);
  }
  return db;
}

/** Inserts rows in transactions of `rowsPerTxn` until `rowsMax` rows or `durationMs` elapsed. */
export function rawInsert(
  dir: string,
  name: string,
  setup: InsertSetup,
  keys: KeyGen,
  rowsMax: number,
  rowsPerTxn: number,
  durationMs: number,
): InsertResult {
  const path = join(dir, `${name}.db`);
  const db = openTable(path, setup);
  const insert = db.prepare('INSERT INTO mvcc_write (key, ts, kind, start_ts, value) VALUES (?, ?, 1, ?, ?)');
  const t0 = process.hrtime.bigint();
  let rows = 0;
  let elapsedMs = 0;
  while (rows < rowsMax) {
    db.transaction(() => {
      for (let j = 0; j < rowsPerTxn; j++, rows++) {
        const ts = BigInt(rows + 1);
        insert.run(keys(rows), ts, ts, payload100);
      }
    })();
    elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (elapsedMs >= durationMs) break;
  }
  const pageCount = db.pragma('page_count', { simple: true }) as number;
  db.close();
  return { rows, rowsPerSec: (rows * 1000) / elapsedMs, dbSizeBytes: pageCount * 4096 };
}

/** The same random-key inserts through the Store's write batches (tuned schema + our path). */
export function storeInsert(dir: string, name: string, keys: KeyGen, rowsMax: number, rowsPerTxn: number, durationMs: number): InsertResult {
  const store = Store.open({ path: join(dir, `${name}.db`), clusterId: 'bench', storeId: 1 });
  const t0 = process.hrtime.bigint();
  let rows = 0;
  let elapsedMs = 0;
  while (rows < rowsMax) {
    const muts: MvccMutation[] = [];
    for (let j = 0; j < rowsPerTxn; j++, rows++) muts.push(mvcc.put(keys(rows), timestamp(BigInt(rows + 1)), payload100));
    store.batch().mvccLocal(muts).commit();
    elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (elapsedMs >= durationMs) break;
  }
  store.close();
  return { rows, rowsPerSec: (rows * 1000) / elapsedMs, dbSizeBytes: 0 };
}

export interface ScanResult {
  readonly name: string;
  readonly keys: number;
  readonly msNaive: number;
  readonly rowsNaive: number;
  readonly msSeek: number;
  readonly rowsSeek: number;
}

/**
 * `keys` keys with `versions` versions each; a scan of all keys at `readTs`. Naive: one walk over
 * every row, keeping the first visible version per key (what a plain
 * `ORDER BY key, ts DESC` reader does). Ours: MvccReader.scan.
 */
export function scanBench(dir: string, keys: number, versions: number): ScanResult[] {
  const path = join(dir, 'scan.db');
  const store = Store.open({ path, clusterId: 'bench', storeId: 1 });
  for (let v = 1; v <= versions; v++) {
    const muts: MvccMutation[] = [];
    for (let k = 0; k < keys; k++) muts.push(mvcc.put(appendKeys(k), timestamp(BigInt(v)), payload100));
    store.batch().mvccLocal(muts).commit();
  }
  const raw = new Database(path, { readonly: true });
  const walk = raw.prepare('SELECT key, ts, kind, value FROM mvcc_write WHERE key >= ? ORDER BY key ASC, ts DESC').raw(true).safeIntegers(true);
  const span = { start: Buffer.alloc(0), end: Buffer.alloc(0) };
  const out: ScanResult[] = [];
  for (const [name, readTs] of [
    ['newest', BigInt(versions)],
    ['middle', BigInt(Math.ceil(versions / 2))],
  ] as const) {
    const repeat = 3;
    let t0 = process.hrtime.bigint();
    let rowsNaive = 0;
    let found = 0;
    for (let r = 0; r < repeat; r++) {
      let last: Buffer | null = null;
      for (const row of walk.iterate(Buffer.alloc(0)) as Iterable<[Buffer, bigint, bigint, Buffer]>) {
        rowsNaive++;
        const [key, ts] = row;
        if (ts > readTs || (last !== null && last.equals(key))) continue;
        last = key;
        found++;
      }
    }
    const msNaive = Number(process.hrtime.bigint() - t0) / 1e6 / repeat;
    const stepsBefore = store.mvcc.rowsStepped;
    t0 = process.hrtime.bigint();
    let seekFound = 0;
    for (let r = 0; r < repeat; r++) seekFound += store.mvcc.scan({ span, readTs: timestamp(readTs), limit: keys }).length;
    const msSeek = Number(process.hrtime.bigint() - t0) / 1e6 / repeat;
    if (seekFound !== found || found !== keys * repeat) throw new Error(`scan bench: found ${seekFound} vs ${found}`);
    out.push({ name, keys, msNaive, rowsNaive: rowsNaive / repeat, msSeek, rowsSeek: (store.mvcc.rowsStepped - stepsBefore) / repeat });
  }
  raw.close();
  store.close();
  return out;
}
