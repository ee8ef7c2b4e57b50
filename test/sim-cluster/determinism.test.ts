/** A seed is a whole world: running it twice gives the same trace digest and the same verdict. */
import { describe, expect, it } from 'vitest';
import { clusterSimOptionsForSeed } from './cluster-sim-options.js';
import { runClusterSimulation } from './cluster-simulation.js';

describe('whole-cluster simulator determinism', () => {
  for (const seed of [3, 7]) {
    it(`seed ${seed} replays exactly (same digest, same verdict, same event count)`, async () => {
      const a = await runClusterSimulation(clusterSimOptionsForSeed(seed));
      const b = await runClusterSimulation(clusterSimOptionsForSeed(seed));
      expect(b.digest).toBe(a.digest);
      expect(b.ok).toBe(a.ok);
      expect(b.events).toBe(a.events);
      expect([...b.faultPointsFired]).toEqual([...a.faultPointsFired]);
    }, 120_000);
  }

  it('different seeds give different worlds', async () => {
    const a = await runClusterSimulation(clusterSimOptionsForSeed(3));
    const b = await runClusterSimulation(clusterSimOptionsForSeed(4));
    expect(b.digest).not.toBe(a.digest);
  }, 120_000);
});
