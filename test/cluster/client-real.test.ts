/**
 * The client library against real node processes: routing across ranges, scans, and writes that
 * keep succeeding while a leader is killed (every acknowledged write readable afterwards).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RangekvClient, isKvError, toText } from '../../client/index.js';
import { leaderOf } from './support/leader.js';
import { LocalCluster } from './support/local-cluster.js';
import { eventually } from './support/test-kv-client.js';

let cluster: LocalCluster;
let client: RangekvClient;

beforeAll(async () => {
  cluster = await LocalCluster.start({ nodes: 3, splitKeys: ['g', 'p'] });
  client = await RangekvClient.connect({ addresses: [1, 2, 3].map((id) => cluster.address(id)), timeoutMs: 10_000 });
  await eventually(async () => {
    for (const k of ['a', 'h', 'q']) await client.put(`warm-${k}`, '1');
  }, 15_000);
}, 40_000);

afterAll(() => {
  client?.close();
  cluster?.stop();
});

describe('client against real nodes', () => {
  it('reads its writes across three ranges, and scans them in order', async () => {
    const keys = ['apple', 'banana', 'grape', 'kiwi', 'plum', 'quince', 'zucchini'];
    for (const k of keys) await client.put(k, k.toUpperCase());
    for (const k of keys) expect(toText((await client.get(k))!.value)).toBe(k.toUpperCase());
    const scanned: string[] = [];
    for await (const kv of client.scan({ start: 'a', end: 'zz', limitPerPage: 2 })) if (keys.includes(toText(kv.key))) scanned.push(toText(kv.key));
    expect(scanned).toEqual(keys);
    const reversed: string[] = [];
    for await (const kv of client.scan({ start: 'a', end: 'zz', reverse: true })) if (keys.includes(toText(kv.key))) reversed.push(toText(kv.key));
    expect(reversed).toEqual([...keys].reverse());
  });

  it('keeps writing through kill -9 of a leader: every write succeeds or is OUTCOME_UNKNOWN, and every acknowledged one survives', async () => {
    const leader = await eventually(async () => (await leaderOf(cluster, 'h')) || Promise.reject(new Error('no leader')), 5000);
    const acked = new Set<string>();
    let unknown = 0;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; i < 60; i++) {
        const key = `load-${w}-${i}`;
        try {
          await client.put(key, `v${i}`);
          acked.add(key);
        } catch (e) {
          if (isKvError(e, 'OUTCOME_UNKNOWN')) unknown++;
          else throw e;
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    await new Promise((r) => setTimeout(r, 300));
    await cluster.kill(leader);
    await load;
    expect(acked.size + unknown).toBe(8 * 60);
    expect(acked.size).toBeGreaterThan(0);
    for (const key of acked) expect((await client.get(key))?.value).toBeDefined();
    await cluster.startMember(leader);
  });
});
