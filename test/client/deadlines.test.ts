import { describe, expect, it } from 'vitest';
import { KvError } from '../../proto/kv-error.js';
import { rejection, text, useFakes } from './harness.js';

const fakes = useFakes();

const codeOf = (e: unknown): string => (e instanceof KvError ? e.code : `not a KvError: ${String(e)}`);

describe('client deadlines and retries', () => {
  it('retries stop at the deadline, and nothing is sent after it', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ method: 'Get', times: Infinity, action: { kind: 'error', error: new KvError('UNAVAILABLE', 'no leader') } });
    const t0 = performance.now();
    const e = await rejection(client.get('apple', { timeoutMs: 300 }));
    const elapsed = performance.now() - t0;
    expect(codeOf(e)).toBe('UNAVAILABLE');
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(800);
    const sent = c.requestsTo('Get').length;
    expect(sent).toBeGreaterThan(3);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.requestsTo('Get').length).toBe(sent);
  });

  it('gives up at once when the server asks for a wait longer than the time left', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ method: 'Get', action: { kind: 'error', error: new KvError('OVERLOADED', 'shedding', { retryAfterMs: 5_000 }) } });
    const t0 = performance.now();
    const e = await rejection(client.get('apple', { timeoutMs: 1_000 }));
    expect(codeOf(e)).toBe('OVERLOADED');
    expect(performance.now() - t0).toBeLessThan(300);
  });

  it('a read answered only after the deadline fails with DEADLINE_EXCEEDED at the deadline', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c, { attemptTimeoutMs: 5_000 });
    c.inject({ method: 'Get', times: Infinity, action: { kind: 'delay', ms: 2_000 } });
    const t0 = performance.now();
    const e = await rejection(client.get('apple', { timeoutMs: 250 }));
    const elapsed = performance.now() - t0;
    expect(codeOf(e)).toBe('DEADLINE_EXCEEDED');
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(700);
  });

  it('the attempt timeout lets a read leave a hung leader for the new one', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c, { attemptTimeoutMs: 100 });
    c.seed('apple', 'x');
    c.inject({ store: 1, method: 'Get', times: Infinity, action: { kind: 'hang' } });
    setTimeout(() => c.setLeader(1, 2), 20);
    const t0 = performance.now();
    expect(text((await client.get('apple', { timeoutMs: 2_000 }))?.value)).toBe('x');
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(c.requestsTo('Get').at(-1)?.storeId).toBe(2);
  });

  it('a closed client rejects calls with INVALID_ARGUMENT', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    await client.close();
    expect(codeOf(await rejection(client.get('apple')))).toBe('INVALID_ARGUMENT');
    expect(codeOf(await rejection(client.put('apple', '1')))).toBe('INVALID_ARGUMENT');
    expect(() => client.scan()).toThrow(KvError);
  });

  it('closing fails calls in flight (a read definitely, a write as OUTCOME_UNKNOWN)', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    c.inject({ times: Infinity, method: 'Get', action: { kind: 'hang' } });
    c.inject({ times: Infinity, method: 'Put', action: { kind: 'hang' } });
    const read = rejection(client.get('apple'));
    const write = rejection(client.put('apple', '1'));
    await new Promise((r) => setTimeout(r, 50));
    await client.close();
    expect(codeOf(await read)).toBe('INVALID_ARGUMENT');
    expect(codeOf(await write)).toBe('OUTCOME_UNKNOWN');
  });

  it('rejects bad input before sending anything', async () => {
    const c = await fakes.cluster();
    const client = await fakes.client(c);
    expect(codeOf(await rejection(client.get('')))).toBe('INVALID_ARGUMENT');
    expect(codeOf(await rejection(client.put('k', 'v', { timeoutMs: -1 })))).toBe('INVALID_ARGUMENT');
    expect(() => client.scan({ limitPerPage: 0 })).toThrow(KvError);
    expect(c.requests.filter((r) => r.method !== 'Locate')).toHaveLength(0);
  });
});
