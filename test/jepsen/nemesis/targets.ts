/**
 * Which nodes a process fault hits, Jepsen-style: one node, a minority, a majority, all of them, or
 * the node leading the range of a key the workload uses (when the driver can say).
 */
import { shuffledNodes } from '../partitions.js';
import type { NemesisContext } from './nemesis.js';

export const TARGET_SPECS = ['one', 'minority', 'majority', 'all', 'leader'] as const;
export type TargetSpec = (typeof TARGET_SPECS)[number];

/** The specs usable in this context: 'leader' only when the driver implements leaderOf. */
export function availableTargetSpecs(context: NemesisContext, allowed: readonly TargetSpec[]): TargetSpec[] {
  return allowed.filter((spec) => spec !== 'leader' || context.cluster.leaderOf !== undefined);
}

export interface ChosenTargets {
  readonly spec: TargetSpec;
  readonly nodes: readonly number[];
  /** For 'leader': the key whose range leader was aimed at. */
  readonly key?: string;
}

export async function chooseTargets(context: NemesisContext, allowed: readonly TargetSpec[]): Promise<ChosenTargets> {
  const specs = availableTargetSpecs(context, allowed);
  const spec = context.rng.pick(specs);
  const n = context.nodeCount;
  const shuffled = shuffledNodes(n, context.rng);
  switch (spec) {
    case 'one':
      return { spec, nodes: shuffled.slice(0, 1) };
    case 'minority':
      return { spec, nodes: shuffled.slice(0, Math.max(1, Math.floor((n - 1) / 2))) };
    case 'majority':
      return { spec, nodes: shuffled.slice(0, Math.floor(n / 2) + 1) };
    case 'all':
      return { spec, nodes: shuffled };
    case 'leader': {
      const key = context.sampleKey();
      const leader = (await context.cluster.leaderOf?.(key, context.callOptions())) ?? null;
      // No leader known (an election in progress): aim at one node instead.
      return leader === null ? { spec, nodes: shuffled.slice(0, 1), key } : { spec, nodes: [leader], key };
    }
  }
}
