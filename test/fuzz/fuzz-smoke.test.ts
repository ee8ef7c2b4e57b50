/** A short run of the hostile-input suite (`npm run fuzz` runs it for longer). */
import { expect, it } from 'vitest';
import { runFuzz } from './fuzz-run.js';

it('hostile input for 8 s: nodes alive, acknowledged writes kept, replicas agree, no error logged, no attack let through', async () => {
  const r = await runFuzz({ timeMs: 8_000, seed: 1, concurrency: 8 });
  expect(r.violations).toEqual([]);
  expect(r.requests).toBeGreaterThan(100);
  expect(r.honestWritesAcked).toBeGreaterThan(0);
  expect(r.rangesCompared).toBe(2);
  // Every kind of attack ran.
  expect(Object.keys(r.outcomes).length).toBeGreaterThanOrEqual(14);
}, 120_000);
