/**
 * leader-transfer (one-shot): ask the range holding a key the workload uses to hand its leadership
 * to another replica. Needs the driver's transferLeader (wired to the admin API).
 */
import { NemesisError, type Nemesis, type NemesisContext, type NemesisEffect } from './nemesis.js';

export class LeaderTransferNemesis implements Nemesis {
  readonly name = 'leader-transfer';
  readonly kind = 'one-shot';

  async start(context: NemesisContext): Promise<NemesisEffect> {
    const transfer = context.cluster.transferLeader;
    if (transfer === undefined) throw new NemesisError('UNSUPPORTED', 'the cluster driver has no transferLeader');
    const key = context.sampleKey();
    const leader = (await context.cluster.leaderOf?.(key, context.callOptions())) ?? null;
    const replicas = (await context.cluster.replicasOf?.(key, context.callOptions())) ?? Array.from({ length: context.nodeCount }, (_, i) => i);
    const candidates = replicas.filter((node) => node !== leader);
    if (candidates.length === 0) throw new NemesisError('NO_TARGET', `range of ${key} has no replica to transfer to`);
    const to = context.rng.pick(candidates);
    await transfer.call(context.cluster, key, to, context.callOptions());
    return { targets: [to], detail: { key, from: leader, to } };
  }

  stop(): Promise<NemesisEffect> {
    return Promise.resolve({ targets: [], detail: null });
  }

  heal(): Promise<void> {
    return Promise.resolve();
  }
}
