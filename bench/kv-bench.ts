/**
 * `npm run bench:kv`: puts and linearizable gets of 16-byte keys with 100-byte values through gRPC,
 * against a local 3-node rangekv cluster and — in the same run, interleaved — a local 3-member etcd
 * cluster (Debian's etcd-server, installed if missing), at concurrency 1, 16 and 128.
 *
 * - Load comes from several load processes (bench/kv-load-worker.ts), so the client is not the
 *   bottleneck; each times every request with the monotonic clock into a fixed-bucket histogram,
 *   and the parent merges the histograms (exact percentiles, never averages of percentiles).
 * - Both systems run with their default durability (etcd fsyncs its WAL; rangekv fsyncs appends)
 *   on the same filesystem, with the same keys (10,000 distinct, uniform), values, warm-up and
 *   duration per cell. Each cell is split into rounds, and the order of the systems alternates
 *   from round to round, so machine noise hits both.
 * - Requests go to leaders on both sides: our RangekvClient routes to the range leader itself; the
 *   etcd stub is pointed at the leader found with Maintenance.Status. etcd's default (linearizable)
 *   Range is compared with our default linearizable Get (ReadIndex). Gets on a second rangekv
 *   cluster started with --lease-reads are shown too, but the headline ratio uses ReadIndex.
 * - Also reported per cell: CPU used by the leader and the whole cluster per operation (from
 *   /proc), client CPU, and how busy the machine was — to tell CPU-bound from latency-bound.
 *
 * Prints tables and ends with exactly one `RESULT <json>` line. Every process it starts it stops
 * (also on failure and Ctrl-C); its temp dir is removed (unless --keep).
 *
 * Flags: --quick (short cells; for smoke tests) · --no-etcd · --no-lease · --raw (also raw gRPC to
 * our leader, without the client library) · --only put:128,get:1 · --rounds N · --segment-ms N ·
 * --warmup-ms N · --workers N · --keys N · --profile DIR (CPU profiles of nodes and load processes
 * into DIR, summarized at the end; use with long segments) · --keep.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseFromWorker, type ConnectSpec, type FromWorker, type LoadOp, type LoadTarget, type RunResult, type ToWorker } from './kv-load-message.js';
import { LoadedProfile, categories, monoNowUs, type MonoWindow } from './support/cpu-profile-summary.js';
import { ensureEtcd, startEtcdCluster, type EtcdCluster } from './support/etcd-cluster.js';
import { filesystemType, probeFdatasync } from './support/fsync-probe.js';
import { LatencyHistogram } from './support/latency-histogram.js';
import { machineCpu, processCpuMs } from './support/proc-cpu.js';
import { ProcessSet } from './support/processes.js';
import { readActivity, startRangekvCluster, type ActivityLine, type RangekvCluster } from './support/rangekv-cluster.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'no-etcd': { type: 'boolean', default: false },
    'no-lease': { type: 'boolean', default: false },
    raw: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    'segment-ms': { type: 'string' },
    'warmup-ms': { type: 'string' },
    workers: { type: 'string' },
    keys: { type: 'string' },
    profile: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  strict: true,
});

function intFlag(v: string | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${what} must be a positive integer, got ${v}`);
  return n;
}

const quick = flags.quick === true;
const rounds = intFlag(flags.rounds, quick ? 1 : 2, 'rounds');
const segmentMs = intFlag(flags['segment-ms'], quick ? 700 : 3_000, 'segment-ms');
const warmupMs = intFlag(flags['warmup-ms'], quick ? 300 : 1_000, 'warmup-ms');
const workersMax = intFlag(flags.workers, quick ? 2 : 4, 'workers');
const keyCount = intFlag(flags.keys, quick ? 500 : 10_000, 'keys');
const valueBytes = 100;
const keyBytes = 16;
const concurrencies = [1, 16, 128] as const;
const ops: readonly LoadOp[] = ['put', 'get'];
const withEtcd = flags['no-etcd'] !== true;
const withLease = flags['no-lease'] !== true;
const withRaw = flags.raw === true;
const profileDir = flags.profile === undefined ? undefined : resolve(flags.profile);
const only = flags.only === undefined ? undefined : new Set(flags.only.split(',').map((s) => s.trim()));
const wanted = (op: LoadOp, c: number): boolean => only === undefined || only.has(`${op}:${c}`);

// -------------------------------------------------------------------------------------------------
// Formatting

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');
const pad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const padEnd = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const leftColumns = 3;

function table(title: string, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  console.log(`\n${title}`);
  const line = (r: readonly string[]): string => r.map((c, i) => (i < leftColumns ? padEnd(c, widths[i]!) : pad(c, widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

// -------------------------------------------------------------------------------------------------
// Load processes

class Worker {
  private readonly waiting: ((m: FromWorker) => void)[] = [];
  private failure: Error | undefined;

  constructor(readonly proc: ChildProcess) {
    proc.on('message', (raw: unknown) => {
      let m: FromWorker;
      try {
        m = parseFromWorker(raw);
      } catch (e) {
        m = { type: 'failed', message: `unreadable message from a load process: ${(e as Error).message}` };
      }
      this.waiting.shift()?.(m);
    });
    proc.once('exit', (code, signal) => {
      this.failure = new Error(`load process ${proc.pid} exited (code ${code}, signal ${signal})`);
      for (const w of this.waiting.splice(0)) w({ type: 'failed', message: this.failure.message });
    });
  }

  /** Sends one request and waits for its one answer (a load process answers in order). */
  request(m: ToWorker): Promise<FromWorker> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolveAnswer) => {
      this.waiting.push(resolveAnswer);
      this.proc.send(m);
    });
  }
}

function expectResult(m: FromWorker): RunResult {
  if (m.type === 'result') return m;
  throw new Error(m.type === 'failed' ? `load process failed: ${m.message}` : `unexpected answer ${m.type}`);
}

/** Splits `total` requests in flight over at most `n` processes, as evenly as possible. */
function split(total: number, n: number): number[] {
  const k = Math.min(n, total);
  return Array.from({ length: k }, (_, i) => Math.floor(total / k) + (i < total % k ? 1 : 0));
}

// -------------------------------------------------------------------------------------------------
// Measurement

interface SystemUnderTest {
  /** Row label. */
  readonly label: string;
  readonly target: LoadTarget;
  /** Server processes (to read their CPU time) and which one leads. */
  readonly processes: readonly ChildProcess[];
  readonly leader: ChildProcess | undefined;
}

interface Measured {
  readonly hist: LatencyHistogram;
  ops: number;
  errors: number;
  misses: number;
  firstError: string | null;
  durationMs: number;
  leaderCpuMs: number;
  clusterCpuMs: number;
  clientCpuMs: number;
  machineBusyMs: number;
  machineTotalMs: number;
  machineIowaitMs: number;
}

function emptyMeasured(): Measured {
  return { hist: new LatencyHistogram(), ops: 0, errors: 0, misses: 0, firstError: null, durationMs: 0, leaderCpuMs: 0, clusterCpuMs: 0, clientCpuMs: 0, machineBusyMs: 0, machineTotalMs: 0, machineIowaitMs: 0 };
}

interface Segment {
  readonly label: string;
  /** The rangekv cluster measured, if any (to pick its nodes' profiles). */
  readonly cluster: string | undefined;
  readonly fromWallMs: number;
  readonly toWallMs: number;
  /** The same window on CLOCK_MONOTONIC, to cut CPU profiles. */
  readonly mono: MonoWindow;
}
const segments: Segment[] = [];

interface CpuSnapshot {
  readonly leader: number;
  readonly cluster: number;
  readonly clients: number;
  readonly machine: ReturnType<typeof machineCpu>;
}

function cpuSnapshot(sut: SystemUnderTest, clients: readonly Worker[]): CpuSnapshot {
  const sum = (ps: readonly (ChildProcess | undefined)[]): number => ps.reduce((a, p) => a + (processCpuMs(p?.pid) ?? 0), 0);
  return { leader: sum([sut.leader]), cluster: sum(sut.processes), clients: sum(clients.map((w) => w.proc)), machine: machineCpu() };
}

async function measureSegment(sut: SystemUnderTest, op: LoadOp, concurrency: number, workers: readonly Worker[], into: Measured): Promise<void> {
  const shares = split(concurrency, workers.length);
  const used = workers.slice(0, shares.length);
  const startAtWallMs = Date.now() + 250;
  const measureFromWallMs = startAtWallMs + warmupMs;
  const monoFromUs = monoNowUs() + (measureFromWallMs - Date.now()) * 1000;
  // CPU is read at the edges of the measured window, by timers in this (otherwise idle) process.
  const at = (wallMs: number): Promise<CpuSnapshot> => new Promise((r) => setTimeout(() => r(cpuSnapshot(sut, used)), Math.max(0, wallMs - Date.now())));
  const beforeP = at(measureFromWallMs);
  const afterP = at(measureFromWallMs + segmentMs);
  const id = ++requestIds;
  const results = (
    await Promise.all(
      used.map((w, i) => w.request({ type: 'run', id, target: sut.target, op, concurrency: shares[i]!, startAtWallMs, warmupMs, durationMs: segmentMs, keyCount, valueBytes })),
    )
  ).map(expectResult);
  const [before, after] = await Promise.all([beforeP, afterP]);
  segments.push({
    label: `${sut.label} ${op} c=${concurrency}`,
    cluster: sut.target.system === 'etcd' ? undefined : sut.target.cluster,
    fromWallMs: measureFromWallMs,
    toWallMs: measureFromWallMs + segmentMs,
    mono: { fromUs: monoFromUs, toUs: monoFromUs + segmentMs * 1000 },
  });
  for (const r of results) {
    into.hist.merge(r.histogram);
    into.ops += r.ops;
    into.errors += r.errors;
    into.misses += r.misses;
    into.firstError ??= r.firstError;
  }
  into.durationMs += segmentMs;
  into.leaderCpuMs += after.leader - before.leader;
  into.clusterCpuMs += after.cluster - before.cluster;
  into.clientCpuMs += after.clients - before.clients;
  if (before.machine !== undefined && after.machine !== undefined) {
    into.machineBusyMs += after.machine.busyMs - before.machine.busyMs;
    into.machineTotalMs += after.machine.totalMs - before.machine.totalMs;
    into.machineIowaitMs += after.machine.iowaitMs - before.machine.iowaitMs;
  }
}
let requestIds = 0;

interface Figures {
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly ops: number;
  readonly errors: number;
  readonly misses: number;
  /** Cores the leader process used on average. */
  readonly leaderCores: number;
  /** CPU time of all server processes per operation. */
  readonly serverCpuUsPerOp: number;
  readonly clientCpuUsPerOp: number;
  readonly machineBusyPct: number;
  readonly machineIowaitPct: number;
}

function figures(m: Measured): Figures {
  const r = (x: number, d: number): number => (Number.isFinite(x) ? Number(x.toFixed(d)) : NaN);
  return {
    opsPerSec: r(m.ops / (m.durationMs / 1000), 0),
    p50Ms: r(m.hist.quantileUs(0.5) / 1000, 3),
    p99Ms: r(m.hist.quantileUs(0.99) / 1000, 3),
    meanMs: r(m.hist.meanUs() / 1000, 3),
    maxMs: r(m.hist.maxUs / 1000, 3),
    ops: m.ops,
    errors: m.errors,
    misses: m.misses,
    leaderCores: r(m.leaderCpuMs / m.durationMs, 2),
    serverCpuUsPerOp: r((m.clusterCpuMs * 1000) / m.ops, 0),
    clientCpuUsPerOp: r((m.clientCpuMs * 1000) / m.ops, 0),
    machineBusyPct: r((100 * m.machineBusyMs) / m.machineTotalMs, 0),
    machineIowaitPct: r((100 * m.machineIowaitMs) / m.machineTotalMs, 0),
  };
}

// -------------------------------------------------------------------------------------------------
// The run

const procs = new ProcessSet();
const workers: Worker[] = [];
const started = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'rangekv-kv-bench-'));
let cleaning: Promise<void> | undefined;

/** Stops every process this run started and removes its temp dir; every caller waits for the same cleanup. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    // Load processes first, asked to exit on their own (a CPU profile is written only on a normal exit).
    const exits = workers.map((w) => new Promise<void>((r) => (w.proc.exitCode !== null || w.proc.signalCode !== null ? r() : w.proc.once('exit', () => r()))));
    for (const w of workers) if (w.proc.connected) w.proc.send({ type: 'exit' } satisfies ToWorker);
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 5_000))]);
    await procs.stop();
    if (flags.keep === true) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    interrupted = true;
    console.error(`\n${sig}: stopping every process this benchmark started...`);
    void cleanup().finally(() => process.exit(130));
  });
}

function nodeProfileArgs(cluster: string): string[] {
  if (profileDir === undefined) return [];
  const d = join(profileDir, cluster);
  mkdirSync(d, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', d];
}

async function main(): Promise<void> {
  const fsType = filesystemType(dir);
  const fsync = probeFdatasync(dir, quick ? 20 : 200);
  console.log(
    `rangekv KV benchmark — ${keyBytes}-byte keys, ${valueBytes}-byte values, ${fmt(keyCount)} keys uniform, ` +
      `${rounds} round(s) × (${warmupMs} ms warm-up + ${segmentMs} ms measured) per system per cell, up to ${workersMax} load processes`,
  );
  console.log(`data in ${dir} (${fsType}; fdatasync of a 256-byte append: p50 ${fmt(fsync.p50Ms, 2)} ms, mean ${fmt(fsync.meanMs, 2)} ms)`);
  if (fsType === 'tmpfs') console.log('WARNING: the temp dir is a tmpfs — fsync is free there; set TMPDIR to a real disk for meaningful figures');

  let etcdInfo: { path: string; version: string } | undefined;
  let etcdMissing: string | undefined;
  if (withEtcd) {
    const e = ensureEtcd((l) => console.log(l));
    if ('missing' in e) etcdMissing = e.missing;
    else etcdInfo = e;
    if (etcdMissing !== undefined) console.log(`etcd: not measured — ${etcdMissing}`);
  }

  const rk = await startRangekvCluster({ name: 'rangekv', nodes: 3, dir, leaseReads: false, nodeExecArgv: nodeProfileArgs('rangekv'), logLevel: 'info' }, procs);
  console.log(`rangekv: 3 nodes ${rk.addresses.join(' ')}, 1 range, leader store ${rk.leaderStoreId} (${rk.leaderAddress}), ReadIndex reads`);
  let rkLease: RangekvCluster | undefined;
  if (withLease) {
    rkLease = await startRangekvCluster({ name: 'rangekv-lease', nodes: 3, dir, leaseReads: true, nodeExecArgv: nodeProfileArgs('rangekv-lease'), logLevel: 'info' }, procs);
    console.log(`rangekv --lease-reads: 3 nodes ${rkLease.addresses.join(' ')}, leader store ${rkLease.leaderStoreId} (${rkLease.leaderAddress})`);
  }
  let etcd: EtcdCluster | undefined;
  if (etcdInfo !== undefined) {
    etcd = await startEtcdCluster(etcdInfo.path, etcdInfo.version, { members: 3, dir }, procs);
    console.log(`etcd ${etcd.version}: 3 members ${etcd.clientAddresses.join(' ')}, leader ${etcd.leaderName} (${etcd.leaderAddress}), linearizable Range`);
  }

  // Load processes.
  const workerPath = fileURLToPath(new URL('./kv-load-worker.js', import.meta.url));
  const workerExecArgv = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', join(profileDir, 'load')];
  if (profileDir !== undefined) mkdirSync(join(profileDir, 'load'), { recursive: true });
  for (let i = 0; i < workersMax; i++) {
    const p = procs.track(fork(workerPath, [], { execArgv: workerExecArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    workers.push(new Worker(p));
  }
  const spec: ConnectSpec = {
    rangekv: [rk, ...(rkLease === undefined ? [] : [rkLease])].map((c) => ({ name: c.name, addresses: c.addresses, leaderAddress: c.leaderAddress })),
    etcdLeaderAddress: etcd?.leaderAddress ?? null,
  };
  for (const m of await Promise.all(workers.map((w) => w.request({ type: 'connect', spec })))) {
    if (m.type !== 'ready') throw new Error(`a load process could not connect: ${m.type === 'failed' ? m.message : m.type}`);
  }

  const leaderOf = (c: RangekvCluster): ChildProcess | undefined => c.processes[c.addresses.indexOf(c.leaderAddress)];
  const rkSut: SystemUnderTest = { label: 'rangekv', target: { system: 'rangekv', cluster: rk.name }, processes: rk.processes, leader: leaderOf(rk) };
  const rawSut: SystemUnderTest = { label: 'rangekv raw gRPC', target: { system: 'rangekv-raw', cluster: rk.name }, processes: rk.processes, leader: leaderOf(rk) };
  const leaseSut: SystemUnderTest | undefined =
    rkLease === undefined ? undefined : { label: 'rangekv lease reads', target: { system: 'rangekv', cluster: rkLease.name }, processes: rkLease.processes, leader: leaderOf(rkLease) };
  const etcdSut: SystemUnderTest | undefined =
    etcd === undefined ? undefined : { label: 'etcd', target: { system: 'etcd' }, processes: etcd.processes, leader: etcd.processes[etcd.clientAddresses.indexOf(etcd.leaderAddress)] };

  // Preload every key once, so that every get reads a value; also warms up every process.
  const anyGets = concurrencies.some((c) => wanted('get', c));
  const preloadable = !anyGets ? [] : [rkSut, ...(leaseSut === undefined ? [] : [leaseSut]), ...(etcdSut === undefined ? [] : [etcdSut])];
  for (const sut of preloadable) {
    const t0 = Date.now();
    const per = Math.ceil(keyCount / workers.length);
    await Promise.all(
      workers.map((w, i) =>
        w.request({ type: 'preload', id: ++requestIds, target: sut.target, from: Math.min(keyCount, i * per), to: Math.min(keyCount, (i + 1) * per), concurrency: 32, valueBytes }).then(expectResult),
      ),
    );
    console.log(`preloaded ${fmt(keyCount)} keys into ${sut.label} in ${fmt((Date.now() - t0) / 1000, 1)} s`);
  }

  // The cells, each in rounds whose system order alternates.
  interface Cell {
    readonly op: LoadOp;
    readonly concurrency: number;
    readonly results: Map<string, Measured>;
  }
  const cells: Cell[] = [];
  for (const op of ops) {
    for (const c of concurrencies) {
      if (!wanted(op, c)) continue;
      const systems = [rkSut, ...(etcdSut === undefined ? [] : [etcdSut]), ...(withRaw ? [rawSut] : []), ...(op === 'get' && leaseSut !== undefined ? [leaseSut] : [])];
      const cell: Cell = { op, concurrency: c, results: new Map(systems.map((s) => [s.label, emptyMeasured()])) };
      for (let r = 0; r < rounds; r++) {
        const order = systems.map((_, i) => systems[(i + r) % systems.length]!);
        for (const sut of order) await measureSegment(sut, op, c, workers, cell.results.get(sut.label)!);
      }
      const line = systems.map((s) => {
        const f = figures(cell.results.get(s.label)!);
        const m = cell.results.get(s.label)!;
        const notes = [f.errors > 0 ? `${f.errors} errors, first: ${m.firstError ?? '?'}` : '', f.misses > 0 ? `${f.misses} gets found no value` : ''].filter((x) => x !== '');
        return `${s.label} ${fmt(f.opsPerSec)} ops/s p50 ${fmt(f.p50Ms, 2)} p99 ${fmt(f.p99Ms, 2)} ms${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
      });
      console.log(`  ${op} c=${c}: ${line.join(' | ')}`);
      cells.push(cell);
    }
  }

  // Tables.
  const detailRows: string[][] = [];
  for (const cell of cells) {
    for (const [label, m] of cell.results) {
      const f = figures(m);
      detailRows.push([
        cell.op,
        String(cell.concurrency),
        label,
        fmt(f.opsPerSec),
        fmt(f.p50Ms, 2),
        fmt(f.p99Ms, 2),
        fmt(f.meanMs, 2),
        fmt(f.maxMs, 1),
        fmt(f.errors),
        fmt(f.leaderCores, 2),
        fmt(f.serverCpuUsPerOp),
        fmt(f.clientCpuUsPerOp),
        `${fmt(f.machineBusyPct)}%`,
      ]);
    }
  }
  table(
    'Per system and cell (latency per request, measured in the load processes; CPU from /proc over the measured window)',
    ['op', 'conc', 'system', 'ops/s', 'p50 ms', 'p99 ms', 'mean ms', 'max ms', 'errors', 'leader cores', 'server CPU µs/op', 'client CPU µs/op', 'machine busy'],
    detailRows,
  );

  const ratio = (a: number, b: number): number => (b > 0 && Number.isFinite(a) && Number.isFinite(b) ? Number((a / b).toFixed(3)) : NaN);
  const resultCells = cells.map((cell) => {
    const ours = figures(cell.results.get(rkSut.label)!);
    const theirs = etcdSut === undefined ? undefined : figures(cell.results.get(etcdSut.label)!);
    const lease = leaseSut !== undefined && cell.results.has(leaseSut.label) ? figures(cell.results.get(leaseSut.label)!) : undefined;
    const raw = withRaw ? figures(cell.results.get(rawSut.label)!) : undefined;
    return {
      op: cell.op,
      concurrency: cell.concurrency,
      rangekv: ours,
      ...(lease === undefined ? {} : { rangekvLeaseReads: lease }),
      ...(raw === undefined ? {} : { rangekvRawGrpc: raw }),
      etcd: theirs ?? null,
      ratio:
        theirs === undefined
          ? null
          : {
              opsPerSec: ratio(ours.opsPerSec, theirs.opsPerSec),
              p50: ratio(ours.p50Ms, theirs.p50Ms),
              p99: ratio(ours.p99Ms, theirs.p99Ms),
              ...(lease === undefined ? {} : { leaseReadsOpsPerSec: ratio(lease.opsPerSec, theirs.opsPerSec) }),
            },
    };
  });

  if (etcdSut !== undefined) {
    table(
      'rangekv vs etcd (headline: rangekv with its defaults — ReadIndex reads; ratio = rangekv ÷ etcd: ops/s higher is better, latency lower is better)',
      ['op', 'conc', 'reads', 'rangekv ops/s', 'etcd ops/s', 'ops/s ratio', 'rangekv p50', 'etcd p50', 'p50 ratio', 'rangekv p99', 'etcd p99', 'p99 ratio'],
      resultCells.flatMap((c) => {
        const e = c.etcd;
        if (e === null) return [];
        const row = (reads: string, f: Figures): string[] => [
          c.op,
          String(c.concurrency),
          reads,
          fmt(f.opsPerSec),
          fmt(e.opsPerSec),
          `${fmt(ratio(f.opsPerSec, e.opsPerSec), 2)}x`,
          fmt(f.p50Ms, 2),
          fmt(e.p50Ms, 2),
          `${fmt(ratio(f.p50Ms, e.p50Ms), 2)}x`,
          fmt(f.p99Ms, 2),
          fmt(e.p99Ms, 2),
          `${fmt(ratio(f.p99Ms, e.p99Ms), 2)}x`,
        ];
        const rows = [row(c.op === 'get' ? 'ReadIndex' : '', c.rangekv)];
        if (c.rangekvLeaseReads !== undefined) rows.push(row('lease', c.rangekvLeaseReads));
        return rows;
      }),
    );
  }

  // Node activity (10 s windows logged by each node) that fell inside one measured segment.
  const activity = activityBySegment([rk, ...(rkLease === undefined ? [] : [rkLease])]);
  if (activity.length > 0) {
    table(
      'Node activity during single segments (the nodes log these every 10 s; only windows ≥ 90% inside one segment)',
      ['segment', 'cluster', 'store', 'turns/s', 'commits/s', 'commit ms', 'readies/commit', 'proposals/s', 'msgs in/s', 'msgs out/s', 'dropped'],
      activity.map(({ segment, cluster, a }) => [
        segment,
        cluster,
        `${a.storeId}`,
        fmt(a.turnsPerSec),
        fmt(a.commitsPerSec),
        fmt(a.commitMsAvg, 2),
        fmt(a.readiesPerCommit, 1),
        fmt(a.proposalsPerSec),
        fmt(a.messagesInPerSec),
        fmt(a.messagesOutPerSec),
        fmt(a.droppedMessages),
      ]),
    );
  }

  const headline = resultCells.filter((c) => c.ratio !== null).map((c) => c.ratio!.opsPerSec);
  const geomean = headline.length === 0 ? NaN : Math.exp(headline.reduce((a, x) => a + Math.log(x), 0) / headline.length);
  const elapsedSec = Math.round((Date.now() - started) / 1000);
  console.log(
    `\n${etcdSut === undefined ? `etcd not measured${etcdMissing === undefined ? '' : ` (${etcdMissing})`}` : `rangekv ÷ etcd ops/s, geometric mean over ${headline.length} cells: ${fmt(geomean, 2)}x — ${geomean >= 1 ? 'ahead of' : 'behind'} etcd`} (${elapsedSec} s)`,
  );

  // Stop everything before reading profiles: processes write them as they exit.
  await cleanup();
  const profiles = profileDir === undefined ? undefined : printProfiles(profileDir, [rk, ...(rkLease === undefined ? [] : [rkLease])]);

  const result = {
    keyBytes,
    valueBytes,
    keys: keyCount,
    rounds,
    warmupMs,
    measuredMsPerCell: rounds * segmentMs,
    loadProcessesMax: workersMax,
    filesystem: fsType,
    diskFdatasyncMsP50: Number(fsync.p50Ms.toFixed(3)),
    etcdVersion: etcd?.version ?? null,
    routing: 'leader (rangekv: client routes to the range leader; etcd: stub on the leader found by Maintenance.Status)',
    headlineReads: 'ReadIndex (rangekv default; etcd linearizable Range also uses ReadIndex)',
    cells: resultCells,
    opsPerSecRatioGeomean: Number.isFinite(geomean) ? Number(geomean.toFixed(3)) : null,
    ...(profiles === undefined ? {} : { profilePctBySegment: profiles }),
    elapsedSec: Math.round((Date.now() - started) / 1000),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

function activityBySegment(clusters: readonly RangekvCluster[]): { segment: string; cluster: string; a: ActivityLine }[] {
  const windowMs = 10_000;
  const out: { segment: string; cluster: string; a: ActivityLine }[] = [];
  for (const c of clusters) {
    for (const path of c.logPaths) {
      for (const a of readActivity(path)) {
        const from = a.timeMs - windowMs;
        for (const s of segments) {
          if (s.cluster !== c.name) continue;
          const overlap = Math.min(a.timeMs, s.toWallMs) - Math.max(from, s.fromWallMs);
          if (overlap >= 0.9 * windowMs) out.push({ segment: s.label, cluster: c.name, a });
        }
      }
    }
  }
  return out;
}

/** "store 2 (leader)" for a node's profile (Node names them CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile). */
function processName(group: string, file: string, clusters: readonly RangekvCluster[]): string {
  const pid = Number(file.split('.')[3]);
  for (const c of clusters) {
    if (c.name !== group) continue;
    const i = c.processes.findIndex((p) => p.pid === pid);
    if (i >= 0) return `store ${i + 1}${c.addresses[i] === c.leaderAddress ? ' (leader)' : ''}`;
  }
  return `pid ${pid}`;
}

/**
 * Splits each CPU profile by measured segment (profiles share CLOCK_MONOTONIC with this process),
 * so that every cell of every system gets its own breakdown: % of the window each process spent
 * in each category (100 − idle = how busy it was).
 */
function printProfiles(root: string, clusters: readonly RangekvCluster[]): Record<string, Record<string, Record<string, number>>> {
  const loaded: { group: string; who: string; profile: LoadedProfile }[] = [];
  for (const group of [...clusters.map((c) => c.name), 'load']) {
    let files: string[];
    try {
      files = readdirSync(join(root, group)).filter((f) => f.endsWith('.cpuprofile'));
    } catch {
      continue;
    }
    for (const f of files) loaded.push({ group, who: processName(group, f, clusters), profile: new LoadedProfile(join(root, group, f)) });
  }
  writeFileSync(join(root, 'segments.json'), `${JSON.stringify(segments, null, 1)}\n`);
  const labels = [...new Set(segments.map((s) => s.label))];
  const rows: string[][] = [];
  const json: Record<string, Record<string, Record<string, number>>> = {};
  const tops: string[] = [];
  for (const label of labels) {
    const segs = segments.filter((s) => s.label === label);
    const windows = segs.map((s) => s.mono);
    const clusterName = segs[0]!.cluster;
    for (const l of loaded) {
      if (l.group !== 'load' && l.group !== clusterName) continue;
      const sum = l.profile.summarize(windows);
      if (sum.wallMs <= 0) continue;
      const pct = (c: (typeof categories)[number]): number => (100 * sum.byCategoryMs[c]) / sum.wallMs;
      if (l.group === 'load' && 100 - pct('idle') < 1) continue; // a load process this cell did not use
      rows.push([label, `${l.group} ${l.who}`, '', `${fmt(100 - pct('idle'))}%`, ...categories.filter((c) => c !== 'idle').map((c) => fmt(pct(c), 1))]);
      (json[label] ??= {})[`${l.group} ${l.who}`] = Object.fromEntries(categories.map((c) => [c, Number(pct(c).toFixed(1))]));
      tops.push(`\n${label} — ${l.group} ${l.who}: heaviest functions, self time in the measured window (${fmt(sum.wallMs / 1000, 1)} s)`);
      for (const t of sum.topFunctions.slice(0, l.who.endsWith('(leader)') ? 12 : 6)) tops.push(`  ${pad(fmt(t.ms), 7)} ms  ${padEnd(t.category, 8)}  ${t.name}`);
    }
  }
  table(
    `CPU profiles (${root}), per measured segment: % of the window each process spent per category`,
    ['segment', 'process', '', 'busy', ...categories.filter((c) => c !== 'idle')],
    rows,
  );
  for (const t of tops) console.log(t);
  return json;
}

main()
  .catch(async (e: unknown) => {
    if (interrupted) return;
    console.error(`bench:kv failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    // Stray handles (gRPC channels of the parent) must not keep the process alive.
    setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
  });
