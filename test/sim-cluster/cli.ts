/**
 * `npm run sim:cluster -- --seed S [--trace]`   replays one seed (same digest, same verdict)
 * `npm run sim:cluster -- --seeds N [--from K]` runs seeds K..K+N-1 and reports each failure with its replay command
 * `npm run sim:cluster -- --failover N`         kills a leader N times, idle and busy, and prints the failover times
 * Options: --switch NAME (a node fault switch, e.g. staleReads: the run must then fail), --log-level L.
 */
import { Command } from 'commander';
import { clusterSimOptionsForSeed } from './cluster-sim-options.js';
import { runClusterSimulation, type ClusterSimResult } from './cluster-simulation.js';
import type { FaultSwitches } from '../../cluster/config/node-options.js';
import { measureFailover } from './failover-measure.js';

interface Flags {
  readonly seed?: string;
  readonly seeds?: string;
  readonly from?: string;
  readonly trace?: boolean;
  readonly switch?: string[];
  readonly logLevel?: string;
  readonly quiet?: boolean;
  readonly failover?: string;
}

function summary(r: ClusterSimResult, wallMs: number): string {
  const fired = [...r.faultPointsFired].map(([k, v]) => `${k}×${v}`).join(' ');
  const fo = r.failoverMs.map((f) => `${f.idle ? 'idle' : 'busy'}:${f.ms.toFixed(0)}`).join(' ');
  return `seed ${r.seed}: ${r.ok ? 'ok' : 'FAILED'} digest ${r.digest} virtual ${(r.virtualMs / 1000).toFixed(1)} s, ${r.events} events, ops ok ${r.operations.ok} fail ${r.operations.fail} info ${r.operations.info}, wall ${(wallMs / 1000).toFixed(1)} s${fired === '' ? '' : `\n  fault points: ${fired}`}${fo === '' ? '' : `\n  failovers (ms): ${fo}`}`;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('sim:cluster')
    .option('--seed <n>', 'replay one seed')
    .option('--seeds <n>', 'run many seeds')
    .option('--from <n>', 'first seed of --seeds', '1')
    .option('--trace', 'print every trace line (nemesis, history, phases) and the nodes\u2019 debug logs')
    .option('--switch <name...>', 'turn on a node fault switch (teeth): staleReads, skipDedup, ackBeforeCommit, ackAppendBeforeDurable, applyBeforeCommit, quiescedNeverWakes')
    .option('--log-level <level>', 'node log level kept in memory', 'warn')
    .option('--quiet', 'print only failures and the total')
    .option('--failover <n>', 'measure failover: kill the leader n times after idle periods and n times under load');
  program.parse(argv, { from: 'user' });
  const f = program.opts<Flags>();
  const switches: Record<string, boolean> = {};
  for (const s of f.switch ?? []) switches[s] = true;
  if (f.failover !== undefined) return failover(Number(f.failover), Number(f.seed ?? '1'), switches as FaultSwitches);
  const seeds: number[] = [];
  if (f.seed !== undefined) seeds.push(Number(f.seed));
  else {
    const from = Number(f.from ?? '1');
    const n = Number(f.seeds ?? '10');
    for (let i = 0; i < n; i++) seeds.push(from + i);
  }
  let failed = 0;
  const t0 = performance.now();
  for (const seed of seeds) {
    const options = clusterSimOptionsForSeed(seed, { switches: switches as FaultSwitches });
    const started = performance.now();
    const r = await runClusterSimulation(options, {
      ...(f.trace === true ? { trace: (l: string) => process.stdout.write(`${l}\n`), logLevel: 'debug' as const } : { logLevel: (f.logLevel ?? 'warn') as 'warn' }),
    });
    if (!r.ok) {
      failed++;
      process.stdout.write(`${summary(r, performance.now() - started)}\n${r.failures.map((x) => `  ✗ ${x}`).join('\n')}\n  replay: npm run sim:cluster -- --seed ${seed}${(f.switch ?? []).map((s) => ` --switch ${s}`).join('')} --trace\n`);
      if (seeds.length === 1) process.stdout.write(`  last node log lines:\n${r.logTail.slice(-20).map((l) => `    ${l.slice(0, 300)}`).join('\n')}\n`);
    } else if (f.quiet !== true) process.stdout.write(`${summary(r, performance.now() - started)}\n`);
  }
  process.stdout.write(`${seeds.length - failed}/${seeds.length} seeds ok in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return failed === 0 ? 0 : 1;
}

async function failover(crashes: number, seed: number, switches: FaultSwitches): Promise<number> {
  let ok = true;
  for (const idle of [true, false]) {
    const t0 = performance.now();
    const s = await measureFailover({ seed, crashes, idle, switches });
    const et = (ms: number): string => (ms / s.electionTimeoutMs).toFixed(2);
    const within = s.p99 <= 2 * s.electionTimeoutMs && s.max <= 3 * s.electionTimeoutMs && s.gaveUp === 0;
    ok &&= within;
    process.stdout.write(
      `${idle ? 'idle' : 'busy'}: ${s.crashes} leader crashes; kill → first acknowledged write: p50 ${et(s.p50)} / p99 ${et(s.p99)} / max ${et(s.max)} election timeouts ` +
        `(${s.p50.toFixed(0)} / ${s.p99.toFixed(0)} / ${s.max.toFixed(0)} ms; election timeout ${s.electionTimeoutMs} ms)${s.gaveUp > 0 ? `, ${s.gaveUp} gave up` : ''} ${within ? 'within' : 'OUTSIDE'} the target (p99 ≤ 2, max ≤ 3); wall ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
  }
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(3);
  },
);
