/**
 * Integration: leader transfer and replica changes through the Admin service, on real processes.
 * Four stores; one range, first on stores 1, 2, 3. Store 4 gets a replica it never had: it is
 * created on the leader's first contact and initialized by a snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster } from './support/local-cluster.js';
import { adminCall, statusOf } from './support/test-admin-client.js';
import { eventually } from './support/test-kv-client.js';
import { leaderOf } from './support/leader.js';

let c: LocalCluster;

beforeAll(async () => {
  c = await LocalCluster.start({ nodes: 4, splitKeys: [] });
  await eventually(() => c.client(1).put('warmup', '1'), 10_000);
  for (let i = 0; i < 50; i++) await c.client(1).put(`before-${i}`, String(i));
}, 40_000);

afterAll(() => c?.stop(process.env["KEEP_CLUSTER"] === "1"));

describe('admin', () => {
  it('transfers leadership to a chosen store', async () => {
    const leader = await eventually(async () => (await leaderOf(c, 'x')) || Promise.reject(new Error('no leader')), 5000);
    const target = [1, 2, 3].find((s) => s !== leader)!;
    await adminCall(c.address(4), 'TransferLeader', { rangeId: '1', toStoreId: String(target) });
    const view = await statusOf(c.address(target));
    expect(view.find((r) => r.rangeId === '1')?.role).toBe('leader');
    expect(await c.client(4).get('before-3')).toBe('3');
  });

  it('adds a learner on a store that never held the range (initialized by snapshot), promotes it, and removes an old voter', async () => {
    // Learner on store 4.
    const added = await adminCall<{ replicas: { storeId: string; learner: boolean }[] }>(c.address(2), 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_LEARNER', storeId: '4' }] });
    expect(added.replicas.find((r) => r.storeId === '4')).toMatchObject({ learner: true });
    await eventually(async () => {
      const view = (await statusOf(c.address(4))).find((r) => r.rangeId === '1');
      if (view === undefined || Number(view.appliedIndex) < 50) throw new Error('learner not caught up');
    }, 15_000);
    expect(c.logOf(4)).toMatch(/"msg":"snapshot applied"/);
    // Promote it, then remove store 1's replica.
    await adminCall(c.address(3), 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_VOTER', storeId: '4' }] });
    const afterRemove = await adminCall<{ replicas: { storeId: string; learner: boolean }[] }>(c.address(4), 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'REMOVE', storeId: '1' }] });
    expect(afterRemove.replicas.map((r) => r.storeId).sort()).toEqual(['2', '3', '4']);
    expect(afterRemove.replicas.every((r) => !r.learner)).toBe(true);
    // Writes and reads go on; store 1 no longer holds the range but still routes to it.
    await eventually(() => c.client(1).put('after-move', 'yes'), 10_000);
    expect(await c.client(4).get('after-move', { consistency: 'READ_CONSISTENCY_FOLLOWER' })).toBe('yes');
    await eventually(async () => {
      const mine = (await statusOf(c.address(1))).find((r) => r.rangeId === '1');
      if (mine !== undefined) throw new Error('store 1 still holds the range');
    }, 10_000);
    expect(await c.client(1).get('before-49')).toBe('49');
  });

  it('swaps two voters in one request through a joint configuration', async () => {
    const res = await adminCall<{ replicas: { storeId: string }[] }>(c.address(3), 'ChangeReplicas', {
      rangeId: '1',
      changes: [
        { op: 'ADD_VOTER', storeId: '1' },
        { op: 'REMOVE', storeId: '2' },
      ],
    });
    expect(res.replicas.map((r) => r.storeId).sort()).toEqual(['1', '3', '4']);
    await eventually(() => c.client(2).put('after-swap', 'ok'), 10_000);
    expect(await c.client(1).get('after-swap', { consistency: 'READ_CONSISTENCY_FOLLOWER' })).toBe('ok');
  });

  it('refuses impossible changes with INVALID_ARGUMENT', async () => {
    await expect(adminCall(c.address(3), 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'REMOVE', storeId: '2' }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(adminCall(c.address(3), 'TransferLeader', { rangeId: '1', toStoreId: '2' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
