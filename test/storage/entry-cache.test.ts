/** The store-wide raft entry cache: contiguous tail per range, bounded in bytes, FIFO eviction. */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { entrySizeBytes } from '../../raft/types.js';
import { EntryCache } from '../../storage/entry-cache.js';
import { entries, entry } from './helpers.js';

test('keeps a contiguous tail per range and evicts the oldest appends first, across ranges', () => {
  const size = entrySizeBytes(entry(1, 1));
  const cache = new EntryCache(size * 10);
  cache.append(1, entries(1, 6, 1));
  cache.append(2, entries(1, 3, 1));
  expect(cache.sizeBytes).toBe(size * 9);
  cache.append(1, entries(7, 8, 1)); // 11 entries: range 1's first append (1..6) is evicted
  expect(cache.firstIndex(1)).toBe(7);
  expect(cache.get(1, 6)).toBeUndefined();
  expect(cache.get(1, 8)?.index).toBe(8);
  expect(cache.firstIndex(2)).toBe(1);
  expect(cache.sizeBytes).toBeLessThanOrEqual(size * 10);
});

test('truncateFrom and dropBelow keep the run contiguous; a non-contiguous append is a bug', () => {
  const cache = new EntryCache(1 << 20);
  cache.append(1, entries(5, 10, 1));
  cache.truncateFrom(1, 8);
  expect(cache.get(1, 8)).toBeUndefined();
  cache.append(1, entries(8, 9, 2));
  expect(cache.get(1, 8)?.term).toBe(2);
  cache.dropBelow(1, 7);
  expect(cache.firstIndex(1)).toBe(7);
  expect(() => cache.append(1, entries(11, 11, 2))).toThrow(/expected 10/);
  cache.truncateFrom(1, 3);
  expect(cache.firstIndex(1)).toBeUndefined();
  expect(cache.sizeBytes).toBe(0);
});

test('random use never exceeds the budget and never returns a wrong entry', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom('append', 'truncate', 'drop'), fc.nat(8), fc.nat(4)), {
        maxLength: 80,
      }),
      (ops) => {
        const budget = 600;
        const cache = new EntryCache(budget);
        const logs = new Map<number, { first: number; last: number; term: number }>();
        for (const [range, op, a, b] of ops) {
          const log = logs.get(range) ?? { first: 1, last: 0, term: 1 };
          if (op === 'append') {
            const at = Math.max(log.first, log.last + 1 - (a % 3));
            log.term++;
            cache.truncateFrom(range, at);
            cache.append(range, entries(at, at + b, log.term));
            log.last = at + b;
          } else if (op === 'truncate') {
            log.last = Math.max(log.first - 1, log.last - (a % 3));
            cache.truncateFrom(range, log.last + 1);
          } else {
            log.first = Math.min(log.last + 1, log.first + (a % 4));
            cache.dropBelow(range, log.first);
          }
          logs.set(range, log);
          expect(cache.sizeBytes).toBeLessThanOrEqual(budget);
          for (const [r, l] of logs) {
            const from = cache.firstIndex(r);
            if (from === undefined) continue;
            expect(from).toBeGreaterThanOrEqual(l.first);
            for (let i = from; i <= l.last; i++) expect(cache.get(r, i)?.index).toBe(i);
            expect(cache.get(r, l.last + 1)).toBeUndefined();
          }
        }
      },
    ),
    { numRuns: 200 },
  );
});
