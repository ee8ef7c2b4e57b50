/**
 * MVCC garbage collection below a safe point (issue 3, point 8): every read at or above the safe
 * point answers the same before and after, old versions and lock/rollback records below it are
 * gone, tombstones go only together with everything they hide, the span bounds it, and it makes
 * progress in bounded steps with a resume point.
 */
import fc from 'fast-check';
import { afterEach, expect, test } from 'vitest';
import type { KeySpan } from '../../storage/key-span.js';
import { mvcc, type MvccMutation } from '../../storage/mvcc-types.js';
import type { Store } from '../../storage/store.js';
import { timestamp, timestampMax, type Timestamp } from '../../storage/timestamp.js';
import { TempDir, bytes, wholeSpan } from './helpers.js';

let dir: TempDir | undefined;
let shared: Store | undefined;
afterEach(() => {
  dir?.cleanup();
  dir = undefined;
  shared = undefined;
});

const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e').map(bytes);
const tsArb = fc.integer({ min: 1, max: 30 }).map((n) => timestamp(BigInt(n)));
const mutationArb: fc.Arbitrary<MvccMutation> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(keyArb, tsArb, fc.nat(99)).map(([k, t, v]) => mvcc.put(k, t, bytes(`v${v}`))) },
  { weight: 2, arbitrary: fc.tuple(keyArb, tsArb).map(([k, t]) => mvcc.delete(k, t)) },
  { weight: 1, arbitrary: fc.tuple(keyArb, tsArb).map(([k, t]) => mvcc.rollback(k, t)) },
  { weight: 1, arbitrary: fc.tuple(keyArb, tsArb).map(([k, t]) => mvcc.lockRecord(k, t, t)) },
);

/** Every answer a reader at ts ≥ safePoint could get. */
function visible(store: Store, safePoint: number): string[] {
  const out: string[] = [];
  for (let t = safePoint; t <= 31; t++) {
    const pairs = store.mvcc.scan({ span: wholeSpan, readTs: timestamp(BigInt(t)), limit: 100 });
    out.push(`${t}: ${pairs.map((p) => `${Buffer.from(p.key).toString()}=${Buffer.from(p.value).toString()}@${p.commitTs}`).join(' ')}`);
  }
  return out;
}

function recordsBelow(store: Store, key: string, safePoint: Timestamp) {
  return store.mvcc.writeRecords(bytes(key), safePoint, 1000);
}

test('GC never changes what a reader at or above the safe point sees, and removes what it cannot', () => {
  fc.assert(
    fc.property(
      fc.array(mutationArb, { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 31 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      (mutations, safePointN, keysMax, deletionsMax) => {
        const store = shared ?? (shared = (dir = new TempDir()).open());
        store.batch().mvccLocal([mvcc.deleteSpan(wholeSpan)]).commit();
        store.batch().mvccLocal(mutations).commit();
        const safePoint = timestamp(BigInt(safePointN));
        const before = visible(store, safePointN);
        let resume: KeySpan | null = wholeSpan;
        let calls = 0;
        while (resume !== null) {
          const r = store.gcSpan(resume, safePoint, { keysMax, deletionsMax });
          expect(r.versionsDeleted).toBeLessThanOrEqual(deletionsMax + 1); // + a tombstone finishing its key
          // Visibility holds after every bounded step, not only at the end.
          expect(visible(store, safePointN)).toEqual(before);
          resume = r.resume;
          expect(++calls).toBeLessThan(500);
        }
        for (const key of ['a', 'b', 'c', 'd', 'e']) {
          const below = recordsBelow(store, key, safePoint);
          // At most the base version survives at or below the safe point, and only if it is a put.
          expect(below.length).toBeLessThanOrEqual(1);
          if (below[0] !== undefined) expect(below[0].kind).toBe('put');
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('GC stays inside its span', () => {
  dir = new TempDir();
  const store = dir.open();
  const muts: MvccMutation[] = [];
  for (const k of ['a', 'b', 'c']) for (let t = 1; t <= 5; t++) muts.push(mvcc.put(bytes(k), timestamp(BigInt(t)), bytes(`${k}${t}`)));
  store.batch().mvccLocal(muts).commit();
  const r = store.gcSpan({ start: bytes('b'), end: bytes('c') }, timestamp(10n));
  expect(r).toMatchObject({ versionsDeleted: 4, resume: null });
  expect(store.mvcc.writeRecords(bytes('a'), timestampMax, 10)).toHaveLength(5);
  expect(store.mvcc.writeRecords(bytes('b'), timestampMax, 10)).toHaveLength(1);
  expect(store.mvcc.writeRecords(bytes('c'), timestampMax, 10)).toHaveLength(5);
});

test('a tombstone base is kept while older versions of its key remain (bounded step inside a key)', () => {
  dir = new TempDir();
  const store = dir.open();
  const k = bytes('k');
  const muts: MvccMutation[] = [];
  for (let t = 1; t <= 6; t++) muts.push(mvcc.put(k, timestamp(BigInt(t)), bytes(`v${t}`)));
  muts.push(mvcc.delete(k, timestamp(7n)));
  store.batch().mvccLocal(muts).commit();
  const first = store.gcSpan(wholeSpan, timestamp(10n), { keysMax: 10, deletionsMax: 2 });
  expect(first.versionsDeleted).toBe(2);
  expect(first.resume).not.toBeNull();
  // Still hidden: the tombstone is still there.
  expect(store.mvcc.get(k, timestamp(10n))).toBeNull();
  expect(store.mvcc.writeRecords(k, timestampMax, 10)[0]?.kind).toBe('delete');
  let resume = first.resume;
  while (resume !== null) resume = store.gcSpan(resume, timestamp(10n), { keysMax: 10, deletionsMax: 2 }).resume;
  expect(store.mvcc.writeRecords(k, timestampMax, 10)).toEqual([]);
});
