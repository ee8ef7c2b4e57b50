import { describe, expect, it } from 'vitest';
import { RangeCache } from '../../../client/routing/range-cache.js';
import { rangeId, storeId } from '../../../proto/range-descriptor.js';
import { bytes, descriptor } from './descriptors.js';

const ids = (c: RangeCache): number[] => c.entries().map((e) => e.descriptor.rangeId);

describe('RangeCache lookups', () => {
  it('finds the range containing a key, [start, end) with end empty = +∞', () => {
    const c = new RangeCache({ rangesMax: 10 });
    c.insert(descriptor(1, '', 'g'));
    c.insert(descriptor(2, 'g', 'p'));
    c.insert(descriptor(3, 'p', ''));
    expect(c.lookup(bytes(''))?.descriptor.rangeId).toBe(1);
    expect(c.lookup(bytes('f\xff'))?.descriptor.rangeId).toBe(1);
    expect(c.lookup(bytes('g'))?.descriptor.rangeId).toBe(2);
    expect(c.lookup(bytes('ozzz'))?.descriptor.rangeId).toBe(2);
    expect(c.lookup(bytes('p'))?.descriptor.rangeId).toBe(3);
    expect(c.lookup(bytes('zzzz'))?.descriptor.rangeId).toBe(3);
  });

  it('misses keys in holes between cached ranges', () => {
    const c = new RangeCache({ rangesMax: 10 });
    c.insert(descriptor(2, 'g', 'p'));
    expect(c.lookup(bytes('a'))).toBeUndefined();
    expect(c.lookup(bytes('p'))).toBeUndefined();
    expect(c.lookup(bytes('h'))?.descriptor.rangeId).toBe(2);
  });

  it('lookupBefore finds the range holding the keys just below an end key', () => {
    const c = new RangeCache({ rangesMax: 10 });
    c.insert(descriptor(1, '', 'g'));
    c.insert(descriptor(2, 'g', 'p'));
    expect(c.lookupBefore(bytes('g'))?.descriptor.rangeId).toBe(1);
    expect(c.lookupBefore(bytes('h'))?.descriptor.rangeId).toBe(2);
    expect(c.lookupBefore(bytes('p'))?.descriptor.rangeId).toBe(2);
    // Keys just below "q" live in [p, ...), which is not cached.
    expect(c.lookupBefore(bytes('q'))).toBeUndefined();
    // +∞: only a range ending at +∞ answers.
    expect(c.lookupBefore(bytes(''))).toBeUndefined();
    c.insert(descriptor(3, 'p', ''));
    expect(c.lookupBefore(bytes(''))?.descriptor.rangeId).toBe(3);
    expect(c.lookupBefore(bytes('q'))?.descriptor.rangeId).toBe(3);
  });
});

describe('RangeCache inserts: newer epoch wins, overlapping stale entries are evicted', () => {
  it('replaces a range by a newer epoch of itself and refuses an older one', () => {
    const c = new RangeCache({ rangesMax: 10 });
    c.insert(descriptor(1, '', '', 2, 1));
    expect(c.insert(descriptor(1, '', '', 1, 5))).toBe('stale');
    expect(c.get(rangeId(1))?.descriptor.epoch).toEqual({ version: 2, confVersion: 1 });
    expect(c.insert(descriptor(1, '', '', 2, 2))).toBe('inserted');
    expect(c.get(rangeId(1))?.descriptor.epoch).toEqual({ version: 2, confVersion: 2 });
  });

  it('a split evicts the parent; the stale parent is then refused', () => {
    const c = new RangeCache({ rangesMax: 10 });
    c.insert(descriptor(1, '', '', 1));
    // Split at "m": both halves get version 2.
    expect(c.insert(descriptor(2, 'm', '', 2))).toBe('inserted');
    expect(ids(c)).toEqual([2]);
    expect(c.lookup(bytes('a'))).toBeUndefined();
    expect(c.insert(descriptor(1, '', '', 1))).toBe('stale');
    expect(c.insert(descriptor(1, '', 'm', 2))).toBe('inserted');
    expect(ids(c)).toEqual([1, 2]);
  });

  it('a merge evicts both halves', () => {
    const c = new RangeCache({ rangesMax: 10 });
    c.insert(descriptor(1, '', 'm', 2));
    c.insert(descriptor(2, 'm', '', 2));
    c.insert(descriptor(3, 'zz', '', 1)); // a stale leftover nobody cleaned up is refused by its overlap
    expect(ids(c)).toEqual([1, 2]);
    expect(c.insert(descriptor(1, '', '', 3))).toBe('inserted');
    expect(ids(c)).toEqual([1]);
  });

  it('keeps the leader across a new epoch when the store still holds a replica', () => {
    const c = new RangeCache({ rangesMax: 10 });
    c.insert(descriptor(1, '', '', 1, 1, [1, 2, 3]), storeId(2));
    c.insert(descriptor(1, '', '', 1, 2, [1, 2, 4]));
    expect(c.get(rangeId(1))?.leaderStoreId).toBe(2);
    c.insert(descriptor(1, '', '', 1, 3, [1, 4, 5]));
    expect(c.get(rangeId(1))?.leaderStoreId).toBeUndefined();
  });

  it('rejects an inverted span as a bug', () => {
    const c = new RangeCache({ rangesMax: 10 });
    expect(() => c.insert(descriptor(1, 'b', 'a'))).toThrow(RangeError);
    expect(() => c.insert(descriptor(1, 'b', 'b'))).toThrow(RangeError);
  });
});

describe('RangeCache leaders and eviction', () => {
  it('setLeader records and forgets a leader; unknown ranges are ignored', () => {
    const c = new RangeCache({ rangesMax: 10 });
    c.insert(descriptor(1, '', ''));
    c.setLeader(rangeId(1), storeId(3));
    expect(c.lookup(bytes('k'))?.leaderStoreId).toBe(3);
    c.setLeader(rangeId(1), undefined);
    expect(c.lookup(bytes('k'))?.leaderStoreId).toBeUndefined();
    c.setLeader(rangeId(9), storeId(1));
    expect(c.size).toBe(1);
  });

  it('evict drops a range', () => {
    const c = new RangeCache({ rangesMax: 10 });
    c.insert(descriptor(1, '', 'm'));
    c.insert(descriptor(2, 'm', ''));
    expect(c.evict(rangeId(1))).toBe(true);
    expect(c.evict(rangeId(1))).toBe(false);
    expect(ids(c)).toEqual([2]);
  });

  it('drops the least recently used entry past rangesMax', () => {
    const c = new RangeCache({ rangesMax: 2 });
    c.insert(descriptor(1, 'a', 'b'));
    c.insert(descriptor(2, 'b', 'c'));
    c.lookup(bytes('a')); // 1 is now the most recently used
    c.insert(descriptor(3, 'c', 'd'));
    expect(ids(c)).toEqual([1, 3]);
    // Recording a leader is not a use: 1 stays the oldest and goes next.
    c.setLeader(rangeId(1), storeId(1));
    c.insert(descriptor(4, 'd', 'e'));
    expect(ids(c)).toEqual([3, 4]);
  });
});
