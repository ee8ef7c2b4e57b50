import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRaftStorageError } from '../../raft/storage.js';
import type { Entry } from '../../raft/types.js';
import { Store } from '../../storage/store.js';
import { timestamp, timestampMax } from '../../storage/timestamp.js';
import { counterKey, crashRangeIds, entryData, entryEffect, localMutations, Prng, rangeSpan, type Ack } from './crash-workload.js';

/**
 * The crash test's parent: runs the child (crash-child.ts) against one database, kill -9s it at a
 * random moment, reopens the database and checks it against everything the child acknowledged:
 *
 * - every acknowledged batch is present: hard state term and commit, applied index and last index
 *   are at least what was acked; every acked entry at or below an acked commit index has exactly
 *   the acked term and content; an acked entry above it may only have been overwritten by a
 *   higher term (raft's uncommitted suffix);
 * - the applied state equals a replay of the log: entries applied since the last check are read
 *   back (checksum-verified by the store), checked to carry the content their (range, index,
 *   term) prescribes, and replayed into a model; the store's MVCC data must then equal the model,
 *   read at the newest timestamp and at a random older one, the range-local table must equal the
 *   model's exactly (it is written with the applied index), and the per-range apply counter must
 *   equal the applied index (an entry applied twice or not at all would break it).
 *
 * Every reopen also goes through the store lock (store-lock.ts): a child killed after opening leaves
 * its lock file naming a dead PID, which the reopen must take over; the clean close after the check
 * must remove it again.
 *
 * Then the next child continues from whatever survived. Seeded: the workload and kill schedule
 * follow from the seed (the exact kill instants depend on timing, so a failure prints the seed
 * and cycle to rerun around).
 */
export interface CrashRunOptions {
  readonly kills: number;
  readonly seed: number;
  /** Path of the compiled crash-child.js. */
  readonly childScript: string;
  readonly log?: (line: string) => void;
  /** Upper bound of the random delay between the child's first ack and the kill. */
  readonly killDelayMsMax?: number;
  /** Per-cycle watchdog. */
  readonly cycleTimeoutMs?: number;
  /**
   * Independent databases killed concurrently (each with its own child, model and seed
   * seed + lane); the kills are split between them. A child spends most of its short life
   * starting Node, so two lanes roughly halve the wall time on two cores.
   */
  readonly lanes?: number;
}

export interface CrashRunSummary {
  readonly kills: number;
  readonly killsBeforeReady: number;
  readonly batchesAcked: number;
  readonly entriesApplied: number;
  /** Reopens that found a dead child's lock file and took it over. */
  readonly staleLocksTakenOver: number;
  readonly elapsedMs: number;
}

export class CrashCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CrashCheckError';
  }
}

interface RangeModel {
  /** Applied index verified by replay so far. */
  verifiedApplied: number;
  counter: number;
  /** key (utf8) → versions [ts, value | null (tombstone)], ascending ts. */
  versions: Map<string, Array<[number, string | null]>>;
  /** The range-local table as of verifiedApplied: key (utf8) → value (utf8). */
  local: Map<string, string>;
  /**
   * index → latest acked term, for indexes above verifiedApplied, and whether the same ack also
   * committed it (then the term is final; otherwise a later, higher term may replace it).
   */
  ackedTerms: Map<number, { term: number; committed: boolean }>;
  maxHsTerm: number;
  maxCommit: number;
  maxApplied: number;
  maxLast: number;
}

export async function runCrashTest(opts: CrashRunOptions): Promise<CrashRunSummary> {
  const startedMs = Date.now();
  const lanes = Math.max(1, Math.min(opts.lanes ?? 1, opts.kills));
  const results = await Promise.all(
    Array.from({ length: lanes }, (_, lane) =>
      runLane({
        ...opts,
        seed: opts.seed + lane,
        kills: Math.floor(opts.kills / lanes) + (lane < opts.kills % lanes ? 1 : 0),
        log: (line) => opts.log?.(lanes > 1 ? `[lane ${lane}] ${line}` : line),
      }),
    ),
  );
  return {
    kills: results.reduce((n, r) => n + r.kills, 0),
    killsBeforeReady: results.reduce((n, r) => n + r.killsBeforeReady, 0),
    batchesAcked: results.reduce((n, r) => n + r.batchesAcked, 0),
    entriesApplied: results.reduce((n, r) => n + r.entriesApplied, 0),
    staleLocksTakenOver: results.reduce((n, r) => n + r.staleLocksTakenOver, 0),
    elapsedMs: Date.now() - startedMs,
  };
}

async function runLane(opts: CrashRunOptions): Promise<CrashRunSummary> {
  const startedMs = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'rangekv-crash-'));
  const dbPath = join(dir, 'store.db');
  const prng = new Prng(opts.seed);
  const models = new Map<number, RangeModel>(
    crashRangeIds.map((id) => [
      id,
      { verifiedApplied: 0, counter: 0, versions: new Map(), local: new Map(), ackedTerms: new Map(), maxHsTerm: 0, maxCommit: 0, maxApplied: 0, maxLast: 0 },
    ]),
  );
  const lockPath = `${dbPath}.lock`;
  let killsBeforeReady = 0;
  let batchesAcked = 0;
  let staleLocksTakenOver = 0;
  try {
    for (let cycle = 0; cycle < opts.kills; cycle++) {
      const fail = (what: string): never => {
        throw new CrashCheckError(`crash test seed ${opts.seed} cycle ${cycle}: ${what}`);
      };
      const beforeReady = prng.chance(0.1);
      const { acks, sawReady } = await runChildUntilKilled(opts, dbPath, cycle, {
        killAtMs: beforeReady ? prng.int(0, 120) : undefined,
        killAfterReadyMs: prng.int(0, opts.killDelayMsMax ?? 60),
        fail,
      });
      if (!sawReady) killsBeforeReady++;
      const lockLeft = existsSync(lockPath);
      if (sawReady && !lockLeft) fail('the killed child had opened the store but left no lock file');
      if (lockLeft) staleLocksTakenOver++;
      batchesAcked += acks.length;
      for (const ack of acks) recordAck(models, ack);
      check(dbPath, models, prng, fail);
      if (existsSync(lockPath)) fail('the lock file is still there after the check closed the store');
      if (cycle % 25 === 24) opts.log?.(`cycle ${cycle + 1}/${opts.kills}: ${batchesAcked} batches acked, ranges applied ${[...models.values()].map((m) => m.verifiedApplied).join('/')}`);
    }
    return {
      kills: opts.kills,
      killsBeforeReady,
      batchesAcked,
      entriesApplied: [...models.values()].reduce((n, m) => n + m.verifiedApplied, 0),
      staleLocksTakenOver,
      elapsedMs: Date.now() - startedMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function recordAck(models: Map<number, RangeModel>, ack: Ack): void {
  for (const r of ack.ranges) {
    const m = models.get(r.rangeId);
    if (m === undefined) throw new CrashCheckError(`ack for unknown range ${r.rangeId}`);
    for (let i = r.from; i <= r.to; i++) m.ackedTerms.set(i, { term: r.term, committed: i <= r.commit });
    m.maxHsTerm = Math.max(m.maxHsTerm, r.hsTerm);
    m.maxCommit = Math.max(m.maxCommit, r.commit);
    m.maxApplied = Math.max(m.maxApplied, r.applied);
    m.maxLast = Math.max(m.maxLast, r.to);
  }
}

interface ChildRun {
  readonly acks: Ack[];
  readonly sawReady: boolean;
}

function runChildUntilKilled(
  opts: CrashRunOptions,
  dbPath: string,
  cycle: number,
  plan: { killAtMs: number | undefined; killAfterReadyMs: number; fail: (what: string) => never },
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [opts.childScript, '--db', dbPath, '--seed', String(opts.seed), '--cycle', String(cycle)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Ack[] = [];
    let sawReady = false;
    let killed = false;
    let pending = '';
    let stderr = '';
    const timers: NodeJS.Timeout[] = [];
    const kill = (): void => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    };
    if (plan.killAtMs !== undefined) timers.push(setTimeout(kill, plan.killAtMs));
    timers.push(
      setTimeout(() => {
        kill();
        reject(new CrashCheckError(`crash test seed ${opts.seed} cycle ${cycle}: child did not finish within the watchdog`));
      }, opts.cycleTimeoutMs ?? 30_000),
    );
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line === 'ready') {
          sawReady = true;
          timers.push(setTimeout(kill, plan.killAfterReadyMs));
        } else if (line.startsWith('ack ')) {
          acks.push(JSON.parse(line.slice(4)) as Ack);
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 20_000) stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      // Only complete lines count: a partial trailing line was cut by the kill.
      if (!killed || signal !== 'SIGKILL') {
        reject(new CrashCheckError(`crash test seed ${opts.seed} cycle ${cycle}: child exited by itself (code ${code}, signal ${signal}): ${stderr}`));
        return;
      }
      resolve({ acks, sawReady });
    });
  });
}

function check(dbPath: string, models: Map<number, RangeModel>, prng: Prng, fail: (what: string) => never): void {
  let store: Store;
  try {
    store = Store.open({ path: dbPath, clusterId: 'crash-test', storeId: 1 });
  } catch (e) {
    return fail(`reopening failed: ${String(e)}`);
  }
  try {
    const present = new Set(store.rangeIds());
    for (const [id, m] of models) {
      if (!present.has(id)) {
        if (m.maxLast > 0 || m.maxCommit > 0) fail(`range ${id} is missing although batches for it were acked`);
        continue;
      }
      checkRange(store, id, m, prng, fail);
    }
  } finally {
    store.close();
  }
}

function checkRange(store: Store, id: number, m: RangeModel, prng: Prng, fail: (what: string) => never): void {
  const rs = store.rangeStorage(id);
  const hs = rs.hardState();
  const applied = rs.appliedIndex();
  const first = rs.firstIndex();
  const last = rs.lastIndex();
  if (hs.term < m.maxHsTerm) fail(`range ${id}: hard state term ${hs.term} < acked ${m.maxHsTerm}`);
  if (hs.commit < m.maxCommit) fail(`range ${id}: commit ${hs.commit} < acked ${m.maxCommit}`);
  if (applied < m.maxApplied) fail(`range ${id}: applied ${applied} < acked ${m.maxApplied}`);
  if (last < m.maxLast) fail(`range ${id}: last index ${last} < acked ${m.maxLast}`);
  if (applied < m.verifiedApplied) fail(`range ${id}: applied went back from ${m.verifiedApplied} to ${applied}`);
  if (first - 1 > m.verifiedApplied) fail(`range ${id}: log truncated through ${first - 1}, past the verified applied index ${m.verifiedApplied}`);

  // Every acked entry above the verified applied index.
  const fromIndex = Math.max(first, m.verifiedApplied + 1);
  const logEntries = new Map<number, Entry>();
  if (fromIndex <= last) for (const e of rs.entries(fromIndex, last + 1, Infinity)) logEntries.set(e.index, e);
  for (const [index, { term: ackedTerm, committed }] of m.ackedTerms) {
    if (index <= m.verifiedApplied) continue;
    const e = logEntries.get(index);
    if (e === undefined) return fail(`range ${id}: acked entry ${index} is missing (log ${first}..${last})`);
    if (committed && e.term !== ackedTerm) fail(`range ${id}: committed entry ${index} has term ${e.term}, acked ${ackedTerm}`);
    if (e.term < ackedTerm) fail(`range ${id}: entry ${index} has term ${e.term} < acked ${ackedTerm}`);
    if (e.term === ackedTerm && !Buffer.from(e.data).equals(entryData(id, index, e.term))) {
      fail(`range ${id}: entry ${index} content differs from what was acked`);
    }
  }

  // Replay everything applied since the last check into the model.
  for (let index = m.verifiedApplied + 1; index <= applied; index++) {
    const e = logEntries.get(index);
    if (e === undefined) return fail(`range ${id}: applied entry ${index} is not in the log`);
    if (!Buffer.from(e.data).equals(entryData(id, index, e.term))) fail(`range ${id}: entry ${index} content is wrong`);
    const { key, value } = entryEffect(id, index, e.term);
    const k = key.toString();
    const vs = m.versions.get(k) ?? [];
    vs.push([index, value === null ? null : value.toString()]);
    m.versions.set(k, vs);
    m.counter++;
    for (const lm of localMutations(id, e)) {
      switch (lm.op) {
        case 'put':
          m.local.set(Buffer.from(lm.key).toString(), Buffer.from(lm.value).toString());
          break;
        case 'delete':
          m.local.delete(Buffer.from(lm.key).toString());
          break;
        case 'deletePrefix': {
          const prefix = Buffer.from(lm.prefix).toString();
          for (const k of [...m.local.keys()]) if (k.startsWith(prefix)) m.local.delete(k);
          break;
        }
      }
    }
  }
  m.verifiedApplied = applied;
  for (const index of [...m.ackedTerms.keys()]) if (index <= applied) m.ackedTerms.delete(index);

  // The apply counter: every entry applied exactly once.
  const counter = store.mvcc.get(counterKey(id), timestampMax);
  const counterValue = counter === null ? 0 : Number(Buffer.from(counter.value).toString());
  if (counterValue !== applied) fail(`range ${id}: apply counter ${counterValue} ≠ applied index ${applied} (an entry applied twice or skipped)`);
  if (m.counter !== applied) fail(`range ${id}: model replayed ${m.counter} entries for applied index ${applied}`);

  // The range-local table is exactly as of the applied index: written in the same transaction.
  const localActual = store
    .rangeLocal(id)
    .scan({ prefix: Buffer.alloc(0), limit: 1000 })
    .map((e) => `${Buffer.from(e.key).toString()}=${Buffer.from(e.value).toString()}`);
  const localExpected = [...m.local].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map(([k, v]) => `${k}=${v}`);
  if (JSON.stringify(localActual) !== JSON.stringify(localExpected)) {
    fail(`range ${id}: local table differs from the log replay at applied ${applied}:\n  store ${localActual.join(' ')}\n  model ${localExpected.join(' ')}`);
  }

  // The data equals the replayed model, now and at an older timestamp.
  for (const readTs of [applied, prng.int(0, Math.max(0, applied))]) {
    const expected: string[] = [];
    for (const [k, vs] of [...m.versions].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) {
      let visible: string | null = null;
      for (const [ts, v] of vs) if (ts <= readTs) visible = v;
      if (visible !== null) expected.push(`${k}=${visible}`);
    }
    const span = rangeSpan(id);
    const actual = store.mvcc
      .scan({ span, readTs: timestamp(BigInt(readTs)), limit: 10_000 })
      .map((p) => `${Buffer.from(p.key).toString()}=${Buffer.from(p.value).toString()}`)
      .filter((s) => !s.startsWith(counterKey(id).toString()));
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      fail(`range ${id}: data at ts ${readTs} differs from the log replay:\n  store ${actual.join(' ')}\n  model ${expected.join(' ')}`);
    }
  }
  try {
    rs.term(first - 1);
  } catch (e) {
    if (isRaftStorageError(e)) fail(`range ${id}: term of the truncation point is not answerable`);
    throw e;
  }
}
