import { describe, expect, it } from 'vitest';
import { KvError } from '../../proto/kv-error.js';
import { rejection, text, useFakes } from './harness.js';

const fakes = useFakes();

describe('client routing', () => {
  it('locates once, then sends each request straight to its range leader with the route set', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    await client.put('apple', '1');
    await client.put('zebra', '2');
    expect(text((await client.get('apple'))?.value)).toBe('1');
    const data = c.requests.filter((r) => r.method !== 'Locate');
    expect(data.map((r) => [r.method, r.storeId, r.route?.rangeId])).toEqual([
      ['Put', 1, 1],
      ['Put', 2, 2],
      ['Get', 1, 1],
    ]);
    expect(data.every((r) => r.route?.version === 1 && r.route.confVersion === 1)).toBe(true);
    expect(c.requestsTo('Locate').length).toBe(1);
  });

  it('follows a NOT_LEADER hint to the new leader and remembers it', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.setLeader(1, 3);
    await client.put('apple', '1');
    await client.put('banana', '2');
    const puts = c.requestsTo('Put');
    expect(puts.map((r) => r.storeId)).toEqual([1, 3, 3]);
    // The retry is the same write: same seq.
    expect(puts[0]!.seq).toBe(puts[1]!.seq);
  });

  it('learns a split from EPOCH_MISMATCH and routes to the new range', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.setLayout([
      { id: 1, start: '', end: 'f', stores: [1, 2, 3], leader: 1, version: 2 },
      { id: 3, start: 'f', end: 'm', stores: [1, 2, 3], leader: 3, version: 2 },
      { id: 2, start: 'm', end: '', stores: [1, 2, 3], leader: 2 },
    ]);
    await client.put('grape', 'g');
    const puts = c.requestsTo('Put');
    expect(puts.map((r) => [r.storeId, r.route?.rangeId, r.route?.version])).toEqual([
      [1, 1, 1], // stale route → EPOCH_MISMATCH carrying range 1 at version 2, which no longer holds "grape"
      [3, 3, 2],
    ]);
    expect(c.value('grape')).toBe('g');
    // Range 1's new descriptor came with the error: no Locate needed for it.
    await client.put('apple', 'a');
    expect(c.requestsTo('Put').at(-1)).toMatchObject({ storeId: 1, route: { rangeId: 1, version: 2 } });
  });

  it('on RANGE_NOT_FOUND drops the range and locates it again', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.setLayout([
      { id: 1, start: '', end: 'm', stores: [2, 3], leader: 2, confVersion: 2 },
      { id: 2, start: 'm', end: '', stores: [1, 2, 3], leader: 2 },
    ]);
    await client.put('apple', '1');
    expect(c.requestsTo('Put').map((r) => [r.storeId, r.route?.confVersion])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('when the leader is down, tries the other replicas and follows their hint', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    await client.put('apple', '0');
    c.store(1).setDown(true);
    c.setLeader(1, 2);
    await client.put('apple', '1');
    expect(c.value('apple')).toBe('1');
    expect(c.requestsTo('Put').at(-1)?.storeId).toBe(2);
  });

  it('falls back to any node as a gateway (no route) when no replica answers', async () => {
    const c = await fakes.cluster({ ranges: [{ id: 1, start: '', end: '', stores: [1, 2], leader: 1 }] });
    const client = await fakes.client(c);
    c.store(1).setDown(true);
    c.store(2).setDown(true);
    await client.put('apple', '1');
    const last = c.requestsTo('Put').at(-1);
    expect(last?.storeId).toBe(3);
    expect(last?.route).toBeUndefined();
  });

  it('works with no Locate at all: every request goes through a gateway', async () => {
    const c = await fakes.cluster();
    c.inject({ method: 'Locate', times: Infinity, action: { kind: 'error', error: new KvError('UNAVAILABLE', 'locate is down') } });
    const client = await fakes.client(c);
    await client.put('apple', '1');
    expect(text((await client.get('apple'))?.value)).toBe('1');
    expect(c.requests.filter((r) => r.method !== 'Locate').every((r) => r.route === undefined)).toBe(true);
  });

  it('retries UNAVAILABLE and OVERLOADED answers with backoff', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ method: 'Get', times: 2, action: { kind: 'error', error: new KvError('UNAVAILABLE', 'no leader in time') } });
    c.inject({ method: 'Get', action: { kind: 'error', error: new KvError('OVERLOADED', 'busy', { retryAfterMs: 30 }) } });
    c.seed('apple', 'x');
    const t0 = performance.now();
    expect(text((await client.get('apple'))?.value)).toBe('x');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(c.requestsTo('Get').length).toBe(4);
  });

  it('does not retry errors no retry can fix', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ method: 'Get', action: { kind: 'error', error: new KvError('INVALID_ARGUMENT', 'key too long') } });
    const e = await rejection(client.get('apple'));
    expect(e).toBeInstanceOf(KvError);
    expect((e as KvError).code).toBe('INVALID_ARGUMENT');
    expect(c.requestsTo('Get').length).toBe(1);
  });

  it('sends follower and session reads to any replica', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.seed('apple', 'x');
    for (let i = 0; i < 12; i++) await client.get('apple', { consistency: i % 2 === 0 ? 'follower' : 'session' });
    const stores = new Set(c.requestsTo('Get').map((r) => r.storeId));
    expect(stores.size).toBeGreaterThan(1);
  });

  it('splits a BatchGet by range and answers in request order', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.seed('apple', 'A');
    c.seed('zebra', 'Z');
    c.seed('banana', 'B');
    const got = await client.batchGet(['zebra', 'apple', 'nothing', 'banana']);
    expect(got.map((kv) => text(kv?.value))).toEqual(['Z', 'A', undefined, 'B']);
    const batches = c.requestsTo('BatchGet').map((r) => [r.storeId, r.route?.rangeId, r.keys]);
    expect(batches).toHaveLength(2);
    expect(batches).toContainEqual([1, 1, ['apple', 'banana']]);
    expect(batches).toContainEqual([2, 2, ['nothing', 'zebra']]);
  });

  it('retries only the failed part of a BatchGet, re-split after a split', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.seed('apple', 'A');
    c.seed('grape', 'G');
    c.seed('zebra', 'Z');
    c.setLayout([
      { id: 1, start: '', end: 'f', stores: [1, 2, 3], leader: 1, version: 2 },
      { id: 3, start: 'f', end: 'm', stores: [1, 2, 3], leader: 3, version: 2 },
      { id: 2, start: 'm', end: '', stores: [1, 2, 3], leader: 2 },
    ]);
    const got = await client.batchGet(['apple', 'grape', 'zebra']);
    expect(got.map((kv) => text(kv?.value))).toEqual(['A', 'G', 'Z']);
    const zebraAsks = c.requestsTo('BatchGet').filter((r) => r.keys.includes('zebra'));
    expect(zebraAsks).toHaveLength(1);
  });
});
