/**
 * `npm run crash -- --kills N [--seed S]`: the crash test's long mode, on the compiled child
 * (dist/test/storage/crash-child.js, next to this file). Prints progress and a summary; exits
 * non-zero with the seed on failure.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCrashTest } from './crash-harness.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '1000' },
    seed: { type: 'string' },
    'kill-delay-ms-max': { type: 'string', default: '60' },
    lanes: { type: 'string', default: '2' },
  },
});
const kills = Number(values.kills);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isSafeInteger(kills) || kills < 1) throw new Error('--kills must be a positive integer');
const childScript = join(dirname(fileURLToPath(import.meta.url)), 'crash-child.js');
console.log(`crash test: ${kills} kills in ${values.lanes} lanes, seed ${seed}`);
try {
  const s = await runCrashTest({
    kills,
    seed,
    childScript,
    killDelayMsMax: Number(values['kill-delay-ms-max']),
    lanes: Number(values.lanes),
    log: (line) => console.log(line),
  });
  console.log(
    `OK: survived ${s.kills} kill -9s (${s.killsBeforeReady} during open), ${s.batchesAcked} acknowledged batches all present, ` +
      `${s.entriesApplied} entries applied exactly once, ${s.staleLocksTakenOver} stale store locks taken over, ` +
      `in ${(s.elapsedMs / 1000).toFixed(1)} s (seed ${seed})`,
  );
} catch (e) {
  console.error(`FAILED (seed ${seed}): ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
