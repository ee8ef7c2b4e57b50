/**
 * Crash safety on real processes (issue 3, proof): a child appends, overwrites, commits, applies
 * and truncates in group-committed batches and acknowledges each batch only after its commit
 * returned; it is kill -9'd at random moments — 200 times, some of them while it is still
 * opening the database — and after every kill the reopened database must hold every acknowledged
 * batch and an applied state equal to a replay of the log (see crash-harness.ts), and the reopen
 * takes over the lock file the dead child left behind.
 *
 * The seed is printed on failure; `npm run crash -- --kills N --seed S` runs the long mode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { buildChildScript } from './child-build.js';
import { runCrashTest } from './crash-harness.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const buildDir = mkdtempSync(join(tmpdir(), 'rangekv-crash-build-'));
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

const kills = Number(process.env['RANGEKV_CRASH_KILLS'] ?? 200);
const seed = Number(process.env['RANGEKV_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

test(`survives ${kills} kill -9s with every acknowledged batch intact (seed ${seed})`, async () => {
  const childScript = buildChildScript(repoRoot, 'test/storage/crash-child.ts', buildDir);
  const summary = await runCrashTest({ kills, seed, childScript, lanes: 2 });
  expect(summary.kills).toBe(kills);
  expect(summary.batchesAcked).toBeGreaterThan(kills);
  // Every child killed after it had opened the store left its lock file behind for the reopen to take over.
  expect(summary.staleLocksTakenOver).toBeGreaterThanOrEqual(kills - summary.killsBeforeReady);
  console.log(
    `crash test: survived ${summary.kills} kills (${summary.killsBeforeReady} while opening), ` +
      `${summary.batchesAcked} acked batches present, ${summary.entriesApplied} entries applied once, ` +
      `${summary.staleLocksTakenOver} stale store locks taken over, ` +
      `${(summary.elapsedMs / 1000).toFixed(1)} s, seed ${seed}`,
  );
}, 120_000);
