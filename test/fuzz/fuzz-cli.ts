/**
 * `npm run fuzz -- --time 60 [--seed 1] [--concurrency 16]`: the hostile-input suite against a
 * TLS cluster of real node processes. Prints what each attack got and every violation; exit code
 * 0 when there were none, 1 otherwise.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runFuzz } from './fuzz-run.js';

const positive = (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

const program = new Command('fuzz')
  .description('hostile input against a TLS cluster: malformed, oversized, forged, unauthorized and concurrent requests')
  .option('--time <s>', 'seconds of attack', positive, 60)
  .option('--seed <n>', 'seed of the attack mix', positive, 1)
  .option('--concurrency <n>', 'attack calls in flight', positive, 16)
  .parse();
const o = program.opts<{ time: number; seed: number; concurrency: number }>();
const r = await runFuzz({ timeMs: o.time * 1_000, seed: o.seed, concurrency: o.concurrency, log: (l) => process.stdout.write(`${l}\n`) });
for (const [attack, codes] of Object.entries(r.outcomes).sort()) {
  process.stdout.write(`  ${attack.padEnd(32)} ${Object.entries(codes).map(([c, n]) => `${c} ${n}`).join(', ')}\n`);
}
process.stdout.write(`${r.requests} attack requests, ${r.honestWritesAcked} honest writes acknowledged and read back, ${r.rangesCompared} ranges compared across replicas\n`);
for (const v of r.violations) process.stdout.write(`VIOLATION ${v}\n`);
process.stdout.write(r.violations.length === 0 ? 'RESULT fuzz ok\n' : `RESULT fuzz FAILED (${r.violations.length} violations)\n`);
process.exitCode = r.violations.length === 0 ? 0 : 1;
