/**
 * Integration: a 3-node cluster on real processes, two ranges ("" – "m" – +∞). Writes and
 * linearizable reads through any node, forwarding, CAS, scans across ranges, and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKvError } from '../../proto/kv-error.js';
import { LocalCluster } from './support/local-cluster.js';
import { eventually } from './support/test-kv-client.js';

let cluster: LocalCluster;

beforeAll(async () => {
  cluster = await LocalCluster.start({ nodes: 3, splitKeys: ['m'] });
  // Wait until both ranges have leaders: a write to each succeeds.
  await eventually(() => cluster.client(1).put('warmup-a', '1'), 10_000);
  await eventually(() => cluster.client(1).put('warmup-z', '1'), 10_000);
}, 30_000);

afterAll(() => cluster?.stop());

describe('KV on a 3-node cluster', () => {
  it('writes through one node are read linearizably through every node', async () => {
    await cluster.client(1).put('apple', 'red');
    await cluster.client(2).put('zebra', 'striped');
    for (const id of [1, 2, 3]) {
      expect(await cluster.client(id).get('apple')).toBe('red');
      expect(await cluster.client(id).get('zebra')).toBe('striped');
    }
    expect(await cluster.client(3).get('absent')).toBeNull();
  });

  it('a write is visible to a read that starts after it is acknowledged, on any node (no stale reads)', async () => {
    for (let i = 0; i < 30; i++) {
      await cluster.client((i % 3) + 1).put('counter', String(i));
      expect(await cluster.client(((i + 1) % 3) + 1).get('counter')).toBe(String(i));
    }
  });

  it('compare-and-swap succeeds only on a match and reports what it found', async () => {
    const c = cluster.client(2);
    await c.put('cas-key', 'v1');
    const miss = await c.call<{ succeeded: boolean; currentValue: Buffer }>('CompareAndSwap', { key: Buffer.from('cas-key'), expectedValue: Buffer.from('nope'), newValue: Buffer.from('v2') });
    expect(miss.succeeded).toBe(false);
    expect(miss.currentValue.toString()).toBe('v1');
    const hit = await c.call<{ succeeded: boolean }>('CompareAndSwap', { key: Buffer.from('cas-key'), expectedValue: Buffer.from('v1'), newValue: Buffer.from('v2') });
    expect(hit.succeeded).toBe(true);
    expect(await c.get('cas-key')).toBe('v2');
    const create = await c.call<{ succeeded: boolean }>('CompareAndSwap', { key: Buffer.from('cas-new'), newValue: Buffer.from('x') });
    expect(create.succeeded).toBe(true);
    const again = await c.call<{ succeeded: boolean }>('CompareAndSwap', { key: Buffer.from('cas-new'), newValue: Buffer.from('y') });
    expect(again.succeeded).toBe(false);
  });

  it('delete removes a key and says whether it existed', async () => {
    const c = cluster.client(3);
    await c.put('doomed', 'x');
    const d1 = await c.call<{ deleted: boolean }>('Delete', { key: Buffer.from('doomed') });
    const d2 = await c.call<{ deleted: boolean }>('Delete', { key: Buffer.from('doomed') });
    expect([d1.deleted, d2.deleted]).toEqual([true, false]);
    expect(await c.get('doomed')).toBeNull();
  });

  it('scans pages across both ranges in key order, forward and reverse', async () => {
    const c = cluster.client(1);
    // Keys on both sides of the split at "m", in a window no other test writes to.
    const keys = ['l-scan-1', 'l-scan-2', 'l-scan-3', 'm-scan-1', 'm-scan-2', 'm-scan-3'];
    for (const k of keys) await c.put(k, k);
    const collect = async (reverse: boolean): Promise<string[]> => {
      const out: string[] = [];
      let token: Buffer = Buffer.alloc(0);
      for (let page = 0; page < 20; page++) {
        const r = await c.call<{ kvs: { key: Buffer }[]; nextPageToken: Buffer }>('Scan', { start: Buffer.from('l-scan'), end: Buffer.from('m-scan~'), limit: 2, reverse, pageToken: token });
        out.push(...r.kvs.map((kv) => kv.key.toString()));
        if (r.nextPageToken.length === 0) return out;
        token = r.nextPageToken;
      }
      throw new Error('scan did not finish');
    };
    const sorted = [...keys].sort();
    expect(await collect(false)).toEqual(sorted);
    expect(await collect(true)).toEqual([...sorted].reverse());
  });

  it('refuses bad input with INVALID_ARGUMENT and keeps serving', async () => {
    const c = cluster.client(1);
    const expectInvalid = async (p: Promise<unknown>): Promise<void> => {
      try {
        await p;
        expect.unreachable('accepted bad input');
      } catch (e) {
        expect(isKvError(e, 'INVALID_ARGUMENT')).toBe(true);
      }
    };
    await expectInvalid(c.call('Put', { key: Buffer.alloc(0), value: Buffer.from('x') }));
    await expectInvalid(c.call('Put', { key: Buffer.alloc(5000, 1), value: Buffer.from('x') }));
    await expectInvalid(c.call('Put', { key: Buffer.from('k'), value: Buffer.alloc((1 << 20) + 1) }));
    await expectInvalid(c.call('Put', { key: Buffer.from('k'), value: Buffer.from('x'), header: { clientId: Buffer.alloc(3), seq: '1' } }));
    await expectInvalid(c.call('Scan', { start: Buffer.from('a'), pageToken: Buffer.from('garbage') }));
    expect(await c.get('apple')).toBe('red');
  });

  it('answers a routed request for a range it does not hold with RANGE_NOT_FOUND', async () => {
    try {
      await cluster.client(1).call('Get', { key: Buffer.from('a'), header: { route: { rangeId: '999', epoch: { confVersion: '1', version: '1' } } } });
      expect.unreachable();
    } catch (e) {
      expect(isKvError(e, 'RANGE_NOT_FOUND')).toBe(true);
    }
  });

  it('answers a request routed with a stale epoch with EPOCH_MISMATCH and the current descriptor', async () => {
    for (const id of [1, 2, 3]) {
      try {
        await cluster.client(id).call('Get', { key: Buffer.from('a'), header: { route: { rangeId: '1', epoch: { confVersion: '0', version: '0' } } } });
        expect.unreachable();
      } catch (e) {
        expect(isKvError(e, 'EPOCH_MISMATCH')).toBe(true);
        if (isKvError(e)) expect(e.detail.range?.rangeId).toBe(1);
      }
    }
  });
});
