import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaftInvariantError } from '../../raft/assert.js';
import { MemoryStorage } from '../../raft/memory-storage.js';
import { RaftLog } from '../../raft/raft-log.js';
import { emptyConfState, entrySizeBytes, type Entry, type Snapshot } from '../../raft/types.js';

const ent = (index: number, term: number, bytes = 0): Entry => ({ index, term, type: 'normal', data: new Uint8Array(bytes) });
const ents = (from: number, ...terms: number[]): Entry[] => terms.map((t, i) => ent(from + i, t));
const snap = (index: number, term: number): Snapshot => ({ metadata: { index, term, confState: emptyConfState }, data: new Uint8Array(0) });
const pairs = (es: readonly Entry[] | undefined): [number, number][] | undefined => es?.map((e) => [e.index, e.term]);

/** A log whose storage holds a snapshot at (snapIndex, snapTerm) and `stable`, with `unstable` appended on top. */
function makeLog(opts: { snapIndex?: number; snapTerm?: number; stable?: Entry[]; unstable?: Entry[]; applied?: number }): { log: RaftLog; storage: MemoryStorage } {
  const storage = new MemoryStorage(opts.snapIndex === undefined ? undefined : snap(opts.snapIndex, opts.snapTerm ?? 1));
  storage.append(opts.stable ?? []);
  const log = new RaftLog(storage, opts.applied ?? 0);
  if (opts.unstable !== undefined) log.append(opts.unstable);
  return { log, storage };
}

describe('RaftLog: construction', () => {
  it('starts committed and applied at the snapshot, with the unstable tail after the stored log', () => {
    const { log } = makeLog({ snapIndex: 3, snapTerm: 3, stable: ents(4, 4, 5) });
    expect(log.firstIndex()).toBe(4);
    expect(log.lastIndex()).toBe(5);
    expect(log.committed).toBe(3);
    expect(log.applied).toBe(3);
    expect(log.unstable.offset).toBe(6);
    expect(log.unstableEntries()).toEqual([]);
  });

  it('takes the restart applied index when it is beyond the snapshot, asserting it is within the log', () => {
    const storage = new MemoryStorage(snap(3, 3));
    storage.append(ents(4, 4, 5));
    expect(new RaftLog(storage, 5).applied).toBe(5);
    expect(new RaftLog(storage, 2).applied).toBe(3);
    expect(() => new RaftLog(storage, 6)).toThrow(RaftInvariantError);
  });
});

describe('RaftLog: term', () => {
  // Snapshot (3,3); stored 4..5; unstable 6..7.
  const { log } = makeLog({ snapIndex: 3, snapTerm: 3, stable: ents(4, 4, 4), unstable: ents(6, 5, 6) });
  const cases: readonly [number, number | undefined][] = [
    [0, undefined],
    [2, undefined],
    [3, 3], // the dummy entry: term of firstIndex - 1 stays answerable
    [4, 4],
    [5, 4],
    [6, 5],
    [7, 6],
    [8, undefined],
  ];
  for (const [index, want] of cases) {
    it(`term(${index}) = ${want}`, () => {
      expect(log.term(index)).toBe(want);
    });
  }
  it('lastTerm and matchTerm', () => {
    expect(log.lastTerm()).toBe(6);
    expect(log.matchTerm(5, 4)).toBe(true);
    expect(log.matchTerm(5, 5)).toBe(false);
    expect(log.matchTerm(9, 0)).toBe(false);
  });
});

describe('RaftLog: isUpToDate (§5.4.1 election restriction)', () => {
  const { log } = makeLog({ stable: ents(1, 1, 2, 3) });
  const cases: readonly [number, number, boolean][] = [
    [2, 4, true], // higher last term wins regardless of length
    [3, 4, true],
    [4, 4, true],
    [2, 2, false], // lower last term loses regardless of length
    [9, 2, false],
    [2, 3, false], // same term: the longer log wins
    [3, 3, true],
    [4, 3, true],
  ];
  for (const [lastIndex, lastTerm, want] of cases) {
    it(`candidate (${lastIndex}, t${lastTerm}) vs ours (3, t3) → ${want}`, () => {
      expect(log.isUpToDate(lastIndex, lastTerm)).toBe(want);
    });
  }
});

describe('RaftLog: findConflict', () => {
  const { log } = makeLog({ stable: ents(1, 1, 2, 3) });
  const cases: readonly { ents: Entry[]; want: number }[] = [
    { ents: [], want: 0 },
    // Everything already present.
    { ents: ents(1, 1, 2, 3), want: 0 },
    { ents: ents(2, 2, 3), want: 0 },
    { ents: ents(3, 3), want: 0 },
    // Present, then new entries: the first new index.
    { ents: ents(1, 1, 2, 3, 4, 4), want: 4 },
    { ents: ents(2, 2, 3, 4, 4), want: 4 },
    { ents: ents(3, 3, 4, 4), want: 4 },
    { ents: ents(4, 4, 4), want: 4 },
    // A term disagreement: its index.
    { ents: ents(1, 4, 4), want: 1 },
    { ents: ents(2, 1, 3, 4), want: 2 },
    { ents: ents(3, 1, 2, 4, 4), want: 3 },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(pairs(c.ents))} → ${c.want}`, () => {
      expect(log.findConflict(c.ents)).toBe(c.want);
    });
  }
});

describe('RaftLog: findConflictByTerm', () => {
  describe('log from index 1, terms [2, 2, 5, 5, 5]', () => {
    const { log } = makeLog({ stable: ents(1, 2, 2, 5, 5, 5) });
    const cases: readonly [number, number, { index: number; term: number }][] = [
      [100, 2, { index: 100, term: 0 }], // beyond the log: unknown, assume a possible match
      [5, 6, { index: 5, term: 5 }],
      [5, 5, { index: 5, term: 5 }],
      [5, 4, { index: 2, term: 2 }], // skips the whole term-5 run at once
      [5, 2, { index: 2, term: 2 }],
      [5, 1, { index: 0, term: 0 }],
      [1, 2, { index: 1, term: 2 }],
      [1, 1, { index: 0, term: 0 }],
      [0, 0, { index: 0, term: 0 }],
    ];
    for (const [index, term, want] of cases) {
      it(`(${index}, t${term}) → ${JSON.stringify(want)}`, () => {
        expect(log.findConflictByTerm(index, term)).toEqual(want);
      });
    }
  });

  describe('compacted log: snapshot (10, 3), then terms [3, 3, 4, 4, 4] at 11..15', () => {
    const { log } = makeLog({ snapIndex: 10, snapTerm: 3, stable: ents(11, 3, 3, 4, 4, 4) });
    const cases: readonly [number, number, { index: number; term: number }][] = [
      [30, 3, { index: 30, term: 0 }],
      [14, 9, { index: 14, term: 4 }],
      [14, 4, { index: 14, term: 4 }],
      [14, 3, { index: 12, term: 3 }],
      [14, 2, { index: 9, term: 0 }], // reaches the compacted prefix: unknown term
      [11, 5, { index: 11, term: 3 }],
      [10, 5, { index: 10, term: 3 }], // the dummy entry's term is known
      [12, 2, { index: 9, term: 0 }],
      [10, 2, { index: 9, term: 0 }],
      [9, 2, { index: 9, term: 0 }],
    ];
    for (const [index, term, want] of cases) {
      it(`(${index}, t${term}) → ${JSON.stringify(want)}`, () => {
        expect(log.findConflictByTerm(index, term)).toEqual(want);
      });
    }
  });
});

describe('RaftLog: maybeAppend (§5.3 AppendEntries consistency check)', () => {
  // Log [1t1, 2t2, 3t3], committed 1.
  function base(): RaftLog {
    const { log } = makeLog({ stable: ents(1, 1, 2, 3) });
    log.commitTo(1);
    return log;
  }
  const cases: readonly {
    name: string;
    index: number;
    logTerm: number;
    commit: number;
    ents: Entry[];
    want: number | undefined;
    wantCommit: number;
    wantLog: [number, number][];
  }[] = [
    { name: 'previous term mismatch', index: 3, logTerm: 2, commit: 3, ents: ents(4, 4), want: undefined, wantCommit: 1, wantLog: [[1, 1], [2, 2], [3, 3]] },
    { name: 'previous index beyond the log', index: 4, logTerm: 4, commit: 3, ents: ents(5, 4), want: undefined, wantCommit: 1, wantLog: [[1, 1], [2, 2], [3, 3]] },
    { name: 'heartbeat-like: no entries, commit advances', index: 3, logTerm: 3, commit: 3, ents: [], want: 3, wantCommit: 3, wantLog: [[1, 1], [2, 2], [3, 3]] },
    { name: 'commit bounded by the leader', index: 3, logTerm: 3, commit: 2, ents: ents(4, 4), want: 4, wantCommit: 2, wantLog: [[1, 1], [2, 2], [3, 3], [4, 4]] },
    { name: 'commit bounded by the last new entry', index: 3, logTerm: 3, commit: 9, ents: ents(4, 4), want: 4, wantCommit: 4, wantLog: [[1, 1], [2, 2], [3, 3], [4, 4]] },
    { name: 'two new entries', index: 3, logTerm: 3, commit: 4, ents: ents(4, 4, 4), want: 5, wantCommit: 4, wantLog: [[1, 1], [2, 2], [3, 3], [4, 4], [5, 4]] },
    { name: 'conflict at the last entry', index: 2, logTerm: 2, commit: 3, ents: ents(3, 4), want: 3, wantCommit: 3, wantLog: [[1, 1], [2, 2], [3, 4]] },
    { name: 'conflict in the middle truncates the suffix', index: 1, logTerm: 1, commit: 4, ents: ents(2, 4), want: 2, wantCommit: 2, wantLog: [[1, 1], [2, 4]] },
    // A delayed, shorter append must not truncate entries after it that it agrees with.
    { name: 'already-present prefix keeps the longer log', index: 1, logTerm: 1, commit: 3, ents: ents(2, 2), want: 2, wantCommit: 2, wantLog: [[1, 1], [2, 2], [3, 3]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const log = base();
      expect(log.maybeAppend(c.index, c.logTerm, c.commit, c.ents)).toBe(c.want);
      expect(log.committed).toBe(c.wantCommit);
      expect(pairs(log.slice(log.firstIndex(), log.lastIndex() + 1, Infinity))).toEqual(c.wantLog);
    });
  }

  it('a conflict at or below the commit index is a bug (committed entries are never overwritten)', () => {
    const log = base();
    expect(() => log.maybeAppend(0, 0, 3, ents(1, 4))).toThrow(/conflicts with committed/);
    expect(pairs(log.slice(1, 4, Infinity))).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });
});

describe('RaftLog: append', () => {
  it('truncates and appends into the unstable tail; returns the new last index', () => {
    const { log } = makeLog({ stable: ents(1, 1, 2) });
    expect(log.append([])).toBe(2);
    expect(log.append(ents(3, 2))).toBe(3);
    expect(log.append(ents(2, 3))).toBe(2);
    expect(pairs(log.slice(1, 3, Infinity))).toEqual([
      [1, 1],
      [2, 3],
    ]);
    expect(log.unstable.offset).toBe(2);
  });

  it('appending at or below the commit index is a bug', () => {
    const { log } = makeLog({ stable: ents(1, 1, 2) });
    log.commitTo(2);
    expect(() => log.append(ents(2, 3))).toThrow(RaftInvariantError);
    expect(log.append(ents(3, 3))).toBe(3);
  });
});

describe('RaftLog: slice across the storage/unstable boundary', () => {
  // Snapshot (10, 1), stored 11..15, unstable 16..20; every entry charged 10 + overhead bytes.
  const size = entrySizeBytes(ent(0, 0, 10));
  function fixture(): RaftLog {
    const stable: Entry[] = [];
    for (let i = 11; i <= 15; i++) stable.push(ent(i, 1, 10));
    const unstable: Entry[] = [];
    for (let i = 16; i <= 20; i++) unstable.push(ent(i, 2, 10));
    return makeLog({ snapIndex: 10, snapTerm: 1, stable, unstable }).log;
  }
  const idx = (es: Entry[] | undefined): number[] | undefined => es?.map((e) => e.index);

  it('compacted lows are undefined; an empty range is []', () => {
    const log = fixture();
    expect(log.slice(9, 12, Infinity)).toBeUndefined();
    expect(log.slice(10, 12, Infinity)).toBeUndefined();
    expect(log.slice(11, 11, Infinity)).toEqual([]);
    expect(log.slice(21, 21, Infinity)).toEqual([]);
  });

  it('hi beyond lastIndex + 1 and lo > hi are bugs', () => {
    const log = fixture();
    expect(() => log.slice(11, 22, Infinity)).toThrow(/beyond last index/);
    expect(() => log.slice(13, 12, Infinity)).toThrow(RaftInvariantError);
  });

  it('without a size limit, joins stored and unstable entries', () => {
    const log = fixture();
    expect(idx(log.slice(11, 21, Infinity))).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(idx(log.slice(14, 18, Infinity))).toEqual([14, 15, 16, 17]);
    expect(idx(log.slice(15, 16, Infinity))).toEqual([15]);
    expect(idx(log.slice(16, 17, Infinity))).toEqual([16]);
  });

  const limited: readonly [number, number, number, number[]][] = [
    [14, 18, 0, [14]], // always at least one entry
    [14, 18, size, [14]],
    [14, 18, 2 * size - 1, [14]],
    [14, 18, 2 * size, [14, 15]], // the limit is inclusive
    [14, 18, 3 * size, [14, 15, 16]], // bytes counted across the boundary
    [14, 18, 4 * size, [14, 15, 16, 17]],
    [15, 18, size, [15]], // storage part exactly fills the budget: nothing from the unstable tail
    [16, 18, size, [16]],
    [16, 21, 2 * size + 1, [16, 17]],
    [11, 21, 5 * size, [11, 12, 13, 14, 15]],
  ];
  for (const [lo, hi, max, want] of limited) {
    it(`slice(${lo}, ${hi}, ${max} bytes) → ${JSON.stringify(want)}`, () => {
      expect(idx(fixture().slice(lo, hi, max))).toEqual(want);
    });
  }
});

describe('RaftLog: commitTo / appliedTo (applied ≤ committed ≤ lastIndex)', () => {
  it('commitTo never moves back and never beyond lastIndex', () => {
    const { log } = makeLog({ stable: ents(1, 1, 1, 1) });
    log.commitTo(2);
    log.commitTo(1);
    expect(log.committed).toBe(2);
    expect(() => log.commitTo(4)).toThrow(/beyond last index/);
    expect(log.committed).toBe(2);
    log.commitTo(3);
    expect(log.committed).toBe(3);
  });

  it('appliedTo: 0 is ignored, beyond committed and backwards are bugs', () => {
    const { log } = makeLog({ stable: ents(1, 1, 1, 1) });
    log.commitTo(2);
    log.appliedTo(0);
    expect(log.applied).toBe(0);
    expect(() => log.appliedTo(3)).toThrow(/beyond committed/);
    log.appliedTo(2);
    expect(() => log.appliedTo(1)).toThrow(/goes back/);
    log.appliedTo(2);
    expect(log.applied).toBe(2);
  });

  it('maybeCommit commits only an index from the given (current) term — §5.4.2', () => {
    const { log } = makeLog({ stable: ents(1, 1, 1, 2) });
    expect(log.maybeCommit(2, 2)).toBe(false); // index 2 is from term 1
    expect(log.committed).toBe(0);
    expect(log.maybeCommit(3, 2)).toBe(true);
    expect(log.committed).toBe(3);
    expect(log.maybeCommit(3, 2)).toBe(false); // nothing new
    expect(log.maybeCommit(2, 1)).toBe(false); // behind the commit index
    expect(log.committed).toBe(3);
  });
});

describe('RaftLog: committed entries for the application', () => {
  it('hands out (applied, committed] bounded by bytes, at least one entry', () => {
    const stable: Entry[] = [];
    for (let i = 1; i <= 6; i++) stable.push(ent(i, 1, 10));
    const { log } = makeLog({ stable });
    const size = entrySizeBytes(stable[0]!);
    expect(log.hasNextCommittedEntries()).toBe(false);
    expect(log.nextCommittedEntries(Infinity)).toEqual([]);
    log.commitTo(5);
    log.appliedTo(1);
    expect(log.hasNextCommittedEntries()).toBe(true);
    expect(log.nextCommittedEntries(Infinity).map((e) => e.index)).toEqual([2, 3, 4, 5]);
    expect(log.nextCommittedEntries(2 * size).map((e) => e.index)).toEqual([2, 3]);
    expect(log.nextCommittedEntries(1).map((e) => e.index)).toEqual([2]);
    log.appliedTo(5);
    expect(log.hasNextCommittedEntries()).toBe(false);
    expect(log.nextCommittedEntries(Infinity)).toEqual([]);
  });

  it('after a restart from a compacted log it starts at firstIndex', () => {
    const { log } = makeLog({ snapIndex: 5, snapTerm: 2, stable: ents(6, 2, 2) });
    log.commitTo(7);
    expect(log.nextCommittedEntries(Infinity).map((e) => e.index)).toEqual([6, 7]);
  });
});

describe('RaftLog: restore from a snapshot', () => {
  it('replaces the log, commits the snapshot index and withholds committed entries until it is persisted', () => {
    const { log, storage } = makeLog({ stable: ents(1, 1, 1, 1), unstable: ents(4, 2, 2) });
    log.commitTo(3);
    log.appliedTo(2);
    const s = snap(20, 5);
    log.restore(s);
    expect(log.committed).toBe(20);
    expect(log.firstIndex()).toBe(21);
    expect(log.lastIndex()).toBe(20);
    expect(log.lastTerm()).toBe(5);
    expect(log.term(20)).toBe(5);
    expect(log.term(19)).toBeUndefined();
    expect(log.term(3)).toBeUndefined();
    expect(log.unstableEntries()).toEqual([]);
    expect(log.hasPendingSnapshot()).toBe(true);
    expect(log.snapshot()).toBe(s);
    expect(log.hasNextCommittedEntries()).toBe(false);
    expect(log.nextCommittedEntries(Infinity)).toEqual([]);
    expect(log.slice(3, 5, Infinity)).toBeUndefined();
    // Entries after the snapshot go to the unstable tail.
    log.append(ents(21, 5));
    expect(log.lastIndex()).toBe(21);
    // Persist: the storage installs it, then the log forgets the pending snapshot.
    storage.applySnapshot(s);
    log.stableSnapTo(20);
    expect(log.hasPendingSnapshot()).toBe(false);
    expect(log.firstIndex()).toBe(21);
    expect(log.term(20)).toBe(5);
    expect(log.snapshot()).toBe(s);
  });
});

describe('RaftLog: stableTo', () => {
  it('moves persisted entries out of the unstable tail; a stale term is ignored', () => {
    const { log, storage } = makeLog({ stable: ents(1, 1), unstable: ents(2, 1, 1) });
    const persisted = [...log.unstableEntries()];
    // Before the application acknowledges, a new leader overwrites index 3.
    log.append(ents(3, 2));
    storage.append(persisted);
    log.stableTo(3, 1);
    expect(pairs(log.unstableEntries())).toEqual([
      [2, 1],
      [3, 2],
    ]);
    expect(log.term(3)).toBe(2);
    storage.append(log.unstableEntries());
    log.stableTo(3, 2);
    expect(log.unstableEntries()).toEqual([]);
    expect(log.term(3)).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: RaftLog over MemoryStorage against an array model.
//
// The model is the log as the node should see it: a dummy (index, term) and the entries after it.
// Operations follow the contract with the application (one Ready captured at a time, persisted
// later, possibly after the log moved on) and Raft's Log Matching property (an (index, term) pair
// is created once: every overwrite comes from a newer leader, i.e. a new higher term).

type Op =
  | { readonly kind: 'leaderAppend'; readonly back: number; readonly count: number; readonly newTerm: boolean; readonly bytes: number }
  | { readonly kind: 'followerAppend'; readonly back: number; readonly count: number; readonly newTerm: boolean; readonly bytes: number; readonly commit: number }
  | { readonly kind: 'redundantAppend'; readonly pick: number; readonly count: number; readonly commit: number }
  | { readonly kind: 'capture' }
  | { readonly kind: 'persist' }
  | { readonly kind: 'readyNow' }
  | { readonly kind: 'commit'; readonly pick: number }
  | { readonly kind: 'apply'; readonly pick: number }
  | { readonly kind: 'compact'; readonly pick: number }
  | { readonly kind: 'restore'; readonly ahead: number }
  | { readonly kind: 'sliceCheck'; readonly lo: number; readonly hi: number; readonly maxBytes: number };

const small = fc.integer({ min: 0, max: 1000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('leaderAppend' as const), back: fc.integer({ min: 0, max: 4 }), count: fc.integer({ min: 1, max: 4 }), newTerm: fc.boolean(), bytes: fc.integer({ min: 0, max: 30 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('followerAppend' as const),
      back: fc.integer({ min: 0, max: 4 }),
      count: fc.integer({ min: 0, max: 4 }),
      newTerm: fc.boolean(),
      bytes: fc.integer({ min: 0, max: 30 }),
      commit: small,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redundantAppend' as const), pick: small, count: fc.integer({ min: 0, max: 4 }), commit: small }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'capture' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'persist' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'readyNow' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('commit' as const), pick: small }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('apply' as const), pick: small }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('compact' as const), pick: small }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), ahead: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('sliceCheck' as const), lo: small, hi: small, maxBytes: fc.integer({ min: 0, max: 200 }) }) },
);

/** Picks an integer in [lo, hi] from a raw draw (hi ≥ lo). */
const within = (draw: number, lo: number, hi: number): number => lo + (draw % (hi - lo + 1));

/** The longest prefix within maxBytes, but at least one entry (what every size-limited read promises). */
function limitSize(es: readonly Entry[], maxBytes: number): Entry[] {
  const out: Entry[] = [];
  let total = 0;
  for (const e of es) {
    total += entrySizeBytes(e);
    if (out.length > 0 && total > maxBytes) break;
    out.push(e);
  }
  return out;
}

describe('RaftLog: property against an array model', () => {
  it('terms, entries, bounds and commit/apply agree with the model after random appends, overwrites, persists, compactions and restores', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' }), (ops) => {
        const storage = new MemoryStorage();
        const log = new RaftLog(storage, 0);
        const model = { dummyIndex: 0, dummyTerm: 0, entries: [] as Entry[], committed: 0, applied: 0 };
        let curTerm = 1;
        let captured: { snapshot: Snapshot | undefined; entries: Entry[] } | undefined;

        const last = (): number => model.dummyIndex + model.entries.length;
        const termOf = (i: number): number | undefined => {
          if (i === model.dummyIndex) return model.dummyTerm;
          if (i < model.dummyIndex || i > last()) return undefined;
          return model.entries[i - model.dummyIndex - 1]!.term;
        };
        const range = (lo: number, hi: number): Entry[] => model.entries.slice(lo - model.dummyIndex - 1, hi - model.dummyIndex - 1);
        const newEntries = (from: number, count: number, term: number, bytes: number): Entry[] => {
          const out: Entry[] = [];
          for (let i = 0; i < count; i++) out.push({ index: from + i, term, type: 'normal', data: new Uint8Array((bytes + i * 7) % 31).fill((from + i + term) & 0xff) });
          return out;
        };
        /** Start of a new run: after the commit index, up to `back` entries before the end. */
        const startFor = (back: number): number => Math.max(model.committed + 1, last() + 1 - back);
        const termFor = (start: number, newTerm: boolean): number => {
          // An overwrite always comes from a newer leader (Log Matching).
          if (newTerm || start <= last()) curTerm++;
          return curTerm;
        };
        const persist = ({ snapshot, entries }: { snapshot: Snapshot | undefined; entries: Entry[] }): void => {
          if (snapshot !== undefined) {
            storage.applySnapshot(snapshot);
            log.stableSnapTo(snapshot.metadata.index);
            if (snapshot.metadata.index > log.applied) {
              log.appliedTo(snapshot.metadata.index);
              model.applied = snapshot.metadata.index;
            }
          }
          storage.append(entries);
          const lastE = entries[entries.length - 1];
          if (lastE !== undefined) log.stableTo(lastE.index, lastE.term);
        };
        const modelAppend = (es: readonly Entry[]): void => {
          if (es.length === 0) return;
          model.entries = range(model.dummyIndex + 1, es[0]!.index).concat(es);
        };

        for (const op of ops) {
          switch (op.kind) {
            case 'leaderAppend': {
              const start = startFor(op.back);
              const es = newEntries(start, op.count, termFor(start, op.newTerm), op.bytes);
              expect(log.append(es)).toBe(start + op.count - 1);
              modelAppend(es);
              break;
            }
            case 'followerAppend': {
              const start = startFor(op.back);
              const prevTerm = termOf(start - 1)!;
              const es = newEntries(start, op.count, termFor(start, op.newTerm), op.bytes);
              const commit = within(op.commit, 0, start + op.count + 2);
              expect(log.maybeAppend(start - 1, prevTerm, commit, es)).toBe(start - 1 + op.count);
              modelAppend(es);
              model.committed = Math.max(model.committed, Math.min(commit, start - 1 + op.count));
              break;
            }
            case 'redundantAppend': {
              // A delayed copy of entries we already hold: must change nothing but maybe the commit.
              const from = within(op.pick, model.dummyIndex + 1, last() + 1);
              const es = range(from, Math.min(last() + 1, from + op.count));
              const commit = within(op.commit, 0, last() + 2);
              expect(log.maybeAppend(from - 1, termOf(from - 1)!, commit, es)).toBe(from - 1 + es.length);
              model.committed = Math.max(model.committed, Math.min(commit, from - 1 + es.length));
              break;
            }
            case 'capture':
              if (captured === undefined) captured = { snapshot: log.unstable.snapshot, entries: [...log.unstableEntries()] };
              break;
            case 'persist':
              if (captured !== undefined) persist(captured);
              captured = undefined;
              break;
            case 'readyNow':
              // A synchronous Ready: capture and persist with nothing in between.
              if (captured === undefined) persist({ snapshot: log.unstable.snapshot, entries: [...log.unstableEntries()] });
              break;
            case 'commit': {
              const to = within(op.pick, model.committed, last());
              log.commitTo(to);
              model.committed = to;
              break;
            }
            case 'apply': {
              const to = within(op.pick, model.applied, model.committed);
              log.appliedTo(to);
              model.applied = to;
              break;
            }
            case 'compact': {
              // The application compacts only what it applied and what is durable (below the unstable tail).
              const hi = Math.min(model.applied, log.unstable.offset - 1, storage.lastIndex());
              const lo = storage.firstIndex();
              if (hi < lo) break;
              const at = within(op.pick, lo, hi);
              storage.compact(at);
              if (!log.hasPendingSnapshot() && at > model.dummyIndex) {
                const t = termOf(at)!;
                model.entries = range(at + 1, last() + 1);
                model.dummyIndex = at;
                model.dummyTerm = t;
              }
              break;
            }
            case 'restore': {
              const index = Math.max(model.committed + 1, last() - 2) + op.ahead - 1;
              curTerm++;
              const s: Snapshot = { metadata: { index, term: curTerm, confState: emptyConfState }, data: new Uint8Array(0) };
              log.restore(s);
              model.dummyIndex = index;
              model.dummyTerm = curTerm;
              model.entries = [];
              model.committed = index;
              break;
            }
            case 'sliceCheck': {
              const lo = within(op.lo, model.dummyIndex + 1, last() + 1);
              const hi = within(op.hi, lo, last() + 1);
              const got = log.slice(lo, hi, op.maxBytes);
              expect(got).toBeDefined();
              const want = lo === hi ? [] : limitSize(range(lo, hi), op.maxBytes);
              expect(pairs(got)).toEqual(pairs(want));
              for (let j = 0; j < want.length; j++) expect(got![j]).toBe(want[j]);
              break;
            }
          }

          // The log's view equals the model.
          expect(log.firstIndex()).toBe(model.dummyIndex + 1);
          expect(log.lastIndex()).toBe(last());
          expect(log.lastTerm()).toBe(termOf(last()));
          for (let i = Math.max(0, model.dummyIndex - 2); i <= last() + 2; i++) expect(log.term(i), `term(${i})`).toBe(termOf(i));
          const all = log.slice(model.dummyIndex + 1, last() + 1, Infinity);
          expect(pairs(all)).toEqual(pairs(model.entries));
          for (let j = 0; j < model.entries.length; j++) expect(all![j]).toBe(model.entries[j]);
          if (model.dummyIndex > 0) expect(log.slice(model.dummyIndex, last() + 1, Infinity)).toBeUndefined();
          // applied ≤ committed ≤ lastIndex.
          expect(log.committed).toBe(model.committed);
          expect(log.applied).toBe(model.applied);
          expect(log.applied).toBeLessThanOrEqual(log.committed);
          expect(log.committed).toBeLessThanOrEqual(log.lastIndex());
          const next = log.nextCommittedEntries(Infinity);
          if (log.hasPendingSnapshot()) {
            expect(next).toEqual([]);
          } else {
            expect(pairs(next)).toEqual(pairs(range(Math.max(model.applied + 1, model.dummyIndex + 1), model.committed + 1)));
            expect(log.hasNextCommittedEntries()).toBe(next.length > 0);
          }
          // Structural: storage covers everything below the unstable tail.
          if (!log.hasPendingSnapshot()) expect(storage.lastIndex()).toBeGreaterThanOrEqual(log.unstable.offset - 1);
        }
      }),
      { numRuns: 100 },
    );
  });
});
