/**
 * RangeLogStorage must answer exactly like raft/memory-storage.ts (the reference the raft core is
 * tested against): the same suite runs against both, first as fixed cases in the style of
 * etcd-io/raft's storage_test.go, then as a random sequence of appends (with suffix overwrites),
 * hard states, compactions, snapshot installs and restarts whose every observable answer —
 * values and error codes — is compared between the two.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { isRaftStorageError, type RaftStorage } from '../../raft/storage.js';
import { NoNode, nodeId, type Entry, type HardState } from '../../raft/types.js';
import { confOf, entries, entry } from './helpers.js';
import { memorySubject, sqliteSubject, type StorageSubject } from './raft-storage-subjects.js';

const conf = confOf(1, 2, 3);
const empty = { confState: conf, index: 0, term: 0 };
const factories: Array<[string, () => StorageSubject]> = [
  ['MemoryStorage', () => memorySubject(empty)],
  ['RangeLogStorage', () => sqliteSubject(empty)],
  ['RangeLogStorage with a 100-byte entry cache', () => sqliteSubject(empty, { entryCacheBytesMax: 100 })],
];

function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isRaftStorageError(e)) return e.code;
    throw e;
  }
  return 'none';
}

const hs = (term: number, commit: number, vote = 1): HardState => ({ term, vote: vote === 0 ? NoNode : nodeId(vote), commit });

describe.each(factories)('%s', (_name, make) => {
  let subject: StorageSubject;
  afterEach(() => subject.close());

  test('a fresh log is empty: firstIndex 1, lastIndex 0, term(0) = 0', () => {
    subject = make();
    const s = subject.storage();
    expect(s.firstIndex()).toBe(1);
    expect(s.lastIndex()).toBe(0);
    expect(s.term(0)).toBe(0);
    expect(errorCode(() => s.term(1))).toBe('UNAVAILABLE');
    expect(s.entries(1, 1, 100)).toEqual([]);
    expect(errorCode(() => s.entries(0, 1, 100))).toBe('COMPACTED');
    expect(errorCode(() => s.entries(1, 2, 100))).toBe('UNAVAILABLE');
    expect(s.initialState().confState).toEqual(conf);
  });

  test('term: dummy entry at firstIndex-1 after compaction, COMPACTED below, UNAVAILABLE above', () => {
    subject = make();
    subject.append([entry(1, 1), entry(2, 2), entry(3, 3), entry(4, 4), entry(5, 5)]);
    subject.commitAndCompact(3);
    const s = subject.storage();
    expect(errorCode(() => s.term(2))).toBe('COMPACTED');
    expect(s.term(3)).toBe(3);
    expect(s.term(4)).toBe(4);
    expect(s.term(5)).toBe(5);
    expect(errorCode(() => s.term(6))).toBe('UNAVAILABLE');
    expect(s.firstIndex()).toBe(4);
    expect(s.lastIndex()).toBe(5);
  });

  test('entries: bounds, size limit in bytes, always at least one entry', () => {
    subject = make();
    subject.append(entries(1, 6, 1));
    subject.commitAndCompact(2);
    const s = subject.storage();
    const size = 24 + entry(3, 1).data.byteLength; // entrySizeBytes of each (same payload length)
    expect(errorCode(() => s.entries(2, 6, Infinity))).toBe('COMPACTED');
    expect(errorCode(() => s.entries(3, 8, Infinity))).toBe('UNAVAILABLE');
    expect(s.entries(3, 4, Infinity).map((e) => e.index)).toEqual([3]);
    expect(s.entries(3, 7, Infinity).map((e) => e.index)).toEqual([3, 4, 5, 6]);
    expect(s.entries(3, 7, 0).map((e) => e.index)).toEqual([3]);
    expect(s.entries(3, 7, size * 2).map((e) => e.index)).toEqual([3, 4]);
    expect(s.entries(3, 7, size * 2 + size / 2).map((e) => e.index)).toEqual([3, 4]);
    expect(s.entries(3, 7, size * 3 - 1).map((e) => e.index)).toEqual([3, 4]);
    expect(s.entries(3, 7, size * 3).map((e) => e.index)).toEqual([3, 4, 5]);
  });

  test('append overwrites a conflicting suffix and ignores entries below firstIndex', () => {
    subject = make();
    subject.append(entries(1, 5, 1));
    subject.append([entry(4, 2), entry(5, 2), entry(6, 2)]);
    const s = subject.storage();
    expect(s.entries(1, 7, Infinity).map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 2],
      [5, 2],
      [6, 2],
    ]);
    // A shorter overwrite truncates the log.
    subject.append([entry(3, 3)]);
    expect(s.lastIndex()).toBe(3);
    expect(s.term(3)).toBe(3);
    subject.commitAndCompact(2);
    // Entries at or below the truncation point are ignored, the rest appended.
    subject.append([entry(1, 1), entry(2, 1), entry(3, 3), entry(4, 3)]);
    expect(s.firstIndex()).toBe(3);
    expect(s.lastIndex()).toBe(4);
    subject.append([entry(1, 1)]);
    expect(s.lastIndex()).toBe(4);
  });

  test('applySnapshot replaces the log; term of the snapshot index stays answerable', () => {
    subject = make();
    subject.append(entries(1, 3, 1));
    const cs = confOf(1, 2, 3, 4);
    subject.applySnapshot({ metadata: { index: 10, term: 4, confState: cs }, data: new Uint8Array([1, 2]) });
    const s = subject.storage();
    expect(s.firstIndex()).toBe(11);
    expect(s.lastIndex()).toBe(10);
    expect(s.term(10)).toBe(4);
    expect(errorCode(() => s.term(9))).toBe('COMPACTED');
    expect(s.initialState().confState).toEqual(cs);
    subject.append([entry(11, 4)]);
    expect(s.entries(11, 12, 0).map((e) => e.index)).toEqual([11]);
  });

  test('hard state and log survive a restart', () => {
    subject = make();
    subject.append(entries(1, 4, 2));
    subject.setHardState(hs(2, 3));
    subject.commitAndCompact(1);
    subject.reopen();
    const s = subject.storage();
    expect(s.initialState().hardState).toEqual(hs(2, 3));
    expect(s.firstIndex()).toBe(2);
    expect(s.lastIndex()).toBe(4);
    expect(s.term(1)).toBe(2);
    expect(s.entries(2, 5, Infinity).map((e) => e.index)).toEqual([2, 3, 4]);
  });
});

/** One observable answer of a RaftStorage, as comparable data. */
function observe(s: RaftStorage, probes: ReadonlyArray<readonly [number, number, number]>): unknown {
  const attempt = (fn: () => unknown): unknown => {
    try {
      return fn();
    } catch (e) {
      if (isRaftStorageError(e)) return `error ${e.code}`;
      throw e;
    }
  };
  const first = s.firstIndex();
  const last = s.lastIndex();
  const terms: unknown[] = [];
  for (let i = Math.max(0, first - 2); i <= last + 1; i++) terms.push(attempt(() => s.term(i)));
  const slices = probes.map(([a, b, size]) => {
    const lo = first - 1 + (a % (last - first + 4));
    const hi = lo + (b % 6);
    return attempt(() => (s.entries(lo, hi, size) as Entry[]).map((e) => `${e.index}/${e.term}/${Buffer.from(e.data).toString()}`));
  });
  const { hardState, confState } = s.initialState();
  return { first, last, terms, slices, hardState, confState };
}

type Op =
  | { readonly k: 'append'; readonly at: number; readonly count: number; readonly bump: boolean }
  | { readonly k: 'hardState'; readonly commit: number }
  | { readonly k: 'compact'; readonly at: number }
  | { readonly k: 'snapshot'; readonly ahead: number; readonly voters: number }
  | { readonly k: 'reopen' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('append' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 6 }), bump: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('hardState' as const), commit: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('compact' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('snapshot' as const), ahead: fc.integer({ min: 1, max: 5 }), voters: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reopen' as const) }) },
);
const probeArb = fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(0, 40, 100, 1000, Infinity)), { minLength: 3, maxLength: 3 });

test('random histories: RangeLogStorage answers exactly like MemoryStorage', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(opArb, probeArb), { minLength: 1, maxLength: 25 }),
      fc.boolean(),
      fc.constantFrom(0, 1, 10),
      (ops, tinyCache, startIndex) => {
        const start = { confState: conf, index: startIndex, term: startIndex === 0 ? 0 : 1 };
        const ref = memorySubject(start);
        const sut = sqliteSubject(start, tinyCache ? { entryCacheBytesMax: 120 } : {});
        try {
          // The driver keeps raft's rules: terms never decrease, committed entries are never
          // overwritten, compaction stays at or below commit.
          let term = 1;
          let commit = startIndex;
          if (startIndex > 0) {
            ref.setHardState(hs(1, startIndex, 0));
            sut.setHardState(hs(1, startIndex, 0));
          }
          for (const [op, probes] of ops) {
            const s = ref.storage();
            const first = s.firstIndex();
            const last = s.lastIndex();
            switch (op.k) {
              case 'append': {
                const lo = Math.max(first, commit + 1);
                const at = lo + (op.at % (last + 2 - lo));
                if (op.bump || at <= last) term++;
                const batch: Entry[] = [];
                for (let i = 0; i < op.count; i++) batch.push(entry(at + i, term, `t${term}i${at + i}`));
                ref.append(batch);
                sut.append(batch);
                break;
              }
              case 'hardState': {
                commit = commit + (op.commit % (last - commit + 1));
                ref.setHardState(hs(term, commit));
                sut.setHardState(hs(term, commit));
                break;
              }
              case 'compact': {
                if (commit < first) break;
                const at = first + (op.at % (commit - first + 1));
                ref.commitAndCompact(at);
                sut.commitAndCompact(at);
                break;
              }
              case 'snapshot': {
                term++;
                const index = Math.max(commit, first - 1) + op.ahead;
                const cs = confOf(...Array.from({ length: op.voters }, (_, i) => i + 1));
                const snap = { metadata: { index, term, confState: cs }, data: new Uint8Array(0) };
                ref.applySnapshot(snap);
                sut.applySnapshot(snap);
                break;
              }
              case 'reopen':
                ref.reopen();
                sut.reopen();
                break;
            }
            expect(observe(sut.storage(), probes)).toEqual(observe(ref.storage(), probes));
          }
        } finally {
          sut.close();
        }
      },
    ),
    { numRuns: 100 },
  );
});
