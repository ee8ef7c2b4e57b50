/**
 * Group commit (issue 3, point 4): one batch carries appends, hard states and applied mutations
 * of many ranges and becomes durable as one transaction; nothing of it is visible before commit;
 * invalid batches are refused whole, before anything is written.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { isRaftStorageError } from '../../raft/storage.js';
import { NoNode, nodeId } from '../../raft/types.js';
import { mvcc } from '../../storage/mvcc-types.js';
import { isStorageError } from '../../storage/storage-error.js';
import type { Store } from '../../storage/store.js';
import { timestamp } from '../../storage/timestamp.js';
import { TempDir, bytes, confOf, entries, entry, wholeSpan } from './helpers.js';

let dir: TempDir;
afterEach(() => dir.cleanup());

const span = (start: string, end: string) => ({ start: bytes(start), end: bytes(end) });
const ts = (n: number) => timestamp(BigInt(n));

function openWithRanges(...ids: number[]): Store {
  dir = new TempDir();
  const store = dir.open();
  const b = store.batch();
  ids.forEach((id, i) => {
    b.createRange(id, { span: span(`r${i}`, `r${i + 1}`), descriptor: bytes(`desc${id}`), confState: confOf(1, 2, 3) });
  });
  b.commit();
  return store;
}

function throwsCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isStorageError(e) || isRaftStorageError(e)) return e.code;
    if (e instanceof Error && 'code' in e) return String((e as { code: unknown }).code);
    throw e;
  }
  return 'none';
}

describe('WriteBatch', () => {
  test('one commit carries appends, hard states and applies of many ranges', () => {
    const store = openWithRanges(1, 2, 3);
    const b = store.batch();
    for (const id of [1, 2, 3]) {
      b.append(id, entries(1, 5, 1));
      b.setHardState(id, { term: 1, vote: nodeId(1), commit: 3 });
      b.apply(id, { index: 3, term: 1 }, [mvcc.put(bytes(`r${id - 1}key`), ts(100), bytes(`v${id}`))]);
    }
    const commitsBefore = store.stats().commits;
    const stats = b.commit();
    expect(stats).toMatchObject({ entriesAppended: 15, mutationsApplied: 3, rangesTouched: 3, durableWrite: true });
    expect(store.stats().commits).toBe(commitsBefore + 1);
    for (const id of [1, 2, 3]) {
      const rs = store.rangeStorage(id);
      expect(rs.lastIndex()).toBe(5);
      expect(rs.appliedIndex()).toBe(3);
      expect(rs.hardState().commit).toBe(3);
      expect(store.mvcc.get(bytes(`r${id - 1}key`), ts(100))?.value.toString()).toBe(`v${id}`);
    }
  });

  test('nothing is visible before commit', () => {
    const store = openWithRanges(1);
    const rs = store.rangeStorage(1);
    const b = store.batch().append(1, entries(1, 3, 1)).setHardState(1, { term: 1, vote: NoNode, commit: 2 });
    expect(rs.lastIndex()).toBe(0);
    expect(rs.hardState().commit).toBe(0);
    b.commit();
    expect(rs.lastIndex()).toBe(3);
  });

  test('an empty batch costs no transaction', () => {
    const store = openWithRanges(1);
    const before = store.stats().commits;
    expect(store.batch().commit().durableWrite).toBe(false);
    expect(store.stats().commits).toBe(before);
  });

  test('a batch commits once', () => {
    const store = openWithRanges(1);
    const b = store.batch().append(1, entries(1, 1, 1));
    b.commit();
    expect(throwsCode(() => b.commit())).toBe('RAFT_INVARIANT');
    expect(throwsCode(() => b.append(1, entries(2, 2, 1)))).toBe('RAFT_INVARIANT');
  });

  test('suffix overwrite: an append at i replaces every entry ≥ i, also within one batch and across restart', () => {
    const store = openWithRanges(1);
    store.batch().append(1, entries(1, 10, 1)).commit();
    store.batch().append(1, [entry(6, 2), entry(7, 2)]).commit();
    const rs = store.rangeStorage(1);
    expect(rs.lastIndex()).toBe(7);
    expect(rs.entries(1, 8, Infinity).map((e) => e.term)).toEqual([1, 1, 1, 1, 1, 2, 2]);
    // Within one batch: append 8..12, then overwrite from 10, then from 9.
    store
      .batch()
      .append(1, entries(8, 12, 2))
      .append(1, [entry(10, 3), entry(11, 3)])
      .append(1, [entry(9, 4)])
      .commit();
    expect(rs.lastIndex()).toBe(9);
    expect(rs.entries(6, 10, Infinity).map((e) => `${e.index}/${e.term}`)).toEqual(['6/2', '7/2', '8/2', '9/4']);
    store.close();
    const again = dir.open();
    const rs2 = again.rangeStorage(1);
    expect(rs2.lastIndex()).toBe(9);
    expect(rs2.entries(1, 10, Infinity).map((e) => `${e.index}/${e.term}`)).toEqual([
      '1/1',
      '2/1',
      '3/1',
      '4/1',
      '5/1',
      '6/2',
      '7/2',
      '8/2',
      '9/4',
    ]);
  });

  test('invalid batches are refused whole, before anything is written', () => {
    const store = openWithRanges(1, 2);
    store.batch().append(1, entries(1, 5, 2)).setHardState(1, { term: 2, vote: nodeId(1), commit: 3 }).commit();
    const rs1 = store.rangeStorage(1);
    const rs2 = store.rangeStorage(2);
    const refused = (build: (b: ReturnType<Store['batch']>) => void): string => {
      const b = store.batch().append(2, entries(1, 3, 1)); // valid part that must not land
      build(b);
      return throwsCode(() => b.commit());
    };
    expect(refused((b) => b.append(1, entries(7, 8, 2)))).toBe('RAFT_INVARIANT'); // gap
    expect(refused((b) => b.append(1, [entry(3, 3)]))).toBe('RAFT_INVARIANT'); // overwrites committed
    expect(refused((b) => b.append(1, [entry(6, 1)]))).toBe('RAFT_INVARIANT'); // term goes backwards
    expect(refused((b) => b.setHardState(1, { term: 2, vote: nodeId(2), commit: 3 }))).toBe('RAFT_INVARIANT'); // double vote
    expect(refused((b) => b.setHardState(1, { term: 1, vote: nodeId(1), commit: 3 }))).toBe('RAFT_INVARIANT'); // term back
    expect(refused((b) => b.apply(1, { index: 4, term: 2 }, []))).toBe('RAFT_INVARIANT'); // beyond commit
    expect(refused((b) => b.apply(1, { index: 2, term: 1 }, []))).toBe('RAFT_INVARIANT'); // wrong term
    expect(refused((b) => b.truncateLog(1, 2))).toBe('RAFT_INVARIANT'); // not applied yet
    expect(refused((b) => b.apply(1, { index: 2, term: 2 }, [mvcc.put(bytes('zzz'), ts(1), bytes('x'))]))).toBe(
      'INVALID_ARGUMENT',
    ); // key outside the range's span
    expect(refused((b) => b.apply(1, { index: 2, term: 2 }, [mvcc.put(bytes('r0' + 'k'.repeat(5000)), ts(1), bytes('x'))]))).toBe(
      'INVALID_ARGUMENT',
    ); // key too long
    expect(refused((b) => b.append(9, entries(1, 1, 1)))).toBe('RANGE_NOT_FOUND');
    expect(refused((b) => b.createRange(1, { span: wholeSpan, descriptor: bytes(''), confState: confOf(1) }))).toBe('RANGE_EXISTS');
    expect(rs2.lastIndex()).toBe(0);
    expect(rs1.lastIndex()).toBe(5);
    expect(store.fenced).toBeNull();
    // An entry may not be applied twice.
    store.batch().apply(1, { index: 2, term: 2 }, []).commit();
    expect(throwsCode(() => store.batch().apply(1, { index: 2, term: 2 }, []).commit())).toBe('RAFT_INVARIANT');
  });

  test('the commit index may arrive later in the same batch than the apply', () => {
    const store = openWithRanges(1);
    store.batch().append(1, entries(1, 3, 1)).commit();
    store.batch().apply(1, { index: 2, term: 1 }, []).setHardState(1, { term: 1, vote: NoNode, commit: 2 }).commit();
    expect(store.rangeStorage(1).appliedIndex()).toBe(2);
  });

  test('applied index, membership and descriptor are recorded with the applied mutations', () => {
    const store = openWithRanges(1);
    store.batch().append(1, entries(1, 4, 1)).setHardState(1, { term: 1, vote: NoNode, commit: 4 }).commit();
    const cs = confOf(1, 2, 3, 4);
    store
      .batch()
      .apply(1, { index: 4, term: 1, confState: cs, descriptor: bytes('v2'), span: span('r0', 'r0m') }, [
        mvcc.put(bytes('r0a'), ts(5), bytes('x')),
      ])
      .commit();
    store.close();
    const again = dir.open();
    const rs = again.rangeStorage(1);
    expect(rs.appliedIndex()).toBe(4);
    expect(rs.appliedTerm()).toBe(1);
    expect(rs.initialState().confState).toEqual(cs);
    expect(Buffer.from(rs.descriptor()).toString()).toBe('v2');
    expect(Buffer.from(rs.span().end).toString()).toBe('r0m');
    expect(rs.snapshot().metadata).toEqual({ index: 4, term: 1, confState: cs });
    expect(again.mvcc.get(bytes('r0a'), ts(5))?.value.toString()).toBe('x');
  });

  test('log truncation keeps term(firstIndex-1) and survives restart; cache and SQLite agree', () => {
    const store = openWithRanges(1);
    store.batch().append(1, entries(1, 20, 3)).setHardState(1, { term: 3, vote: NoNode, commit: 15 }).commit();
    store.batch().apply(1, { index: 12, term: 3 }, []).truncateLog(1, 10).commit();
    const rs = store.rangeStorage(1);
    expect(rs.firstIndex()).toBe(11);
    expect(rs.term(10)).toBe(3);
    expect(throwsCode(() => rs.term(9))).toBe('COMPACTED');
    expect(throwsCode(() => rs.entries(10, 12, Infinity))).toBe('COMPACTED');
    store.close();
    const again = dir.open();
    const rs2 = again.rangeStorage(1);
    expect(rs2.firstIndex()).toBe(11);
    expect(rs2.term(10)).toBe(3);
    expect(rs2.entries(11, 21, Infinity).map((e) => e.index)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  test('the hot path reads the entry cache; old entries come from SQLite', () => {
    const store = openWithRanges(1);
    for (let i = 1; i <= 100; i += 10) store.batch().append(1, entries(i, i + 9, 1)).commit();
    const rs = store.rangeStorage(1);
    const rowsBefore = store.stats().logRowsRead;
    rs.entries(90, 101, Infinity);
    rs.term(100);
    expect(store.stats().logRowsRead).toBe(rowsBefore);
    store.close();
    const again = dir.open();
    again.rangeStorage(1).entries(1, 101, Infinity);
    expect(again.stats().logRowsRead).toBe(100);
  });

  test('range deletion removes only that range: its log, state and (optionally) its span data', () => {
    const store = openWithRanges(1, 2);
    for (const id of [1, 2]) {
      store
        .batch()
        .append(id, entries(1, 3, 1))
        .setHardState(id, { term: 1, vote: NoNode, commit: 3 })
        .apply(id, { index: 3, term: 1 }, [
          mvcc.put(bytes(`r${id - 1}a`), ts(10), bytes('x')),
          mvcc.putLock(bytes(`r${id - 1}b`), { primaryKey: bytes(`r${id - 1}a`), startTs: ts(11), ttlMs: 3000, kind: 'put', value: bytes('y') }),
        ])
        .commit();
    }
    const rs1 = store.rangeStorage(1);
    store.batch().deleteRange(1, { deleteSpanData: true }).commit();
    expect(store.hasRange(1)).toBe(false);
    expect(throwsCode(() => rs1.lastIndex())).toBe('RANGE_NOT_FOUND');
    expect(store.mvcc.get(bytes('r0a'), ts(10))).toBeNull();
    expect(store.mvcc.lock(bytes('r0b'))).toBeNull();
    expect(store.mvcc.get(bytes('r1a'), ts(10))?.value.toString()).toBe('x');
    expect(store.mvcc.lock(bytes('r1b'))).not.toBeNull();
    expect(store.rangeStorage(2).entries(1, 4, Infinity)).toHaveLength(3);
    // Keeping the span data (e.g. a merge hands it to the neighbour).
    store.batch().deleteRange(2, { deleteSpanData: false }).commit();
    expect(store.mvcc.get(bytes('r1a'), ts(10))?.value.toString()).toBe('x');
    store.close();
    const again = dir.open();
    expect(again.rangeIds()).toEqual([]);
    // The range id can be reused by a new replica, starting empty.
    again.batch().createRange(1, { span: span('r0', 'r1'), descriptor: bytes(''), confState: confOf(1) }).commit();
    expect(again.rangeStorage(1).lastIndex()).toBe(0);
  });

  test('a bootstrapped group: createRange + installSnapshot + hard state in one batch', () => {
    dir = new TempDir();
    const store = dir.open();
    const cs = confOf(1, 2, 3);
    store
      .batch()
      .createRange(5, { span: wholeSpan, descriptor: bytes(''), confState: cs })
      .installSnapshot(5, { metadata: { index: 1, term: 1, confState: cs }, data: bytes('desc') }, null)
      .setHardState(5, { term: 1, vote: NoNode, commit: 1 })
      .commit();
    const rs = store.rangeStorage(5);
    expect(rs.firstIndex()).toBe(2);
    expect(rs.lastIndex()).toBe(1);
    expect(rs.term(1)).toBe(1);
    expect(rs.snapshot()).toEqual({ metadata: { index: 1, term: 1, confState: cs }, data: bytes('desc') });
  });
});
