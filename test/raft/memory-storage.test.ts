import { describe, expect, it } from 'vitest';
import { RaftInvariantError } from '../../raft/assert.js';
import { MemoryStorage } from '../../raft/memory-storage.js';
import { RaftStorageError, isRaftStorageError, type RaftStorageErrorCode } from '../../raft/storage.js';
import { emptyConfState, emptyHardState, entryOverheadBytes, nodeId, type ConfState, type Entry, type Snapshot } from '../../raft/types.js';

const ent = (index: number, term: number, bytes = 0): Entry => ({ index, term, type: 'normal', data: new Uint8Array(bytes) });
const ents = (from: number, ...terms: number[]): Entry[] => terms.map((t, i) => ent(from + i, t));
const snap = (index: number, term: number, confState: ConfState = emptyConfState): Snapshot => ({
  metadata: { index, term, confState },
  data: new Uint8Array([index]),
});
const voters = (...xs: number[]): ConfState => ({ ...emptyConfState, voters: xs.map(nodeId) });

/** Storage whose log is (3,3) [dummy], (4,4), (5,5): the etcd storage test fixture. */
function fixture(): MemoryStorage {
  const s = new MemoryStorage(snap(3, 3));
  s.append(ents(4, 4, 5));
  return s;
}

function storageError(f: () => unknown): RaftStorageErrorCode | undefined {
  try {
    f();
  } catch (e) {
    if (isRaftStorageError(e)) return e.code;
    throw e;
  }
  return undefined;
}

const pairs = (es: readonly Entry[]): [number, number][] => es.map((e) => [e.index, e.term]);

describe('MemoryStorage: empty', () => {
  it('has log (0, 0] with the dummy entry at index 0 term 0', () => {
    const s = new MemoryStorage();
    expect(s.firstIndex()).toBe(1);
    expect(s.lastIndex()).toBe(0);
    expect(s.term(0)).toBe(0);
    expect(storageError(() => s.term(1))).toBe('UNAVAILABLE');
    expect(s.entries(1, 1, 100)).toEqual([]);
    expect(s.initialState()).toEqual({ hardState: emptyHardState, confState: emptyConfState });
    expect(s.snapshot().metadata.index).toBe(0);
  });
});

describe('MemoryStorage: term', () => {
  it('answers for [firstIndex - 1, lastIndex]: the dummy (snapshot) entry and the real ones', () => {
    const s = fixture();
    expect(s.firstIndex()).toBe(4);
    expect(s.lastIndex()).toBe(5);
    expect(storageError(() => s.term(2))).toBe('COMPACTED');
    expect(s.term(3)).toBe(3);
    expect(s.term(4)).toBe(4);
    expect(s.term(5)).toBe(5);
    expect(storageError(() => s.term(6))).toBe('UNAVAILABLE');
  });

  it('its errors are RaftStorageError instances with a code', () => {
    const s = fixture();
    expect(() => s.term(1)).toThrow(RaftStorageError);
  });
});

describe('MemoryStorage: entries', () => {
  it('bounds: lo ≤ firstIndex - 1 is COMPACTED, hi > lastIndex + 1 is UNAVAILABLE', () => {
    const s = fixture();
    expect(storageError(() => s.entries(2, 6, Infinity))).toBe('COMPACTED');
    expect(storageError(() => s.entries(3, 4, Infinity))).toBe('COMPACTED');
    expect(storageError(() => s.entries(4, 7, Infinity))).toBe('UNAVAILABLE');
    expect(pairs(s.entries(4, 6, Infinity))).toEqual([
      [4, 4],
      [5, 5],
    ]);
    expect(pairs(s.entries(5, 6, Infinity))).toEqual([[5, 5]]);
    expect(s.entries(6, 6, Infinity)).toEqual([]);
  });

  it('size limit: stops before the entry that would exceed it, but returns at least one', () => {
    const s = new MemoryStorage(snap(3, 3));
    s.append([ent(4, 4, 10), ent(5, 5, 10), ent(6, 6, 10)]);
    const one = 10 + entryOverheadBytes;
    expect(s.entries(4, 7, 0)).toHaveLength(1);
    expect(s.entries(4, 7, one - 1)).toHaveLength(1);
    expect(s.entries(4, 7, one)).toHaveLength(1);
    expect(s.entries(4, 7, 2 * one - 1)).toHaveLength(1);
    expect(s.entries(4, 7, 2 * one)).toHaveLength(2);
    expect(s.entries(4, 7, 3 * one)).toHaveLength(3);
    expect(s.entries(5, 7, one)).toHaveLength(1);
  });
});

describe('MemoryStorage: append', () => {
  const cases: readonly { name: string; input: Entry[]; want: [number, number][] }[] = [
    { name: 'identical entries', input: ents(3, 3, 4, 5), want: [[3, 3], [4, 4], [5, 5]] },
    { name: 'overwrite a conflicting suffix', input: ents(3, 3, 6, 6), want: [[3, 3], [4, 6], [5, 6]] },
    { name: 'extend while overwriting', input: ents(3, 3, 4, 5, 5), want: [[3, 3], [4, 4], [5, 5], [6, 5]] },
    { name: 'entries reaching below the first index: the compacted part is ignored', input: ents(2, 3, 3, 5), want: [[3, 3], [4, 5]] },
    { name: 'truncate and replace from firstIndex', input: ents(4, 5), want: [[3, 3], [4, 5]] },
    { name: 'direct append', input: ents(6, 5), want: [[3, 3], [4, 4], [5, 5], [6, 5]] },
    { name: 'entirely compacted: ignored', input: ents(1, 1, 2), want: [[3, 3], [4, 4], [5, 5]] },
    { name: 'nothing', input: [], want: [[3, 3], [4, 4], [5, 5]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = fixture();
      s.append(c.input);
      const got: [number, number][] = [[s.firstIndex() - 1, s.term(s.firstIndex() - 1)], ...pairs(s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity))];
      expect(got).toEqual(c.want);
    });
  }

  it('a gap after the last index is a bug', () => {
    const s = fixture();
    expect(() => s.append(ents(7, 5))).toThrow(RaftInvariantError);
    expect(s.lastIndex()).toBe(5);
  });

  it('does not alias the caller’s array', () => {
    const s = fixture();
    const input = ents(6, 5, 5);
    s.append(input);
    input.pop();
    expect(s.lastIndex()).toBe(7);
  });
});

describe('MemoryStorage: compact', () => {
  it('keeps the compacted index as the new dummy entry (its term stays answerable)', () => {
    const s = fixture();
    s.append(ents(6, 5));
    s.compact(5);
    expect(s.firstIndex()).toBe(6);
    expect(s.lastIndex()).toBe(6);
    expect(s.term(5)).toBe(5);
    expect(storageError(() => s.term(4))).toBe('COMPACTED');
    expect(pairs(s.entries(6, 7, Infinity))).toEqual([[6, 5]]);
  });

  it('compacting at or below the dummy is a no-op', () => {
    const s = fixture();
    s.compact(2);
    s.compact(3);
    expect(s.firstIndex()).toBe(4);
    expect(s.term(3)).toBe(3);
  });

  it('compacting everything leaves an empty log positioned after it', () => {
    const s = fixture();
    s.compact(5);
    expect(s.firstIndex()).toBe(6);
    expect(s.lastIndex()).toBe(5);
    expect(s.term(5)).toBe(5);
    s.append(ents(6, 6));
    expect(s.lastIndex()).toBe(6);
  });

  it('compacting beyond the last index is a bug', () => {
    const s = fixture();
    expect(() => s.compact(6)).toThrow(RaftInvariantError);
    expect(s.firstIndex()).toBe(4);
  });

  it('does not change the snapshot', () => {
    const s = fixture();
    const before = s.snapshot();
    s.compact(5);
    expect(s.snapshot()).toBe(before);
  });
});

describe('MemoryStorage: createSnapshot', () => {
  it('records a snapshot at an index with its term, without compacting', () => {
    const s = fixture();
    const data = new Uint8Array([9]);
    const sn = s.createSnapshot(4, voters(1, 2), data);
    expect(sn.metadata).toEqual({ index: 4, term: 4, confState: voters(1, 2) });
    expect(sn.data).toBe(data);
    expect(s.snapshot()).toBe(sn);
    expect(s.firstIndex()).toBe(4);
    // createSnapshot does not touch the membership reported at startup.
    expect(s.initialState().confState).toEqual(emptyConfState);
  });

  it('must be newer than the current snapshot and within the log', () => {
    const s = fixture();
    expect(() => s.createSnapshot(3, voters(1), new Uint8Array(0))).toThrow(RaftInvariantError);
    expect(() => s.createSnapshot(6, voters(1), new Uint8Array(0))).toThrow(/beyond last index/);
    s.createSnapshot(5, voters(1), new Uint8Array(0));
    expect(() => s.createSnapshot(5, voters(1), new Uint8Array(0))).toThrow(/not newer/);
  });
});

describe('MemoryStorage: applySnapshot', () => {
  it('replaces the whole log and the membership', () => {
    const s = fixture();
    const sn = snap(10, 7, voters(1, 2, 3));
    s.applySnapshot(sn);
    expect(s.snapshot()).toBe(sn);
    expect(s.firstIndex()).toBe(11);
    expect(s.lastIndex()).toBe(10);
    expect(s.term(10)).toBe(7);
    expect(storageError(() => s.term(5))).toBe('COMPACTED');
    expect(s.initialState().confState).toEqual(voters(1, 2, 3));
  });

  it('may install a snapshot behind the current last index (the log after it is discarded)', () => {
    const s = fixture();
    s.append(ents(6, 5, 5, 5));
    s.applySnapshot(snap(4, 9));
    expect(s.lastIndex()).toBe(4);
    expect(s.term(4)).toBe(9);
  });

  it('an older snapshot than the current one is a bug', () => {
    const s = new MemoryStorage(snap(10, 2));
    expect(() => s.applySnapshot(snap(9, 2))).toThrow(RaftInvariantError);
    expect(s.firstIndex()).toBe(11);
    // The same index is accepted (idempotent re-install).
    s.applySnapshot(snap(10, 2));
    expect(s.firstIndex()).toBe(11);
  });
});

describe('MemoryStorage: hard state and membership', () => {
  it('setHardState / setConfState are what initialState reports', () => {
    const s = new MemoryStorage(snap(5, 2, voters(1)));
    expect(s.initialState().confState).toEqual(voters(1));
    const hs = { term: 4, vote: nodeId(2), commit: 5 };
    s.setHardState(hs);
    s.setConfState(voters(1, 2));
    expect(s.initialState()).toEqual({ hardState: hs, confState: voters(1, 2) });
  });

  it('a constructor snapshot sets the log position and membership', () => {
    const s = new MemoryStorage(snap(7, 3, voters(4)));
    expect(s.firstIndex()).toBe(8);
    expect(s.lastIndex()).toBe(7);
    expect(s.term(7)).toBe(3);
    expect(s.initialState().confState).toEqual(voters(4));
    expect(s.initialState().hardState).toEqual(emptyHardState);
  });
});
