/**
 * membership: change the replicas of the range holding a key the workload uses — move a replica to
 * a node that has none (add + remove), or when every node has one, remove one — and on stop apply
 * the inverse change, restoring the original placement. Needs the driver's changeMembership (and
 * replicasOf to know who holds the range; without it, every node is assumed to).
 */
import type { MembershipChange } from '../cluster-driver.js';
import { NemesisError, type Nemesis, type NemesisContext, type NemesisEffect } from './nemesis.js';

export class MembershipNemesis implements Nemesis {
  readonly name = 'membership';
  readonly kind = 'fault';
  private applied: MembershipChange | null = null;

  async start(context: NemesisContext): Promise<NemesisEffect> {
    const change = context.cluster.changeMembership;
    if (change === undefined) throw new NemesisError('UNSUPPORTED', 'the cluster driver has no changeMembership');
    const key = context.sampleKey();
    const everyNode = Array.from({ length: context.nodeCount }, (_, i) => i);
    const replicas = (await context.cluster.replicasOf?.(key, context.callOptions())) ?? everyNode;
    const others = everyNode.filter((node) => !replicas.includes(node));
    if (replicas.length <= 1 && others.length === 0) throw new NemesisError('NO_TARGET', `range of ${key} cannot lose its only replica`);
    const removeNode = replicas.length > 1 || others.length > 0 ? context.rng.pick(replicas) : null;
    const addNode = others.length > 0 ? context.rng.pick(others) : null;
    const planned: MembershipChange = { key, addNode, removeNode };
    await change.call(context.cluster, planned, context.callOptions());
    this.applied = planned;
    return { targets: [addNode, removeNode].filter((n): n is number => n !== null), detail: { key, add: addNode, remove: removeNode } };
  }

  async stop(context: NemesisContext): Promise<NemesisEffect> {
    const applied = this.applied;
    const change = context.cluster.changeMembership;
    if (applied === null || change === undefined) return { targets: [], detail: null };
    const inverse: MembershipChange = { key: applied.key, addNode: applied.removeNode, removeNode: applied.addNode };
    await change.call(context.cluster, inverse, context.callOptions());
    this.applied = null;
    return { targets: [inverse.addNode, inverse.removeNode].filter((n): n is number => n !== null), detail: { key: inverse.key, add: inverse.addNode, remove: inverse.removeNode } };
  }

  async heal(context: NemesisContext): Promise<void> {
    await this.stop(context);
  }
}
