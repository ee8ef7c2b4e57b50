import { describe, expect, it } from 'vitest';
import type { LocateResponse__Output } from '../../proto/generated/rangekv/v1/LocateResponse.js';
import { parseGetAnswer, parseLocateAnswer, parseUint64 } from '../../client/answers.js';
import { fromHex, keyBytes, toBytes, toHex, toText } from '../../client/bytes.js';
import { resolveClientOptions } from '../../client/client-options.js';
import { WriteSequencer } from '../../client/write-sequencer.js';
import { KvError } from '../../proto/kv-error.js';
import { storeId } from '../../proto/range-descriptor.js';

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return e instanceof KvError ? e.code : `not a KvError: ${String(e)}`;
  }
  return 'no error';
};

describe('WriteSequencer', () => {
  it('hands out increasing seqs from 1 and tracks the smallest in flight', () => {
    const s = new WriteSequencer(new Uint8Array(16));
    expect(s.firstIncompleteSeq()).toBe(1n);
    const a = s.begin();
    const b = s.begin();
    const c = s.begin();
    expect([a, b, c]).toEqual([1n, 2n, 3n]);
    expect(s.firstIncompleteSeq()).toBe(1n);
    s.end(b);
    expect(s.firstIncompleteSeq()).toBe(1n);
    s.end(a);
    expect(s.firstIncompleteSeq()).toBe(3n);
    s.end(c);
    expect(s.firstIncompleteSeq()).toBe(4n);
    expect(s.inflightCount).toBe(0);
  });

  it('refuses to end a seq twice, and ids that are not 16 bytes', () => {
    const s = new WriteSequencer();
    expect(s.clientId).toHaveLength(16);
    const a = s.begin();
    s.end(a);
    expect(() => s.end(a)).toThrow();
    expect(() => new WriteSequencer(new Uint8Array(8))).toThrow(RangeError);
  });
});

describe('answers are parsed once at the boundary', () => {
  it('uint64 strings become bigints; anything else is a malformed answer', () => {
    expect(parseUint64('18446744073709551615', 'v')).toBe(2n ** 64n - 1n);
    expect(codeOf(() => parseUint64('18446744073709551616', 'v'))).toBe('INTERNAL');
    expect(codeOf(() => parseUint64('-1', 'v'))).toBe('INTERNAL');
    expect(codeOf(() => parseUint64('', 'v'))).toBe('INTERNAL');
  });

  it('a found Get without a key-value is malformed', () => {
    expect(codeOf(() => parseGetAnswer({ header: null, found: true, kv: null }))).toBe('INTERNAL');
    expect(parseGetAnswer({ header: null, found: false, kv: null }).value).toBeUndefined();
  });

  it('Locate answers become descriptors with leaders and store addresses', () => {
    const raw: LocateResponse__Output = {
      ranges: [
        {
          rangeId: '7',
          start: Buffer.from('a'),
          end: Buffer.from(''),
          epoch: { confVersion: '2', version: '3' },
          replicas: [
            { storeId: '1', replicaId: '1', learner: false },
            { storeId: '4', replicaId: '5', learner: true },
          ],
          leaderStoreId: '0',
        },
      ],
      stores: [{ storeId: '1', address: '127.0.0.1:7001' }],
    };
    const a = parseLocateAnswer(raw);
    expect(a.ranges[0]!.descriptor).toMatchObject({ rangeId: 7, epoch: { confVersion: 2, version: 3 }, nextReplicaId: 6 });
    expect(a.ranges[0]!.descriptor.replicas.map((r) => r.role)).toEqual(['voter', 'learner']);
    expect(a.ranges[0]!.leaderStoreId).toBeUndefined();
    expect(a.stores.get(storeId(1))).toBe('127.0.0.1:7001');
    expect(codeOf(() => parseLocateAnswer({ ...raw, ranges: [{ ...raw.ranges[0]!, start: Buffer.from('b'), end: Buffer.from('a') }] }))).toBe('INTERNAL');
    expect(codeOf(() => parseLocateAnswer({ ...raw, stores: [{ storeId: '1', address: 'nowhere' }] }))).toBe('INTERNAL');
    expect(codeOf(() => parseLocateAnswer({ ...raw, ranges: [{ ...raw.ranges[0]!, epoch: null }] }))).toBe('INTERNAL');
  });
});

describe('bytes helpers and options', () => {
  it('refuses a key or value that is neither a string nor bytes (JavaScript callers: 123 is not stored as empty)', () => {
    for (const bad of [123, null, undefined, { a: 1 }, [1, 2]]) {
      expect(() => toBytes(bad as unknown as string)).toThrow(/strings or Uint8Arrays/);
    }
    expect(toBytes(Buffer.from('x'))).toEqual(Buffer.from('x'));
  });

  it('converts between strings, hex and bytes', () => {
    expect(toText(toBytes('héllo'))).toBe('héllo');
    expect(toHex(fromHex('00ff10'))).toBe('00ff10');
    expect(codeOf(() => fromHex('abc'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => keyBytes(''))).toBe('INVALID_ARGUMENT');
  });

  it('validates client options', () => {
    expect(codeOf(() => resolveClientOptions({ addresses: [] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => resolveClientOptions({ addresses: ['localhost'] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => resolveClientOptions({ addresses: ['localhost:0'] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => resolveClientOptions({ addresses: ['a:1'], timeoutMs: 0 }))).toBe('INVALID_ARGUMENT');
    const o = resolveClientOptions({ addresses: ['a:1', 'a:1', '[::1]:7001'] });
    expect(o.addresses).toEqual(['a:1', '[::1]:7001']);
    expect(o.timeoutMs).toBe(10_000);
    expect(o.consistency).toBe('linearizable');
  });
});
