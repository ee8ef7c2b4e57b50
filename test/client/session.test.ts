import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../../client/session-tracker.js';
import { decodeSessionToken, encodeSessionToken } from '../../proto/session-token.js';
import { useFakes } from './harness.js';

const fakes = useFakes();

const tokenOf = (entries: [number, number][]): Uint8Array => encodeSessionToken(new Map(entries));
const decoded = (t: Uint8Array): [number, number][] => [...decodeSessionToken(t)].sort(([a], [b]) => a - b);

describe('SessionTracker', () => {
  it('merges tokens per range, keeping the highest index, whatever order they arrive in', () => {
    const s = new SessionTracker();
    expect(s.current).toHaveLength(0);
    s.observe(tokenOf([[1, 5]]));
    s.observe(tokenOf([[2, 3]]));
    s.observe(tokenOf([[1, 4]])); // an older answer arriving late
    expect(decoded(s.current)).toEqual([
      [1, 5],
      [2, 3],
    ]);
    s.observe(tokenOf([[1, 9], [2, 1]]));
    expect(decoded(s.current)).toEqual([
      [1, 9],
      [2, 3],
    ]);
  });

  it('ignores empty and malformed tokens', () => {
    const s = new SessionTracker();
    s.observe(tokenOf([[1, 5]]));
    s.observe(new Uint8Array(0));
    s.observe(Uint8Array.of(0xff, 0x01, 0x02));
    expect(decoded(s.current)).toEqual([[1, 5]]);
  });
});

describe('session tokens on the wire', () => {
  it('every request carries the token merged from all earlier answers', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    await client.put('apple', '1'); // range 1
    await client.put('zebra', '1'); // range 2
    await client.put('zebra', '2');
    await client.get('apple', { consistency: 'session' });
    const reqs = c.requests.filter((r) => r.method !== 'Locate');
    expect(decoded(reqs[0]!.sessionToken)).toEqual([]);
    expect(decoded(reqs[1]!.sessionToken)).toEqual([[1, 1]]);
    expect(decoded(reqs[2]!.sessionToken)).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(decoded(reqs[3]!.sessionToken)).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(decoded(client.sessionToken)).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('a token from another client can be adopted (read-your-writes across clients)', async () => {
    const c = await fakes.cluster();
    const writer = await fakes.client(c);
    const reader = await fakes.client(c);
    await writer.put('apple', '1');
    reader.observeSessionToken(writer.sessionToken);
    await reader.get('apple', { consistency: 'session' });
    expect(decoded(c.requestsTo('Get').at(-1)!.sessionToken)).toEqual([[1, 1]]);
  });

  it('learns tokens from scan and batch answers too', async () => {
    const c = await fakes.cluster();
    const writer = await fakes.client(c);
    await writer.put('apple', '1');
    await writer.put('zebra', '1');
    const reader = await fakes.client(c);
    for await (const _ of reader.scan({ consistency: 'session' })) void _;
    expect(decoded(reader.sessionToken)).toEqual([
      [1, 1],
      [2, 1],
    ]);
    const other = await fakes.client(c);
    await other.batchGet(['apple', 'zebra']);
    expect(decoded(other.sessionToken)).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });
});
