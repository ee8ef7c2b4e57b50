import { describe, expect, it } from 'vitest';
import type { RangekvClient, ScanOptions } from '../../client/index.js';
import { KvError } from '../../proto/kv-error.js';
import type { FakeKvCluster, FakeRangeSpec } from '../cluster/fakes/fake-kv-cluster.js';
import { text, useFakes } from './harness.js';

const fakes = useFakes();

/** Three ranges on three stores, each led by a different store. */
const threeRanges: readonly FakeRangeSpec[] = [
  { id: 1, start: '', end: 'h', stores: [1, 2, 3], leader: 1 },
  { id: 2, start: 'h', end: 'p', stores: [1, 2, 3], leader: 2 },
  { id: 3, start: 'p', end: '', stores: [1, 2, 3], leader: 3 },
];

const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');

async function seeded(): Promise<{ c: FakeKvCluster; client: RangekvClient }> {
  const c = await fakes.cluster({ ranges: threeRanges });
  for (const l of letters) c.seed(l, l.toUpperCase());
  const client = await fakes.client(c);
  return { c, client };
}

async function keysOf(client: RangekvClient, o: ScanOptions): Promise<string[]> {
  const out: string[] = [];
  for await (const kv of client.scan(o)) out.push(text(kv.key)!);
  return out;
}

describe('scan', () => {
  it('iterates across pages and ranges in key order, each page routed to its range leader', async () => {
    const { c, client } = await seeded();
    const kvs: [string, string][] = [];
    for await (const kv of client.scan({ limitPerPage: 3 })) kvs.push([text(kv.key)!, text(kv.value)!]);
    expect(kvs).toEqual(letters.map((l) => [l, l.toUpperCase()]));
    const scans = c.requestsTo('Scan');
    expect(new Set(scans.map((s) => `${s.route?.rangeId}@${s.storeId}`))).toEqual(new Set(['1@1', '2@2', '3@3']));
    // a..g in range 1 at 3 per page: 3 pages, the later two continuing with a token.
    expect(scans.filter((s) => s.route?.rangeId === 1).map((s) => s.scan?.pageToken)).toEqual([false, true, true]);
  });

  it('iterates in reverse', async () => {
    const { client } = await seeded();
    expect(await keysOf(client, { reverse: true, limitPerPage: 4 })).toEqual([...letters].reverse());
  });

  it('honours start, end and a total limit, forward and reverse', async () => {
    const { client } = await seeded();
    expect(await keysOf(client, { start: 'f', end: 'r', limitPerPage: 2 })).toEqual(letters.slice(5, 17));
    expect(await keysOf(client, { start: 'f', end: 'r', limitPerPage: 2, reverse: true })).toEqual(letters.slice(5, 17).reverse());
    expect(await keysOf(client, { start: 'f', limit: 5, limitPerPage: 2 })).toEqual(['f', 'g', 'h', 'i', 'j']);
    expect(await keysOf(client, { end: 'r', limit: 4, reverse: true })).toEqual(['q', 'p', 'o', 'n']);
    expect(await keysOf(client, { start: 'x', end: 'c' })).toEqual([]);
    expect(await keysOf(client, { start: 'h', end: 'h\x00' })).toEqual(['h']);
  });

  it('keysOnly returns empty values', async () => {
    const { client } = await seeded();
    for await (const kv of client.scan({ start: 'a', end: 'c', keysOnly: true })) expect(kv.value).toHaveLength(0);
  });

  it('survives a split between pages without repeating or skipping keys', async () => {
    const { c, client } = await seeded();
    const seen: string[] = [];
    for await (const kv of client.scan({ limitPerPage: 2 })) {
      seen.push(text(kv.key)!);
      if (seen.length === 3) {
        c.setLayout([
          { id: 1, start: '', end: 'e', stores: [1, 2, 3], leader: 1, version: 2 },
          { id: 4, start: 'e', end: 'h', stores: [1, 2, 3], leader: 2, version: 2 },
          { id: 2, start: 'h', end: 'p', stores: [1, 2, 3], leader: 2 },
          { id: 3, start: 'p', end: '', stores: [1, 2, 3], leader: 3 },
        ]);
      }
    }
    expect(seen).toEqual(letters);
    expect(c.requestsTo('Scan').some((s) => s.route?.rangeId === 4)).toBe(true);
  });

  it('scans through a gateway when nothing can be located', async () => {
    const c = await fakes.cluster({ ranges: threeRanges });
    for (const l of letters) c.seed(l, l.toUpperCase());
    c.inject({ method: 'Locate', times: Infinity, action: { kind: 'error', error: new KvError('UNAVAILABLE', 'locate is down') } });
    const client = await fakes.client(c);
    expect(await keysOf(client, { limitPerPage: 5 })).toEqual(letters);
    expect(await keysOf(client, { limitPerPage: 5, reverse: true })).toEqual([...letters].reverse());
    expect(c.requestsTo('Scan').every((s) => s.route === undefined)).toBe(true);
  });

  it('finds the last range for a reverse scan to +∞ by paging Locate', async () => {
    const ranges: FakeRangeSpec[] = letters.slice(0, 12).map((l, i) => ({ id: i + 1, start: i === 0 ? '' : l, end: i === 11 ? '' : letters[i + 1]!, stores: [1, 2, 3], leader: (i % 3) + 1 }));
    const c = await fakes.cluster({ ranges });
    for (const l of letters) c.seed(l, l);
    const client = await fakes.client(c, { locateRangesMax: 2 });
    expect(await keysOf(client, { reverse: true, limitPerPage: 7 })).toEqual([...letters].reverse());
    expect(c.requestsTo('Scan').every((s) => s.route !== undefined)).toBe(true);
  });

  it('retries a page after UNAVAILABLE and carries on', async () => {
    const { c, client } = await seeded();
    c.inject({ method: 'Scan', store: 2, action: { kind: 'error', error: new KvError('UNAVAILABLE', 'no quorum') } });
    expect(await keysOf(client, { limitPerPage: 4 })).toEqual(letters);
  });

  it('rejects a page out of order or out of bounds (a server bug) instead of looping', async () => {
    const { c, client } = await seeded();
    c.inject({ method: 'Scan', action: { kind: 'tamper', tamper: (a) => void (a['kvs'] as unknown[]).reverse() } });
    const it = client.scan({ limitPerPage: 100 })[Symbol.asyncIterator]();
    const e = await it.next().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(KvError);
    expect((e as KvError).code).toBe('INTERNAL');
  });
});
