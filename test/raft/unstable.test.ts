import { describe, expect, it } from 'vitest';
import { RaftInvariantError } from '../../raft/assert.js';
import { Unstable } from '../../raft/unstable.js';
import { emptyConfState, type Entry, type Snapshot } from '../../raft/types.js';

const ent = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: new Uint8Array(0) });
const ents = (from: number, ...terms: number[]): Entry[] => terms.map((t, i) => ent(from + i, t));
const snap = (index: number, term: number): Snapshot => ({ metadata: { index, term, confState: emptyConfState }, data: new Uint8Array(0) });

function unstable(offset: number, entries: Entry[] = [], snapshot?: Snapshot): Unstable {
  const u = new Unstable(offset);
  u.entries = entries;
  if (snapshot !== undefined) u.snapshot = snapshot;
  return u;
}

/** (index, term) pairs: readable in a failure, and what every operation here is about. */
const pairs = (u: Unstable): [number, number][] => u.entries.map((e) => [e.index, e.term]);

describe('Unstable: first/last index', () => {
  it('maybeFirstIndex is known only from a pending snapshot', () => {
    expect(unstable(5, ents(5, 1)).maybeFirstIndex()).toBeUndefined();
    expect(unstable(5, [], snap(4, 1)).maybeFirstIndex()).toBe(5);
    expect(unstable(5, ents(5, 1), snap(4, 1)).maybeFirstIndex()).toBe(5);
  });

  it('maybeLastIndex: the last entry, else the snapshot index, else unknown', () => {
    expect(unstable(5, ents(5, 1, 1)).maybeLastIndex()).toBe(6);
    expect(unstable(5, ents(5, 1), snap(4, 1)).maybeLastIndex()).toBe(5);
    expect(unstable(5, [], snap(4, 1)).maybeLastIndex()).toBe(4);
    expect(unstable(5).maybeLastIndex()).toBeUndefined();
  });
});

describe('Unstable: maybeTerm', () => {
  const cases: readonly { name: string; u: () => Unstable; index: number; want: number | undefined }[] = [
    { name: 'entry in range', u: () => unstable(5, ents(5, 1)), index: 5, want: 1 },
    { name: 'beyond the last entry', u: () => unstable(5, ents(5, 1)), index: 6, want: undefined },
    { name: 'below offset, no snapshot', u: () => unstable(5, ents(5, 1)), index: 4, want: undefined },
    { name: 'snapshot index', u: () => unstable(5, ents(5, 1), snap(4, 1)), index: 4, want: 1 },
    { name: 'below the snapshot', u: () => unstable(5, ents(5, 1), snap(4, 1)), index: 3, want: undefined },
    { name: 'beyond, with snapshot', u: () => unstable(5, ents(5, 1), snap(4, 1)), index: 6, want: undefined },
    { name: 'snapshot only: its index', u: () => unstable(5, [], snap(4, 2)), index: 4, want: 2 },
    { name: 'snapshot only: after it', u: () => unstable(5, [], snap(4, 2)), index: 5, want: undefined },
    { name: 'empty', u: () => unstable(5), index: 5, want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(c.u().maybeTerm(c.index)).toBe(c.want);
    });
  }
});

describe('Unstable: stableTo', () => {
  it('drops the entries through a matching (index, term) and moves offset', () => {
    const u = unstable(5, ents(5, 1, 1, 2));
    u.stableTo(6, 1);
    expect(u.offset).toBe(7);
    expect(pairs(u)).toEqual([[7, 2]]);
    u.stableTo(7, 2);
    expect(u.offset).toBe(8);
    expect(u.entries).toEqual([]);
  });

  it('ignores a stale term: the entry was overwritten after the Ready that persisted it', () => {
    const u = unstable(5, ents(5, 2, 2));
    u.stableTo(6, 1);
    expect(u.offset).toBe(5);
    expect(pairs(u)).toEqual([
      [5, 2],
      [6, 2],
    ]);
  });

  it('ignores an index beyond the unstable tail or below offset', () => {
    const u = unstable(5, ents(5, 1));
    u.stableTo(6, 1);
    u.stableTo(4, 1);
    expect(u.offset).toBe(5);
    expect(u.entries).toHaveLength(1);
  });

  it('ignores the snapshot index: entries are stabilized separately from the snapshot', () => {
    const u = unstable(5, ents(5, 1), snap(4, 1));
    u.stableTo(4, 1);
    expect(u.offset).toBe(5);
    expect(u.entries).toHaveLength(1);
    expect(u.snapshot).toBeDefined();
  });
});

describe('Unstable: stableSnapTo / restore', () => {
  it('stableSnapTo clears only the snapshot with that index', () => {
    const u = unstable(5, [], snap(4, 1));
    u.stableSnapTo(3);
    expect(u.snapshot).toBeDefined();
    u.stableSnapTo(4);
    expect(u.snapshot).toBeUndefined();
    u.stableSnapTo(4);
    expect(u.snapshot).toBeUndefined();
  });

  it('restore replaces entries with the snapshot and moves offset after it', () => {
    const u = unstable(5, ents(5, 1, 1, 1));
    const s = snap(20, 3);
    u.restore(s);
    expect(u.offset).toBe(21);
    expect(u.entries).toEqual([]);
    expect(u.snapshot).toBe(s);
    expect(u.maybeFirstIndex()).toBe(21);
    expect(u.maybeLastIndex()).toBe(20);
    expect(u.maybeTerm(20)).toBe(3);
  });
});

describe('Unstable: truncateAndAppend', () => {
  it('appends directly after the last entry', () => {
    const u = unstable(5, ents(5, 1));
    u.truncateAndAppend(ents(6, 1, 1));
    expect(u.offset).toBe(5);
    expect(pairs(u)).toEqual([
      [5, 1],
      [6, 1],
      [7, 1],
    ]);
  });

  it('replaces everything when the new entries start at offset', () => {
    const u = unstable(5, ents(5, 1, 1));
    u.truncateAndAppend(ents(5, 2, 2));
    expect(u.offset).toBe(5);
    expect(pairs(u)).toEqual([
      [5, 2],
      [6, 2],
    ]);
  });

  it('replaces everything and moves offset back when they start before offset (overwriting durable entries)', () => {
    const u = unstable(5, ents(5, 1, 1));
    u.truncateAndAppend(ents(4, 2, 2, 2));
    expect(u.offset).toBe(4);
    expect(pairs(u)).toEqual([
      [4, 2],
      [5, 2],
      [6, 2],
    ]);
  });

  it('truncates a conflicting suffix in the middle', () => {
    const u = unstable(5, ents(5, 1, 1, 1));
    u.truncateAndAppend(ents(6, 2));
    expect(u.offset).toBe(5);
    expect(pairs(u)).toEqual([
      [5, 1],
      [6, 2],
    ]);
  });

  it('appends after a pending snapshot', () => {
    const u = unstable(5, [], snap(4, 1));
    u.truncateAndAppend(ents(5, 1, 1));
    expect(pairs(u)).toEqual([
      [5, 1],
      [6, 1],
    ]);
    expect(u.maybeLastIndex()).toBe(6);
  });

  it('an empty append changes nothing', () => {
    const u = unstable(5, ents(5, 1));
    u.truncateAndAppend([]);
    expect(pairs(u)).toEqual([[5, 1]]);
  });

  it('does not alias the caller’s array', () => {
    const u = unstable(5);
    const input = ents(5, 1, 1);
    u.truncateAndAppend(input);
    u.truncateAndAppend(ents(7, 1));
    expect(input).toHaveLength(2);
  });
});

describe('Unstable: slice', () => {
  it('returns [lo, hi) of the held entries', () => {
    const u = unstable(5, ents(5, 1, 2, 3));
    expect(u.slice(5, 8).map((e) => e.index)).toEqual([5, 6, 7]);
    expect(u.slice(6, 7).map((e) => e.term)).toEqual([2]);
    expect(u.slice(6, 6)).toEqual([]);
  });

  it('asserts its bounds', () => {
    const u = unstable(5, ents(5, 1, 2, 3));
    expect(() => u.slice(7, 6)).toThrow(RaftInvariantError);
    expect(() => u.slice(4, 6)).toThrow(/below offset/);
    expect(() => u.slice(5, 9)).toThrow(/beyond end/);
  });
});
