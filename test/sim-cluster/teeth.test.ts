/**
 * Teeth: the node's deliberate bugs (test-only fault switches), each of which breaks a guarantee
 * the README promises, must be caught by the whole-cluster simulator within the npm test seeds.
 * Each case runs seeds from 1 until one fails (stopping a run at its first invariant violation).
 * A switch that no seed catches means the simulator has gone blind to that class of bug.
 */
import { describe, expect, it } from 'vitest';
import type { FaultSwitches } from '../../cluster/config/node-options.js';
import { clusterSimOptionsForSeed } from './cluster-sim-options.js';
import { runClusterSimulation } from './cluster-simulation.js';

/** How far into the npm test seeds each switch may take to be caught (measured: see the README). */
const seedsMax = 40;

const switches: readonly (keyof FaultSwitches)[] = ['staleReads', 'skipDedup', 'ackBeforeCommit', 'ackAppendBeforeDurable', 'applyBeforeCommit', 'quiescedNeverWakes'];

describe('whole-cluster simulator teeth', () => {
  for (const name of switches) {
    it(`catches the ${name} fault switch within the first ${seedsMax} seeds`, async () => {
      let caughtBy: { seed: number; failure: string } | undefined;
      for (let seed = 1; seed <= seedsMax && caughtBy === undefined; seed++) {
        const r = await runClusterSimulation(clusterSimOptionsForSeed(seed, { switches: { [name]: true } }), { stopAtFirstViolation: true });
        if (!r.ok) caughtBy = { seed, failure: r.failures.join('\n') };
      }
      expect(caughtBy, `no seed in 1..${seedsMax} caught ${name}`).toBeDefined();
      // Stale reads must be caught by the node invariants themselves, not only by the checker.
      if (name === 'staleReads') expect(caughtBy!.failure).toMatch(/stale read/);
    }, 900_000);
  }
});
