/**
 * Entry point of `npm run jepsen:suite -- --time 300`: every workload × nemesis combination, one
 * run each for --time seconds, one after another, in `<out>/suite-<timestamp>/`. Writes suite.json
 * and suite.md (the table below, also printed) there.
 *
 *   | workload | nemesis | verdict | ops | ok | fail | info | anomalies | seconds | run |
 *
 * Combinations the cluster driver cannot support (leader-transfer, membership without the admin
 * callbacks) are listed as skipped. Exit code: 1 if any run was invalid, else 3 if any failed, else
 * 2 if any was unknown, else 0.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CLUSTER_DRIVERS } from './cluster-drivers.js';
import { addSharedOptions, optionsFromRaw } from './jepsen-command.js';
import type { JepsenOptions } from './jepsen-options.js';
import { JepsenConfigError, runJepsen } from './jepsen-runner.js';
import { nemesisUnsupportedReason, parseNemesisList } from './nemesis/nemesis-registry.js';
import { EXIT_CODE_ERROR, EXIT_CODE_INVALID, EXIT_CODE_UNKNOWN, EXIT_CODE_VALID } from './verdict.js';
import { WORKLOAD_NAMES } from './workloads/workload-registry.js';

export const SUITE_NEMESIS_SETS_DEFAULT: readonly string[] = [
  'none',
  'kill',
  'pause',
  'partition',
  'latency',
  'clock',
  'leader-transfer',
  'membership',
  'kill,pause,partition,clock',
];

interface SuiteRow {
  readonly workload: string;
  readonly nemesis: string;
  readonly seed: number;
  readonly verdict: string;
  readonly ops: number | null;
  readonly ok: number | null;
  readonly fail: number | null;
  readonly info: number | null;
  readonly anomalies: number | null;
  readonly seconds: number | null;
  readonly runDir: string | null;
  readonly note: string | null;
}

function severity(verdict: string): number {
  switch (verdict) {
    case 'invalid':
      return 4;
    case 'error':
      return 3;
    case 'unknown':
      return 2;
    case 'valid':
      return 1;
    default:
      return 0;
  }
}

function exitCodeOfSuite(rows: readonly SuiteRow[]): number {
  const worst = rows.reduce((w, row) => Math.max(w, severity(row.verdict)), 0);
  if (worst === 4) return EXIT_CODE_INVALID;
  if (worst === 3) return EXIT_CODE_ERROR;
  if (worst === 2) return EXIT_CODE_UNKNOWN;
  return EXIT_CODE_VALID;
}

function markdownTable(rows: readonly SuiteRow[], suiteDir: string): string {
  const lines = ['| workload | nemesis | verdict | ops | ok | fail | info | anomalies | seconds | run |', '|---|---|---|---|---|---|---|---|---|---|'];
  const cell = (value: number | null): string => (value === null ? '–' : String(value));
  for (const row of rows) {
    const run = row.runDir === null ? (row.note ?? '') : relative(suiteDir, row.runDir);
    lines.push(`| ${row.workload} | ${row.nemesis} | ${row.verdict.toUpperCase()} | ${cell(row.ops)} | ${cell(row.ok)} | ${cell(row.fail)} | ${cell(row.info)} | ${cell(row.anomalies)} | ${cell(row.seconds)} | ${run} |`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const program = addSharedOptions(
    new Command('jepsen-suite')
      .description('Run every workload × nemesis combination for --time seconds each.')
      .option('--time <seconds>', 'seconds per run', (text: string) => {
        const value = Number(text);
        if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('expected a positive number');
        return value;
      }, 300)
      .option('--workloads <list>', 'comma-separated workloads', WORKLOAD_NAMES.join(','))
      .option('--nemesis-sets <list>', 'semicolon-separated nemesis lists, e.g. "kill;partition;kill,clock"', SUITE_NEMESIS_SETS_DEFAULT.join(';')),
  ).exitOverride();
  let base: JepsenOptions;
  let workloads: string[];
  let nemesisSets: string[][];
  try {
    program.parse(process.argv.slice(2), { from: 'user' });
    const raw = program.opts<Parameters<typeof optionsFromRaw>[0] & { workloads: string; nemesisSets: string }>();
    base = optionsFromRaw({ ...raw, workload: 'register', nemesis: [] });
    workloads = raw.workloads.split(',').map((w) => w.trim()).filter((w) => w.length > 0);
    nemesisSets = raw.nemesisSets.split(';').map((set) => parseNemesisList(set));
  } catch (error: unknown) {
    if (error instanceof CommanderError && error.exitCode === 0) return 0;
    process.stdout.write(`ERROR jepsen-suite: ${error instanceof Error ? error.message.replace(/^error: /, '') : String(error)}\n`);
    return EXIT_CODE_ERROR;
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  const suiteDir = join(base.outDir, `suite-${stamp}`);
  mkdirSync(suiteDir, { recursive: true });
  const factory = CLUSTER_DRIVERS[base.cluster];
  if (factory === undefined) {
    process.stdout.write(`ERROR jepsen-suite: unknown cluster driver ${base.cluster}\n`);
    return EXIT_CODE_ERROR;
  }
  const probe = await factory({ nodeCount: base.nodeCount, bug: base.bug, tls: base.tls, scratchDir: join(tmpdir(), `rangekv-suite-probe-${process.pid}`) });
  await probe.stop();
  const seedBase = base.seed;
  const rows: SuiteRow[] = [];
  let runIndex = 0;
  for (const workload of workloads) {
    for (const nemeses of nemesisSets) {
      const nemesis = nemeses.length === 0 ? 'none' : nemeses.join(',');
      const seed = seedBase + runIndex;
      runIndex += 1;
      const unsupported = nemeses.map((name) => nemesisUnsupportedReason(name, probe, base.clockVia)).find((reason) => reason !== null);
      const empty = { ops: null, ok: null, fail: null, info: null, anomalies: null, seconds: null, runDir: null };
      if (unsupported !== undefined && unsupported !== null) {
        rows.push({ workload, nemesis, seed, verdict: 'skipped', ...empty, note: unsupported });
        process.stdout.write(`SKIPPED ${workload} × ${nemesis}: ${unsupported}\n`);
        continue;
      }
      process.stdout.write(`== ${workload} × ${nemesis} for ${base.timeS}s, seed ${seed}\n`);
      try {
        const result = await runJepsen({ ...base, workload, nemeses, seed, outDir: suiteDir, say: (line) => process.stdout.write(`   ${line}\n`) });
        const s = result.summary;
        rows.push({ workload, nemesis, seed, verdict: result.verdict, ops: s.ops.total, ok: s.ops.ok, fail: s.ops.fail, info: s.ops.info, anomalies: s.anomalies.length, seconds: Math.round(s.durationMs / 1000), runDir: result.runDir, note: s.error });
      } catch (error: unknown) {
        const note = error instanceof JepsenConfigError ? error.message : String(error);
        rows.push({ workload, nemesis, seed, verdict: 'error', ...empty, note });
      }
      writeFileSync(join(suiteDir, 'suite.json'), `${JSON.stringify({ rows }, null, 2)}\n`);
    }
  }
  const table = markdownTable(rows, suiteDir);
  writeFileSync(join(suiteDir, 'suite.md'), table);
  writeFileSync(join(suiteDir, 'suite.json'), `${JSON.stringify({ rows }, null, 2)}\n`);
  process.stdout.write(`\n${table}\n`);
  const exitCode = exitCodeOfSuite(rows);
  process.stdout.write(`suite: ${rows.length} combinations, exit ${exitCode}; ${suiteDir}\n`);
  return exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.stdout.write(`ERROR jepsen-suite: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_CODE_ERROR;
  },
);
