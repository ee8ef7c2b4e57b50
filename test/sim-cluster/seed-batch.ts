import { describe, expect, it } from 'vitest';
import { faultPointNames, type FaultPointName } from '../../cluster/ports/fault-points.js';
import type { FaultSwitches } from '../../cluster/config/node-options.js';
import { clusterSimOptionsForSeed } from './cluster-sim-options.js';
import { runClusterSimulation, type ClusterSimResult } from './cluster-simulation.js';

export interface BatchOutcome {
  readonly seeds: number;
  readonly failures: readonly ClusterSimResult[];
  readonly faultPointsFired: ReadonlyMap<FaultPointName, number>;
  readonly nemesisActions: ReadonlyMap<string, number>;
  readonly failovers: number;
  readonly operations: { ok: number; fail: number; info: number };
  readonly checks: { fingerprintsCompared: number; ackedWritesVerified: number; observations: number };
}

/** Runs seeds from..to (inclusive) of the whole-cluster simulation and totals what they exercised. */
export async function runSeedBatch(from: number, toInclusive: number, switches: FaultSwitches = {}): Promise<BatchOutcome> {
  const failures: ClusterSimResult[] = [];
  const fired = new Map<FaultPointName, number>(faultPointNames.map((n) => [n, 0]));
  const actions = new Map<string, number>();
  const operations = { ok: 0, fail: 0, info: 0 };
  const checks = { fingerprintsCompared: 0, ackedWritesVerified: 0, observations: 0 };
  let failovers = 0;
  for (let seed = from; seed <= toInclusive; seed++) {
    const r = await runClusterSimulation(clusterSimOptionsForSeed(seed, { switches }));
    if (!r.ok) failures.push(r);
    for (const [k, v] of r.faultPointsFired) fired.set(k, (fired.get(k) ?? 0) + v);
    for (const [k, v] of r.nemesisActions) actions.set(k, (actions.get(k) ?? 0) + v);
    operations.ok += r.operations.ok;
    operations.fail += r.operations.fail;
    operations.info += r.operations.info;
    checks.fingerprintsCompared += r.checks.fingerprintsCompared;
    checks.ackedWritesVerified += r.checks.ackedWritesVerified;
    checks.observations += r.checks.observations;
    failovers += r.failoverMs.length;
  }
  return { seeds: toInclusive - from + 1, failures, faultPointsFired: fired, nemesisActions: actions, failovers, operations, checks };
}

/** A failure report a developer can act on: what broke, and the command that replays it. */
export function describeClusterFailures(failures: readonly ClusterSimResult[], switches: readonly string[] = []): string {
  return failures
    .map((r) => `seed ${r.seed}:\n${r.failures.map((f) => `  ${f.split('\n').join('\n  ')}`).join('\n')}\n  replay: npm run sim:cluster -- --seed ${r.seed}${switches.map((s) => ` --switch ${s}`).join('')} --trace`)
    .join('\n');
}

const nemesisActionNames = ['crash', 'crashLeader', 'pause', 'partition', 'clockJump', 'clockDrift', 'membership', 'transfer', 'clientRestart', 'idle', 'busyFailover'];

/**
 * The npm test block for seeds from..to: every seed must pass, and together they must have fired
 * every fault point and every kind of nemesis action (so a rare path the code no longer reaches,
 * or a fault the nemesis no longer injects, is noticed).
 */
export function describeSeedBatch(from: number, toInclusive: number): void {
  describe(`whole-cluster simulation, seeds ${from}-${toInclusive}`, () => {
    let outcome: BatchOutcome | undefined;

    it('keeps every node invariant, passes the register and set checkers, and recovers after healing, on every seed', async () => {
      outcome = await runSeedBatch(from, toInclusive);
      expect(outcome.failures.length, describeClusterFailures(outcome.failures)).toBe(0);
    }, 900_000);

    it('fired every fault point and every kind of fault at least once across these seeds', () => {
      expect(outcome, 'the seeds did not run').toBeDefined();
      const o = outcome!;
      for (const point of faultPointNames) expect(o.faultPointsFired.get(point) ?? 0, `fault point ${point} never fired`).toBeGreaterThan(0);
      for (const action of nemesisActionNames) expect(o.nemesisActions.get(action) ?? 0, `nemesis action ${action} never ran`).toBeGreaterThan(0);
      expect(o.failovers, 'no failover probe killed a leader').toBeGreaterThan(0);
      expect(o.checks.fingerprintsCompared).toBeGreaterThan(0);
      expect(o.checks.ackedWritesVerified).toBeGreaterThan(0);
    });
  });
}
