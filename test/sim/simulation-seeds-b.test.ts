/**
 * The simulation smoke run, half b of 500 seeds (split in two files so vitest runs them on both
 * cores). Every seed mixes faults differently; see sim-options.ts for the profiles.
 */
import { describe, expect, it } from 'vitest';
import { coverageProbes, describeFailures, runSeedRange } from './seed-range.js';

describe('simulation seeds 251-500', () => {
  const outcome = runSeedRange(251, 500);

  it('keeps every safety invariant and recovers liveness after healing on every seed', () => {
    expect(outcome.failures.length, describeFailures(outcome.failures)).toBe(0);
  });

  it('actually exercised every fault kind and configuration (coverage probes)', () => {
    for (const probe of coverageProbes) {
      expect(outcome.totals[probe] ?? 0, `coverage probe ${probe} never fired`).toBeGreaterThan(0);
    }
    for (const profile of ['mixed', 'leaderChurn', 'electionStorm']) {
      expect(outcome.profiles[profile] ?? 0, `profile ${profile} never ran`).toBeGreaterThan(0);
    }
  });
});
