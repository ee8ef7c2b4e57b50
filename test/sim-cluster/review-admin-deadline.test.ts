/**
 * Review experiment: AdminOps.wait expires only when a loop turn runs check(), so the answer at the
 * deadline can come up to a tick late — past the margin the admin API keeps before the caller's
 * deadline. Scenario 5 (joint change whose leaving is stalled) with several seeds and deadlines.
 */
import { describe, it } from 'vitest';
import type { ChangeReplicasResponse__Output } from '../../proto/generated/rangekv/v1/ChangeReplicasResponse.js';
import { storeId } from '../../proto/range-descriptor.js';
import { DirectedCluster } from './directed-harness.js';

async function once(seed: number, timeoutMs: number, viaLeader: boolean): Promise<string> {
  const c = new DirectedCluster({ seed, stores: 4 });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 4, 10_000);
    const L = c.leaderOf()!;
    const followers = c.replica(L)!.descriptor.replicas.map((r) => r.storeId).filter((s) => s !== L);
    const [removed, kept] = followers as unknown as [number, number];
    let appliedJoint = false;
    let jointAt = 0;
    const check = c.scheduler.afterEvent;
    c.scheduler.afterEvent = () => {
      check();
      if (!appliedJoint && c.replica(L)?.isJoint() === true) {
        appliedJoint = true;
        jointAt = c.scheduler.nowMs;
        c.world.pause(storeId(kept));
        c.world.pause(storeId(4));
      }
    };
    const via = viaLeader ? L : removed;
    const t0 = c.scheduler.nowMs;
    const answer = await c.admin<ChangeReplicasResponse__Output>(via, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_VOTER', storeId: '4' }, { op: 'REMOVE', storeId: String(removed) }] }, timeoutMs);
    const at = c.scheduler.nowMs - t0;
    c.world.resume(storeId(kept));
    c.world.resume(storeId(4));
    const res = 'ok' in answer ? `ok leavingJoint=${answer.ok.leavingJoint}` : `${answer.error.code} transport=${answer.error.transportFailure} dna=${answer.error.definitelyNotApplied}`;
    return `seed ${seed} T=${timeoutMs} via ${viaLeader ? 'leader' : 'follower'} joint=${appliedJoint}@${(jointAt - t0).toFixed(0)} answered@${at.toFixed(0)}: ${res}`;
  } finally {
    c.close();
  }
}

describe('review: admin deadline granularity', () => {
  it('runs', async () => {
    const lines: string[] = [];
    for (const viaLeader of [true, false]) for (const T of [1000, 2000]) for (const seed of [15, 40, 41, 42, 43, 44]) lines.push(await once(seed, T, viaLeader));
    console.log(lines.join('\n'));
  }, 600_000);
});
