import { describe, expect, it } from 'vitest';
import { KvError } from '../../proto/kv-error.js';
import { rejection, text, useFakes } from './harness.js';

const fakes = useFakes();

const codeOf = (e: unknown): string => (e instanceof KvError ? e.code : `not a KvError: ${String(e)}`);

describe('exactly-once writes: header fields', () => {
  it('gives every write the client id and the next seq; reads carry no client id', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    await client.put('apple', '1');
    await client.delete('apple');
    await client.compareAndSwap('apple', null, '2');
    await client.get('apple');
    const writes = c.requests.filter((r) => r.method === 'Put' || r.method === 'Delete' || r.method === 'CompareAndSwap');
    const id = Buffer.from(client.clientId).toString('hex');
    expect(id).toHaveLength(32);
    expect(writes.map((r) => [r.clientId, r.seq, r.firstIncompleteSeq])).toEqual([
      [id, 1n, 1n],
      [id, 2n, 2n],
      [id, 3n, 3n],
    ]);
    const get = c.requestsTo('Get')[0]!;
    expect([get.clientId, get.seq]).toEqual(['', 0n]);
  });

  it('first_incomplete_seq is the smallest seq still in flight', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ method: 'Put', action: { kind: 'delay', ms: 150 } });
    const slow = client.put('apple', 'slow');
    await new Promise((r) => setTimeout(r, 30));
    await client.put('banana', 'fast');
    await client.put('cherry', 'fast');
    await slow;
    await client.put('date', 'after');
    expect(c.requestsTo('Put').map((r) => [r.key, r.seq, r.firstIncompleteSeq])).toEqual([
      ['apple', 1n, 1n],
      ['banana', 2n, 1n],
      ['cherry', 3n, 1n],
      ['date', 4n, 4n],
    ]);
  });

  it('two clients never share an id', async () => {
    const c = await fakes.cluster();
    const a = await fakes.client(c);
    const b = await fakes.client(c);
    expect(Buffer.from(a.clientId).equals(Buffer.from(b.clientId))).toBe(false);
  });
});

describe('exactly-once writes: retries and unknown outcomes', () => {
  it('a write whose connection dies after it was applied is retried with the same seq and applied once', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ method: 'Put', action: { kind: 'drop', apply: true } });
    const r = await client.put('apple', '1');
    const puts = c.requestsTo('Put');
    expect(puts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(puts.map((p) => p.seq))).toEqual(new Set([1n]));
    expect([...c.applications.values()]).toEqual([1]);
    // The retry was answered with the original result.
    expect(r.version).toBeGreaterThan(0n);
    expect(c.value('apple')).toBe('1');
  });

  it('a non-idempotent CAS retried after a lost answer reports its original success', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.seed('apple', 'old');
    c.inject({ method: 'CompareAndSwap', action: { kind: 'drop', apply: true } });
    const r = await client.compareAndSwap('apple', 'old', 'new');
    // Applied again, the CAS would have failed (the value is already "new"); the table answers the first result.
    expect(r.succeeded).toBe(true);
    expect(text(r.current)).toBe('old');
    expect(c.value('apple')).toBe('new');
    expect([...c.applications.values()]).toEqual([1]);
  });

  it('a server OUTCOME_UNKNOWN is retried with the same seq and resolved by the table', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ method: 'Put', action: { kind: 'outcome-unknown', apply: true } });
    await client.put('apple', '1');
    expect(c.requestsTo('Put').map((p) => p.seq)).toEqual([1n, 1n]);
    expect([...c.applications.values()]).toEqual([1]);
  });

  it('a write whose connection dies after sending, with no answer before the deadline, ends OUTCOME_UNKNOWN', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ method: 'Put', action: { kind: 'drop', apply: false } });
    c.inject({ method: 'Put', times: Infinity, action: { kind: 'error', error: new KvError('UNAVAILABLE', 'no leader') } });
    const t0 = performance.now();
    const e = await rejection(client.put('apple', '1', { timeoutMs: 300 }));
    expect(codeOf(e)).toBe('OUTCOME_UNKNOWN');
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('a definite error after an ambiguous attempt is still OUTCOME_UNKNOWN, never a failure', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ method: 'Put', action: { kind: 'drop', apply: true } });
    c.inject({ method: 'Put', action: { kind: 'error', error: new KvError('INVALID_ARGUMENT', 'changed its mind') } });
    const e = await rejection(client.put('apple', '1'));
    expect(codeOf(e)).toBe('OUTCOME_UNKNOWN');
  });

  it('server OUTCOME_UNKNOWN until the deadline ends OUTCOME_UNKNOWN', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ method: 'Put', times: Infinity, action: { kind: 'outcome-unknown', apply: false } });
    const e = await rejection(client.put('apple', '1', { timeoutMs: 200 }));
    expect(codeOf(e)).toBe('OUTCOME_UNKNOWN');
  });

  it('a write answered only after its deadline ends OUTCOME_UNKNOWN, and nothing is sent after the deadline', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ method: 'Put', times: Infinity, action: { kind: 'delay', ms: 1_000, applyFirst: true } });
    const t0 = performance.now();
    const e = await rejection(client.put('apple', '1', { timeoutMs: 250 }));
    const elapsed = performance.now() - t0;
    expect(codeOf(e)).toBe('OUTCOME_UNKNOWN');
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(800);
    const sent = c.requestsTo('Put').length;
    await new Promise((r) => setTimeout(r, 150));
    expect(c.requestsTo('Put').length).toBe(sent);
    // It did take effect (once): OUTCOME_UNKNOWN was the honest answer.
    expect(c.value('apple')).toBe('1');
    expect([...c.applications.values()]).toEqual([1]);
  });

  it('retries definitely-not-applied errors while time remains, and succeeds', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ method: 'Put', action: { kind: 'error', error: new KvError('NOT_LEADER', 'election', { retryAfterMs: 10 }) } });
    c.inject({ method: 'Put', action: { kind: 'error', error: new KvError('SHUTTING_DOWN', 'bye') } });
    c.inject({ method: 'Put', action: { kind: 'error', error: new KvError('OVERLOADED', 'busy') } });
    c.inject({ method: 'Put', action: { kind: 'error', error: new KvError('UNAVAILABLE', 'no quorum') } });
    await client.put('apple', '1');
    expect(c.value('apple')).toBe('1');
    // Four rejections, the success, and a detour: after "no leader known" the client asks another replica, which points back.
    const puts = c.requestsTo('Put');
    expect(puts.length).toBeGreaterThanOrEqual(5);
    expect(new Set(puts.map((p) => p.seq))).toEqual(new Set([1n]));
    expect([...c.applications.values()]).toEqual([1]);
  });

  it('a write that only met definite rejections fails with a definite error, not OUTCOME_UNKNOWN', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c, { retry: { attemptsMax: 6, backoffInitialMs: 1, backoffMaxMs: 5 } });
    c.inject({ method: 'Put', times: Infinity, action: { kind: 'error', error: new KvError('UNAVAILABLE', 'no quorum') } });
    // Bounded by attempts rather than time: an attempt still in flight at the deadline would be ambiguous.
    const e = await rejection(client.put('apple', '1'));
    expect(codeOf(e)).toBe('UNAVAILABLE');
    expect(c.requestsTo('Put')).toHaveLength(6);
    expect((e as KvError).definitelyNotApplied).toBe(true);
  });

  it('a write to a cluster that cannot be reached fails definitely (nothing was sent)', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    for (const s of c.stores.values()) s.setDown(true);
    const e = await rejection(client.put('apple', '1', { timeoutMs: 300 }));
    expect(codeOf(e)).toBe('UNAVAILABLE');
    expect(c.requestsTo('Put')).toHaveLength(0);
  });

  it('aborting a write that may have been sent gives OUTCOME_UNKNOWN; aborting a read gives DEADLINE_EXCEEDED', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ times: Infinity, method: 'Put', action: { kind: 'hang' } });
    c.inject({ times: Infinity, method: 'Get', action: { kind: 'hang' } });
    const ac = new AbortController();
    const write = rejection(client.put('apple', '1', { signal: ac.signal }));
    const read = rejection(client.get('apple', { signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    expect(codeOf(await write)).toBe('OUTCOME_UNKNOWN');
    expect(codeOf(await read)).toBe('DEADLINE_EXCEEDED');
  });
});
