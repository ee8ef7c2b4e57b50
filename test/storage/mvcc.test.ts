/**
 * The MVCC engine (issue 3, point 5) against a deliberately simple in-memory model
 * (mvcc-model.ts): random sequences of writes, tombstones, lock and rollback records, span
 * deletions, locks, and reads — point gets, forward and reverse scans with limits and unbounded
 * ends, write-record lookups — at random timestamps, under several seek bounds so both the walk
 * and the seek paths of a scan are exercised. Plus the efficiency claim: a scan over keys with
 * many versions does not step over every version.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import type { KeySpan } from '../../storage/key-span.js';
import { mvcc, type KeyedLock, type KvPair, type Lock, type MvccMutation, type WriteRecord } from '../../storage/mvcc-types.js';
import type { Store } from '../../storage/store.js';
import { composeTimestamp, logicalOf, physicalMsOf, timestamp, timestampMax, type Timestamp } from '../../storage/timestamp.js';
import { MvccModel } from './mvcc-model.js';
import { TempDir, bytes, wholeSpan } from './helpers.js';

let dir: TempDir | undefined;
afterEach(() => {
  dir?.cleanup();
  dir = undefined;
});

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const pairs = (ps: readonly KvPair[]) => ps.map((p) => `${hex(p.key)}=${hex(p.value)}@${p.commitTs}`);
const records = (rs: ReadonlyArray<WriteRecord | null>) =>
  rs.map((r) => (r === null ? null : `${r.kind}@${r.commitTs}/${r.startTs}${r.kind === 'put' ? `=${hex(r.value)}` : ''}`));
const lockText = (l: Lock | null) =>
  l === null
    ? null
    : `${hex(l.primaryKey)}@${l.startTs}/${l.ttlMs}/${l.kind}/${l.value === null ? '-' : hex(l.value)}`;
const keyedLockText = (l: KeyedLock) => `${hex(l.key)}:${lockText(l)}`;

// Few, short keys with shared prefixes and 0x00/0xff bytes: bytewise order is where bugs hide.
const keyArb = fc.array(fc.constantFrom(0x00, 0x01, 0x7f, 0xff), { maxLength: 3 }).map((a) => Buffer.from(a));
const tsArb: fc.Arbitrary<Timestamp> = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 1, max: 40 }).map((n) => timestamp(BigInt(n))) },
  { weight: 1, arbitrary: fc.bigInt({ min: timestampMax - 3n, max: timestampMax }).map(timestamp) },
);
const valueArb = fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a));
const spanArb: fc.Arbitrary<KeySpan> = fc.tuple(keyArb, keyArb, fc.boolean()).map(([a, b, unbounded]) => {
  const [lo, hi] = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a];
  if (unbounded || Buffer.compare(lo, hi) === 0) return { start: lo, end: Buffer.alloc(0) };
  return { start: lo, end: hi };
});
const lockArb: fc.Arbitrary<Lock> = fc
  .record({ primaryKey: keyArb, startTs: tsArb, ttlMs: fc.nat(10_000), kind: fc.constantFrom('put', 'delete', 'lock'), value: valueArb })
  .map((l) => ({ ...l, value: l.kind === 'put' ? l.value : null }));

const mutationArb: fc.Arbitrary<MvccMutation> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(keyArb, tsArb, valueArb).map(([k, t, v]) => mvcc.put(k, t, v)) },
  { weight: 3, arbitrary: fc.tuple(keyArb, tsArb).map(([k, t]) => mvcc.delete(k, t)) },
  { weight: 1, arbitrary: fc.tuple(keyArb, tsArb).map(([k, t]) => mvcc.rollback(k, t)) },
  { weight: 1, arbitrary: fc.tuple(keyArb, tsArb, tsArb).map(([k, a, b]) => mvcc.lockRecord(k, a > b ? a : b, a > b ? b : a)) },
  { weight: 1, arbitrary: fc.tuple(keyArb, tsArb, valueArb, tsArb).map(([k, c, v, s]) => mvcc.put(k, c, v, s < c ? s : c)) },
  { weight: 1, arbitrary: fc.tuple(keyArb, tsArb).map(([k, t]) => mvcc.deleteWrite(k, t)) },
  { weight: 2, arbitrary: fc.tuple(keyArb, lockArb).map(([k, l]) => mvcc.putLock(k, l)) },
  { weight: 1, arbitrary: keyArb.map((k) => mvcc.deleteLock(k)) },
  { weight: 1, arbitrary: spanArb.map((s) => mvcc.deleteSpan(s)) },
);

type Read =
  | { readonly r: 'get'; readonly key: Buffer; readonly ts: Timestamp }
  | { readonly r: 'scan'; readonly span: KeySpan; readonly ts: Timestamp; readonly limit: number; readonly reverse: boolean }
  | { readonly r: 'writes'; readonly key: Buffer; readonly ts: Timestamp; readonly limit: number }
  | { readonly r: 'byStart'; readonly key: Buffer; readonly ts: Timestamp }
  | { readonly r: 'lock'; readonly key: Buffer }
  | { readonly r: 'locks'; readonly span: KeySpan; readonly limit: number };

const readArb: fc.Arbitrary<Read> = fc.oneof(
  fc.record({ r: fc.constant('get' as const), key: keyArb, ts: tsArb }),
  {
    weight: 3,
    arbitrary: fc.record({
      r: fc.constant('scan' as const),
      span: spanArb,
      ts: tsArb,
      limit: fc.integer({ min: 1, max: 12 }),
      reverse: fc.boolean(),
    }),
  },
  fc.record({ r: fc.constant('writes' as const), key: keyArb, ts: tsArb, limit: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ r: fc.constant('byStart' as const), key: keyArb, ts: tsArb }),
  fc.record({ r: fc.constant('lock' as const), key: keyArb }),
  fc.record({ r: fc.constant('locks' as const), span: spanArb, limit: fc.integer({ min: 1, max: 5 }) }),
);

function read(store: Store | MvccModel, q: Read): unknown {
  const m = store instanceof MvccModel ? store : store.mvcc;
  switch (q.r) {
    case 'get': {
      const p = m.get(q.key, q.ts);
      return p === null ? null : pairs([p]);
    }
    case 'scan':
      return pairs(
        store instanceof MvccModel
          ? store.scan(q.span, q.ts, q.limit, q.reverse)
          : store.mvcc.scan({ span: q.span, readTs: q.ts, limit: q.limit, reverse: q.reverse }),
      );
    case 'writes':
      return records(m.writeRecords(q.key, q.ts, q.limit));
    case 'byStart':
      return records([m.writeByStartTs(q.key, q.ts)]);
    case 'lock':
      return lockText(m.lock(q.key));
    case 'locks':
      return m.locks(q.span, q.limit).map(keyedLockText);
  }
}

describe.each([1, 2, 8])('MVCC engine vs model, seek bound %i', (seekBound) => {
  let shared: Store | undefined;
  afterEach(() => {
    shared = undefined;
  });
  test('random writes, deletes, records, locks and reads agree', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(mutationArb, { minLength: 1, maxLength: 8 }), fc.array(readArb, { maxLength: 6 })), {
          minLength: 1,
          maxLength: 12,
        }),
        (steps) => {
          // One database for all runs (creating one per run costs more than the run); each run
          // starts by deleting everything.
          const store = shared ?? (shared = (dir = new TempDir()).open({ scanSeekBound: seekBound }));
          store.batch().mvccLocal([mvcc.deleteSpan(wholeSpan)]).commit();
          const model = new MvccModel();
          {
            for (const [mutations, reads] of steps) {
              store.batch().mvccLocal(mutations).commit();
              for (const m of mutations) model.apply(m);
              for (const q of reads) expect(read(store, q)).toEqual(read(model, q));
            }
            // A full sweep at every timestamp that matters, both directions.
            for (const t of [0n, 5n, 20n, 40n, timestampMax]) {
              const ts = timestamp(t);
              for (const reverse of [false, true]) {
                const q: Read = { r: 'scan', span: wholeSpan as KeySpan, ts, limit: 1000, reverse };
                expect(read(store, q)).toEqual(read(model, q));
              }
            }
          }
        },
      ),
      { numRuns: seekBound === 1 ? 200 : 100 },
    );
  });
});

describe('MVCC engine', () => {
  test('a scan page ends at bytesMax as well as at its count, keeping the pair that crosses it, both directions', () => {
    dir = new TempDir();
    const store = dir.open();
    const muts = Array.from({ length: 10 }, (_, i) => mvcc.put(bytes(`k${i}`), timestamp(1n), Buffer.alloc(100, i)));
    store.batch().mvccLocal(muts).commit();
    const keysOf = (ps: readonly KvPair[]) => ps.map((p) => p.key.toString());
    // Each pair is 2 + 100 bytes: the page closes with the pair that reaches 250.
    expect(keysOf(store.mvcc.scan({ span: wholeSpan, readTs: timestampMax, limit: 100, bytesMax: 250 }))).toEqual(['k0', 'k1', 'k2']);
    expect(keysOf(store.mvcc.scan({ span: wholeSpan, readTs: timestampMax, limit: 100, bytesMax: 250, reverse: true }))).toEqual(['k9', 'k8', 'k7']);
    expect(keysOf(store.mvcc.scan({ span: wholeSpan, readTs: timestampMax, limit: 100, bytesMax: 1 }))).toEqual(['k0']);
    expect(store.mvcc.scan({ span: wholeSpan, readTs: timestampMax, limit: 2, bytesMax: 1e9 })).toHaveLength(2);
  });

  test('timestamps: TSO composition round-trips and values beyond 2^53 are exact', () => {
    const t = composeTimestamp(1_732_000_000_000, 12345);
    expect(physicalMsOf(t)).toBe(1_732_000_000_000);
    expect(logicalOf(t)).toBe(12345);
    expect(t > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    dir = new TempDir();
    const store = dir.open();
    const next = timestamp(t + 1n);
    store.batch().mvccLocal([mvcc.put(bytes('k'), t, bytes('a')), mvcc.put(bytes('k'), next, bytes('b'))]).commit();
    expect(store.mvcc.get(bytes('k'), t)?.value.toString()).toBe('a');
    expect(store.mvcc.get(bytes('k'), next)?.commitTs).toBe(next);
    expect(() => timestamp(1n << 63n)).toThrow(RangeError);
  });

  test('Percolator records: lock, commit and rollback answer "what happened to txn startTs?"', () => {
    dir = new TempDir();
    const store = dir.open();
    const k = bytes('acct');
    const start = timestamp(100n);
    const lock: Lock = { primaryKey: k, startTs: start, ttlMs: 3000, kind: 'put', value: bytes('42') };
    store.batch().mvccLocal([mvcc.putLock(k, lock)]).commit();
    expect(lockText(store.mvcc.lock(k))).toBe(lockText(lock));
    expect(store.mvcc.writeByStartTs(k, start)).toBeNull(); // still in flight
    expect(store.mvcc.get(k, timestamp(200n))).toBeNull(); // prewritten values are invisible
    const commit = timestamp(105n);
    store.batch().mvccLocal([mvcc.deleteLock(k), mvcc.put(k, commit, bytes('42'), start)]).commit();
    expect(records([store.mvcc.writeByStartTs(k, start)])).toEqual(['put@105/100=3432']);
    expect(store.mvcc.get(k, timestamp(104n))).toBeNull();
    expect(store.mvcc.get(k, commit)?.value.toString()).toBe('42');
    // A second transaction is rolled back: its record is invisible to readers but answers the question.
    const start2 = timestamp(110n);
    store.batch().mvccLocal([mvcc.rollback(k, start2)]).commit();
    expect(records([store.mvcc.writeByStartTs(k, start2)])).toEqual(['rollback@110/110']);
    expect(store.mvcc.get(k, timestamp(120n))?.value.toString()).toBe('42');
    expect(records(store.mvcc.writeRecords(k, timestampMax, 10))).toEqual(['rollback@110/110', 'put@105/100=3432']);
  });

  test('a scan steps over at most a few versions per key (seek instead of walking old versions)', () => {
    dir = new TempDir();
    const store = dir.open();
    const keys = 50;
    const versions = 200;
    for (let v = 1; v <= versions; v++) {
      const muts: MvccMutation[] = [];
      for (let k = 0; k < keys; k++) muts.push(mvcc.put(bytes(`key${String(k).padStart(3, '0')}`), timestamp(BigInt(v)), bytes(`v${v}`)));
      store.batch().mvccLocal(muts).commit();
    }
    const stepsOf = (readTs: bigint, reverse: boolean): number => {
      const before = store.mvcc.rowsStepped;
      const out = store.mvcc.scan({ span: wholeSpan, readTs: timestamp(readTs), limit: 1000, reverse });
      expect(out).toHaveLength(keys);
      expect(out.every((p) => p.value.toString() === `v${readTs}`)).toBe(true);
      return store.mvcc.rowsStepped - before;
    };
    const bound = keys * (store.mvcc.seekBound + 2);
    // Newest (the common case), in the middle (many newer and older versions), oldest; both ways.
    for (const readTs of [200n, 100n, 1n]) {
      for (const reverse of [false, true]) {
        const steps = stepsOf(readTs, reverse);
        expect(steps, `readTs ${readTs} reverse ${reverse}`).toBeLessThanOrEqual(bound);
      }
    }
    expect(keys * versions).toBeGreaterThan(bound * 10); // what a naive walk would step over
  });

  test('limits and spans are validated', () => {
    dir = new TempDir();
    const store = dir.open();
    expect(() => store.mvcc.scan({ span: wholeSpan, readTs: timestampMax, limit: 0 })).toThrow(/limit/);
    expect(() => store.mvcc.scan({ span: wholeSpan, readTs: timestampMax, limit: 1e9 })).toThrow(/limit/);
  });
});
