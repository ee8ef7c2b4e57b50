/**
 * Regression (found by the Jepsen membership nemesis): a node whose own replica of a range missed
 * a membership change kept routing with that replica's stale descriptor. The leader answered
 * EPOCH_MISMATCH, the gateway learned the newer descriptor, and then used its stale local one
 * again on the next attempt — until the deadline, so clients of that node got EPOCH_MISMATCH /
 * RANGE_NOT_FOUND for as long as the zombie replica lived.
 *
 * Setup: one range on stores 1, 2, 3; a non-leader store is paused (SIGSTOP), removed from the
 * range, and resumed: its replica still believes it is a member (of the old configuration) until
 * replica GC notices. Requests through that store must be served meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaderOf } from './support/leader.js';
import { LocalCluster } from './support/local-cluster.js';
import { adminCall, statusOf } from './support/test-admin-client.js';
import { eventually } from './support/test-kv-client.js';

let c: LocalCluster;

beforeAll(async () => {
  c = await LocalCluster.start({ nodes: 3, splitKeys: [] });
  await eventually(() => c.client(1).put('warmup', '1'), 10_000);
}, 40_000);

afterAll(() => c?.stop());

describe('gateway with a stale local replica', () => {
  it('serves reads and writes through a store whose replica missed its own removal', async () => {
    const leader = await eventually(async () => (await leaderOf(c, 'x')) || Promise.reject(new Error('no leader')), 5000);
    const zombie = [1, 2, 3].find((s) => s !== leader)!;
    const healthy = [1, 2, 3].find((s) => s !== leader && s !== zombie)!;
    c.pause(zombie);
    try {
      const after = await adminCall<{ replicas: { storeId: string }[] }>(c.address(leader), 'ChangeReplicas', {
        rangeId: '1',
        changes: [{ op: 'REMOVE', storeId: String(zombie) }],
      });
      expect(after.replicas.map((r) => Number(r.storeId)).sort()).toEqual([leader, healthy].sort());
      await c.client(leader).put('while-paused', 'p');
    } finally {
      c.resume(zombie);
    }
    // The zombie still holds its replica with the old configuration (GC needs several election
    // timeouts of silence): it routes with that descriptor.
    const mine = (await statusOf(c.address(zombie))).find((r) => r.rangeId === '1');
    expect(mine, 'the removed replica is still present right after the resume').toBeDefined();
    // Each call gets one short deadline: before the fix every attempt within it was refused.
    expect(await c.client(zombie).get('while-paused', {}, 1500)).toBe('p');
    await c.client(zombie).put('through-zombie', 'z', {}, 1500);
    expect(await c.client(healthy).get('through-zombie', {}, 1500)).toBe('z');
  }, 60_000);
});
