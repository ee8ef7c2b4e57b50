/**
 * `npm run sim -- --seed S` replays one seed exactly (same trace, same digest, same verdict);
 * `npm run sim -- --seeds N [--from K]` runs N seeds and lists any failure with its seed.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { RaftTestingKnobs } from '../../raft/index.js';
import { runSeed, type SimResult } from './simulation.js';

const knobNames = ['commitCountsOlderTerms', 'skipVoteLogCheck', 'skipVotePersist', 'countLearnersInQuorum'] as const;

function int(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

const program = new Command()
  .name('sim')
  .description('Deterministic simulation of rangekv raft groups under faults')
  .option('--seed <n>', 'run (replay) one seed, printing its trace', int)
  .option('--seeds <n>', 'run this many seeds', int)
  .option('--from <n>', 'first seed for --seeds', int, 1)
  .option('--trace', 'print the full trace of --seed', false)
  .option('--break <knob>', `run with a deliberately broken core (${knobNames.join(', ')})`)
  .addHelpText('after', '\nExit code: 0 when every seed passed, 1 when a safety or liveness check failed, 2 on usage errors.')
  .parse();

const o = program.opts<{ seed?: number; seeds?: number; from: number; trace: boolean; break?: string }>();
let knobs: RaftTestingKnobs = {};
if (o.break !== undefined) {
  if (!(knobNames as readonly string[]).includes(o.break)) {
    process.stderr.write(`unknown knob ${o.break}; choose one of ${knobNames.join(', ')}\n`);
    process.exit(2);
  }
  knobs = { [o.break]: true };
}

function summary(r: SimResult): string {
  const s = r.stats;
  return (
    `seed ${r.seed}: ${r.ok ? 'ok' : 'FAIL'} digest ${r.traceDigest} ticks ${s.ticks} elections ${s.elections} ` +
    `crashes ${s.crashes} partitions ${s.partitions} conf ${s.confChanges} transfers ${s.transfers} ` +
    `snapshots ${s.snapshotsTaken}/${s.snapshotsSent} writes ${s.writesAcked} reads ${s.readsServed} ` +
    `msgs ${s.messagesSent} checks ${s.checks} liveIn ${s.livenessTicks}`
  );
}

if (o.seed !== undefined) {
  const r = runSeed(o.seed, { knobs }, { fullTrace: o.trace, traceTailLines: 60 });
  if (o.trace || !r.ok) for (const line of r.trace) process.stdout.write(`${line}\n`);
  process.stdout.write(`${summary(r)}\n`);
  if (!r.ok) process.stdout.write(`${r.violation?.message}\nreplay: npm run sim -- --seed ${r.seed}${o.break ? ` --break ${o.break}` : ''} --trace\n`);
  process.exit(r.ok ? 0 : 1);
}

const count = o.seeds ?? 100;
const failures: SimResult[] = [];
const started = Date.now();
let ticks = 0;
for (let seed = o.from; seed < o.from + count; seed++) {
  const r = runSeed(seed, { knobs });
  ticks += r.stats.ticks;
  if (!r.ok) {
    failures.push(r);
    process.stdout.write(`${summary(r)}\n  ${r.violation?.message}\n`);
  }
}
const secs = (Date.now() - started) / 1000;
process.stdout.write(`${count - failures.length}/${count} seeds passed (${ticks} ticks simulated in ${secs.toFixed(1)} s)\n`);
if (failures.length > 0) process.stdout.write(`failing seeds: ${failures.map((f) => f.seed).join(' ')}\nreplay one: npm run sim -- --seed ${failures[0]!.seed}${o.break ? ` --break ${o.break}` : ''} --trace\n`);
process.exit(failures.length === 0 ? 0 : 1);
