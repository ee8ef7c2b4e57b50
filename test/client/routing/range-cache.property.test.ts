import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeCache, epochCompare } from '../../../client/routing/range-cache.js';
import { compareBytes, rangeContainsKey, type RangeDescriptor } from '../../../proto/range-descriptor.js';
import { bytes, descriptor } from './descriptors.js';

/** Keys drawn from a small alphabet so that spans collide often. */
const keyAlphabet = ['', 'a', 'aa', 'b', 'ba', 'c', 'd', 'da', 'e', 'f'];
const probeKeys = [...keyAlphabet, 'a\x00', 'c\xff', 'zz'].map(bytes);

const arbDescriptor: fc.Arbitrary<RangeDescriptor> = fc
  .record({
    id: fc.integer({ min: 1, max: 6 }),
    a: fc.integer({ min: 0, max: keyAlphabet.length - 1 }),
    b: fc.integer({ min: 0, max: keyAlphabet.length - 1 }),
    toInfinity: fc.boolean(),
    version: fc.integer({ min: 1, max: 5 }),
    confVersion: fc.integer({ min: 1, max: 3 }),
  })
  .filter((r) => r.toInfinity || r.a !== r.b)
  .map((r) => {
    const lo = Math.min(r.a, r.b);
    const hi = Math.max(r.a, r.b);
    return r.toInfinity ? descriptor(r.id, keyAlphabet[lo]!, '', r.version, r.confVersion) : descriptor(r.id, keyAlphabet[lo]!, keyAlphabet[hi]!, r.version, r.confVersion);
  });

function overlaps(x: RangeDescriptor, y: RangeDescriptor): boolean {
  const xBeforeY = x.end.length !== 0 && compareBytes(x.end, y.start) <= 0;
  const yBeforeX = y.end.length !== 0 && compareBytes(y.end, x.start) <= 0;
  return !xBeforeY && !yBeforeX;
}

/** The rule of RangeCache.insert written as plainly as possible over an unsorted list. */
class ModelCache {
  ranges: RangeDescriptor[] = [];

  insert(d: RangeDescriptor): 'inserted' | 'stale' {
    const same = this.ranges.find((r) => r.rangeId === d.rangeId);
    if (same !== undefined && epochCompare(same.epoch, d.epoch) > 0) return 'stale';
    if (this.ranges.some((r) => r.rangeId !== d.rangeId && overlaps(r, d) && r.epoch.version > d.epoch.version)) return 'stale';
    this.ranges = this.ranges.filter((r) => r.rangeId !== d.rangeId && !overlaps(r, d));
    this.ranges.push(d);
    return 'inserted';
  }

  lookup(key: Uint8Array): RangeDescriptor | undefined {
    return this.ranges.find((r) => rangeContainsKey(r, key));
  }

  lookupBefore(end: Uint8Array): RangeDescriptor | undefined {
    return this.ranges.find((r) => (end.length === 0 ? r.end.length === 0 : compareBytes(r.start, end) < 0 && (r.end.length === 0 || compareBytes(end, r.end) <= 0)));
  }
}

function assertNonOverlappingAndSorted(c: RangeCache): void {
  const es = c.entries();
  for (let i = 1; i < es.length; i++) {
    const prev = es[i - 1]!.descriptor;
    const cur = es[i]!.descriptor;
    expect(prev.end.length).not.toBe(0);
    expect(compareBytes(prev.end, cur.start)).toBeLessThanOrEqual(0);
  }
}

const summary = (d: RangeDescriptor | undefined): unknown => (d === undefined ? undefined : { id: d.rangeId, start: Buffer.from(d.start).toString(), end: Buffer.from(d.end).toString(), epoch: d.epoch });

describe('RangeCache against a simple model (fast-check)', () => {
  it('random insertions keep the cache non-overlapping, and outcomes and lookups match the model', () => {
    fc.assert(
      fc.property(fc.array(arbDescriptor, { maxLength: 40 }), (ds) => {
        const cache = new RangeCache({ rangesMax: 1_000 });
        const model = new ModelCache();
        for (const d of ds) {
          expect(cache.insert(d)).toBe(model.insert(d));
          assertNonOverlappingAndSorted(cache);
          expect(cache.size).toBe(model.ranges.length);
          for (const k of probeKeys) {
            expect(summary(cache.lookup(k)?.descriptor)).toEqual(summary(model.lookup(k)));
            expect(summary(cache.lookupBefore(k)?.descriptor)).toEqual(summary(model.lookupBefore(k)));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('with a small bound the cache stays bounded and non-overlapping, and every hit contains its key', () => {
    fc.assert(
      fc.property(fc.array(arbDescriptor, { maxLength: 40 }), fc.integer({ min: 1, max: 3 }), (ds, rangesMax) => {
        const cache = new RangeCache({ rangesMax });
        for (const d of ds) {
          cache.insert(d);
          expect(cache.size).toBeLessThanOrEqual(rangesMax);
          assertNonOverlappingAndSorted(cache);
          for (const k of probeKeys) {
            const hit = cache.lookup(k);
            if (hit !== undefined) expect(rangeContainsKey(hit.descriptor, k)).toBe(true);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * A cluster's real history: splits (both halves get version + 1), merges (survivor gets
 * max + 1) and membership changes (confVersion + 1). Whatever order the descriptors of that history
 * arrive in, the cache must end with exactly the final layout.
 */
type HistoryOp = { kind: 'split'; at: number; cut: number } | { kind: 'merge'; at: number } | { kind: 'conf'; at: number };

const arbHistoryOp: fc.Arbitrary<HistoryOp> = fc.oneof(
  fc.record({ kind: fc.constant('split' as const), at: fc.nat(), cut: fc.nat() }),
  fc.record({ kind: fc.constant('merge' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('conf' as const), at: fc.nat() }),
);

function playHistory(ops: readonly HistoryOp[]): { all: RangeDescriptor[]; final: RangeDescriptor[] } {
  let layout: RangeDescriptor[] = [descriptor(1, '', '', 1, 1)];
  const all = [...layout];
  let nextId = 2;
  for (const op of ops) {
    const i = op.at % layout.length;
    const r = layout[i]!;
    if (op.kind === 'conf') {
      const d = { ...r, epoch: { ...r.epoch, confVersion: r.epoch.confVersion + 1 } };
      layout[i] = d;
      all.push(d);
    } else if (op.kind === 'split') {
      // Cut keys are two-byte strings strictly inside the span.
      const cut = bytes(`k${String.fromCharCode(0x30 + (op.cut % 64))}${op.cut}`);
      if (compareBytes(cut, r.start) <= 0 || (r.end.length !== 0 && compareBytes(cut, r.end) >= 0)) continue;
      const version = r.epoch.version + 1;
      const left = { ...r, end: cut, epoch: { ...r.epoch, version } };
      const right = { ...r, rangeId: nextId++ as RangeDescriptor['rangeId'], start: cut, epoch: { ...r.epoch, version } };
      layout.splice(i, 1, left, right);
      all.push(left, right);
    } else {
      const right = layout[i + 1];
      if (right === undefined) continue;
      const version = Math.max(r.epoch.version, right.epoch.version) + 1;
      const merged = { ...r, end: right.end, epoch: { ...r.epoch, version } };
      layout.splice(i, 2, merged);
      all.push(merged);
    }
    layout = layout.slice();
  }
  return { all, final: layout };
}

describe('RangeCache converges on a split/merge history delivered in any order (fast-check)', () => {
  it('ends with exactly the final layout', () => {
    fc.assert(
      fc.property(
        fc.array(arbHistoryOp, { maxLength: 30 }).chain((ops) => {
          const h = playHistory(ops);
          return fc.tuple(fc.constant(h), fc.shuffledSubarray(h.all, { minLength: h.all.length, maxLength: h.all.length }));
        }),
        ([history, deliveries]) => {
          const cache = new RangeCache({ rangesMax: 10_000 });
          for (const d of deliveries) cache.insert(d);
          expect(cache.entries().map((e) => summary(e.descriptor))).toEqual(history.final.map(summary));
        },
      ),
      { numRuns: 300 },
    );
  });
});
