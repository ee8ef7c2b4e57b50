/**
 * `npm run bench:storage`: storage throughput against raw better-sqlite3, in one run.
 *
 * 1. Raft log appends (100-byte entries + one hard state per contributing group per batch), our
 *    WriteBatch path vs raw better-sqlite3 doing the same rows on the same schema, one
 *    transaction (= one WAL fsync under synchronous=FULL) per batch, with 1, 100 and 10,000
 *    groups contributing. Target: ≥ 70% of raw rows/s at batches of ≥ 100 entries.
 * 2. Apply: committed entries applied as one 100-byte MVCC put each, with the applied index, in
 *    batches; ours vs raw.
 * 3. MVCC inserts: random keys vs appends into an untuned and a tuned (key, ts) table.
 * 4. Scans over keys with many versions: naive walk vs seek-bounded walk.
 *
 * Prints a table per part and ends with exactly one `RESULT <json>` line. Bounded: each
 * measurement runs for a fixed time; everything lives in a temp dir that is removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendKeys, randomKeys, rawInsert, scanBench, storeInsert, type InsertResult } from './storage-bench-mvcc.js';
import { measurePair, prefillLog, prepareDb, rawAppend, rawApply, storeAppend, storeApply, type LogConfig, type Rate } from './storage-bench-log.js';

const quick = process.argv.includes('--quick');
/** Per side and configuration, split into `rounds` alternating slices. */
const durationMs = quick ? 600 : 3000;
const rounds = quick ? 2 : 4;
const gc = (globalThis as { gc?: () => void }).gc;
const dir = mkdtempSync(join(tmpdir(), 'rangekv-storage-bench-'));

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const padEnd = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function table(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  console.log(`\n${title}`);
  console.log(header.map((h, i) => (i === 0 ? padEnd(h, widths[i]!) : pad(h, widths[i]!))).join('  '));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? padEnd(c, widths[i]!) : pad(c, widths[i]!))).join('  '));
}

interface Pair {
  readonly cfg: LogConfig;
  readonly raw: Rate;
  readonly ours: Rate;
  readonly ratio: number;
}

function compare(kind: 'append' | 'apply', cfg: LogConfig, prefill: number): Pair {
  const rawPath = prepareDb(dir, `${kind}-raw-${cfg.name}`, cfg.groups);
  const oursPath = prepareDb(dir, `${kind}-ours-${cfg.name}`, cfg.groups);
  if (kind === 'apply') {
    prefillLog(rawPath, cfg.groups, prefill);
    prefillLog(oursPath, cfg.groups, prefill);
  }
  gc?.();
  const [raw, ours] = measurePair(
    kind === 'append' ? rawAppend(rawPath, cfg) : rawApply(rawPath, cfg, prefill),
    kind === 'append' ? storeAppend(oursPath, cfg) : storeApply(oursPath, cfg, prefill),
    durationMs,
    rounds,
  );
  return { cfg, raw, ours, ratio: ours.rowsPerSec / raw.rowsPerSec };
}

function logRows(pairs: readonly Pair[], what: string): string[][] {
  return pairs.map((p) => [
    p.cfg.name,
    fmt(p.cfg.groups * p.cfg.entriesPerGroup),
    fmt(p.raw.rowsPerSec),
    fmt(p.ours.rowsPerSec),
    `${fmt(p.ratio * 100)}%`,
    fmt(p.raw.commitsPerSec),
    fmt(p.ours.commitsPerSec),
    fmt(p.ours.msPerCommit, 2),
    what,
  ]);
}

const started = Date.now();
try {
  console.log(`rangekv storage benchmark — WAL, synchronous=FULL, ${quick ? 'quick' : `${durationMs} ms per measurement`}, temp dir ${dir}`);

  const appendConfigs: LogConfig[] = [
    { name: '1 group x 1 entry', groups: 1, entriesPerGroup: 1 },
    { name: '1 group x 100 entries', groups: 1, entriesPerGroup: 100 },
    { name: '100 groups x 1 entry', groups: 100, entriesPerGroup: 1 },
    { name: '100 groups x 10 entries', groups: 100, entriesPerGroup: 10 },
    { name: '10,000 groups x 1 entry', groups: 10_000, entriesPerGroup: 1 },
  ];
  const appends = appendConfigs.map((cfg) => compare('append', cfg, 0));
  table(
    'Raft log appends: 100-byte entries + a hard state per group, one transaction (one fsync) per batch',
    ['batch', 'entries/batch', 'raw rows/s', 'ours rows/s', 'ours/raw', 'raw fsync/s', 'ours fsync/s', 'ms/commit', ''],
    logRows(appends, ''),
  );

  const applyConfigs: LogConfig[] = [
    { name: '1 group x 100 entries', groups: 1, entriesPerGroup: 100 },
    { name: '100 groups x 10 entries', groups: 100, entriesPerGroup: 10 },
  ];
  const applyPrefill = quick ? 4_000 : 15_000;
  const applies = applyConfigs.map((cfg) => compare('apply', cfg, cfg.groups === 1 ? applyPrefill * 10 : applyPrefill));
  table(
    'Apply: each entry one 100-byte MVCC put, recorded with the applied index in the same transaction',
    ['batch', 'entries/batch', 'raw puts/s', 'ours puts/s', 'ours/raw', 'raw fsync/s', 'ours fsync/s', 'ms/commit', ''],
    logRows(applies, ''),
  );

  const rowsMax = quick ? 60_000 : 300_000;
  const insertMs = quick ? 1000 : 4000;
  const defaults = { cacheMiB: 2, autocheckpointPages: 1000 } as const; // SQLite's defaults
  const ours = { cacheMiB: 64, autocheckpointPages: 10_000 } as const; // what Store.open sets
  const insertCases: Array<[string, string, () => InsertResult]> = [
    ['clustered (WITHOUT ROWID), SQLite defaults', 'append', () => rawInsert(dir, 'c-def-a', { layout: 'clustered', ...defaults }, appendKeys, rowsMax, 1000, insertMs)],
    ['clustered (WITHOUT ROWID), SQLite defaults', 'random', () => rawInsert(dir, 'c-def-r', { layout: 'clustered', ...defaults }, randomKeys(), rowsMax, 1000, insertMs)],
    ['clustered, 64 MiB cache only', 'random', () => rawInsert(dir, 'c-cache-r', { layout: 'clustered', cacheMiB: 64, autocheckpointPages: 1000 }, randomKeys(), rowsMax, 1000, insertMs)],
    ['clustered, 64 MiB cache + 10k-page checkpoints (ours)', 'append', () => rawInsert(dir, 'c-ours-a', { layout: 'clustered', ...ours }, appendKeys, rowsMax, 1000, insertMs)],
    ['clustered, 64 MiB cache + 10k-page checkpoints (ours)', 'random', () => rawInsert(dir, 'c-ours-r', { layout: 'clustered', ...ours }, randomKeys(), rowsMax, 1000, insertMs)],
    ['  same, 10,000 rows per transaction', 'random', () => rawInsert(dir, 'c-ours-r10k', { layout: 'clustered', ...ours }, randomKeys(), rowsMax, 10_000, insertMs)],
    ['  same, through Store write batches', 'random', () => storeInsert(dir, 'store-r', randomKeys(), rowsMax, 1000, insertMs)],
    ['rowid table + (key, ts) index, SQLite defaults', 'append', () => rawInsert(dir, 'r-def-a', { layout: 'rowid', ...defaults }, appendKeys, rowsMax, 1000, insertMs)],
    ['rowid table + (key, ts) index, SQLite defaults', 'random', () => rawInsert(dir, 'r-def-r', { layout: 'rowid', ...defaults }, randomKeys(), rowsMax, 1000, insertMs)],
    ['rowid table + (key, ts) index, ours settings', 'random', () => rawInsert(dir, 'r-ours-r', { layout: 'rowid', ...ours }, randomKeys(), rowsMax, 1000, insertMs)],
  ];
  const inserts = insertCases.map(([name, keys, run]) => {
    gc?.();
    return { name, keys, result: run() };
  });
  table(
    `MVCC inserts into a (key, ts) table, 1,000 rows per transaction unless noted, up to ${fmt(rowsMax)} rows or ${insertMs / 1000} s`,
    ['table and settings', 'keys', 'rows', 'rows/s', 'db MiB'],
    inserts.map(({ name, keys, result }) => [
      name,
      keys,
      fmt(result.rows),
      fmt(result.rowsPerSec),
      result.dbSizeBytes === 0 ? '' : fmt(result.dbSizeBytes / 2 ** 20, 1),
    ]),
  );

  gc?.();
  const scanKeys = quick ? 1000 : 2000;
  const scanVersions = quick ? 20 : 50;
  const scans = scanBench(dir, scanKeys, scanVersions);
  table(
    `Scan of ${fmt(scanKeys)} keys with ${scanVersions} versions each at a timestamp`,
    ['read at', 'naive rows stepped', 'naive ms', 'ours rows stepped', 'ours ms', 'speed-up'],
    scans.map((s) => [s.name, fmt(s.rowsNaive), fmt(s.msNaive, 1), fmt(s.rowsSeek), fmt(s.msSeek, 1), `${fmt(s.msNaive / s.msSeek, 1)}x`]),
  );

  const atLeast100 = appends.filter((p) => p.cfg.groups * p.cfg.entriesPerGroup >= 100);
  const minRatio = Math.min(...atLeast100.map((p) => p.ratio));
  console.log(
    `\nTarget: ours ≥ 70% of raw rows/s at batches ≥ 100 entries — worst ${fmt(minRatio * 100)}%: ${minRatio >= 0.7 ? 'met' : 'NOT met'}` +
      ` (${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  const r = (x: number): number => Math.round(x);
  const result = {
    appends: appends.map((p) => ({
      config: p.cfg.name,
      entriesPerBatch: p.cfg.groups * p.cfg.entriesPerGroup,
      rawRowsPerSec: r(p.raw.rowsPerSec),
      oursRowsPerSec: r(p.ours.rowsPerSec),
      ratio: Number(p.ratio.toFixed(3)),
      rawFsyncsPerSec: r(p.raw.commitsPerSec),
      oursFsyncsPerSec: r(p.ours.commitsPerSec),
    })),
    applies: applies.map((p) => ({
      config: p.cfg.name,
      rawPutsPerSec: r(p.raw.rowsPerSec),
      oursPutsPerSec: r(p.ours.rowsPerSec),
      ratio: Number(p.ratio.toFixed(3)),
      oursFsyncsPerSec: r(p.ours.commitsPerSec),
    })),
    mvccInserts: inserts.map(({ name, keys, result }) => ({ table: name.trim(), keys, rowsPerSec: r(result.rowsPerSec) })),
    scans: scans.map((s) => ({ readAt: s.name, naiveMs: Number(s.msNaive.toFixed(2)), oursMs: Number(s.msSeek.toFixed(2)), naiveRows: r(s.rowsNaive), oursRows: r(s.rowsSeek) })),
    minRatioAtLeast100Entries: Number(minRatio.toFixed(3)),
    targetMet: minRatio >= 0.7,
    elapsedSec: r((Date.now() - started) / 1000),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
