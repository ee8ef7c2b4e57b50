import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaftInvariantError } from '../../raft/assert.js';
import { Inflights } from '../../raft/inflights.js';

/** Snapshot of the observable state, so a failed assertion shows the whole window. */
function view(inf: Inflights): { count: number; bytes: number; full: boolean } {
  return { count: inf.count(), bytes: inf.sizeBytes(), full: inf.full() };
}

describe('Inflights: construction', () => {
  it('rejects a non-positive or fractional count bound and a non-positive byte bound', () => {
    expect(() => new Inflights(0, 100)).toThrow(RaftInvariantError);
    expect(() => new Inflights(-1, 100)).toThrow(RaftInvariantError);
    expect(() => new Inflights(1.5, 100)).toThrow(RaftInvariantError);
    expect(() => new Inflights(4, 0)).toThrow(RaftInvariantError);
    expect(() => new Inflights(4, -5)).toThrow(RaftInvariantError);
  });

  it('starts empty and not full', () => {
    const inf = new Inflights(3, 100);
    expect(view(inf)).toEqual({ count: 0, bytes: 0, full: false });
    expect(inf.countMax).toBe(3);
    expect(inf.bytesMax).toBe(100);
  });
});

describe('Inflights: bounded by count', () => {
  it('fills up at countMax messages and refuses (asserts) one more', () => {
    const inf = new Inflights(3, 1_000_000);
    inf.add(1, 10);
    inf.add(2, 10);
    expect(inf.full()).toBe(false);
    inf.add(5, 10);
    expect(view(inf)).toEqual({ count: 3, bytes: 30, full: true });
    // Adding while full is a caller bug: the leader must check full() first.
    expect(() => inf.add(6, 10)).toThrow(/add while full/);
    expect(view(inf)).toEqual({ count: 3, bytes: 30, full: true });
  });

  it('asserts that last indexes strictly increase (equal and smaller both rejected)', () => {
    const inf = new Inflights(8, 1_000_000);
    inf.add(10, 1);
    expect(() => inf.add(10, 1)).toThrow(RaftInvariantError);
    expect(() => inf.add(9, 1)).toThrow(/not after 10/);
    expect(view(inf)).toEqual({ count: 1, bytes: 1, full: false });
    inf.add(11, 1);
    expect(inf.count()).toBe(2);
  });
});

describe('Inflights: bounded by bytes', () => {
  it('is full once the byte total reaches bytesMax, even below countMax', () => {
    const inf = new Inflights(10, 100);
    inf.add(1, 60);
    expect(inf.full()).toBe(false);
    inf.add(2, 39);
    expect(view(inf)).toEqual({ count: 2, bytes: 99, full: false });
    inf.add(3, 1);
    expect(view(inf)).toEqual({ count: 3, bytes: 100, full: true });
    expect(() => inf.add(4, 1)).toThrow(RaftInvariantError);
  });

  it('admits a single message larger than bytesMax into an empty window (at least one message can fly)', () => {
    const inf = new Inflights(10, 100);
    inf.add(1, 500);
    expect(view(inf)).toEqual({ count: 1, bytes: 500, full: true });
    inf.freeLE(1);
    expect(view(inf)).toEqual({ count: 0, bytes: 0, full: false });
  });

  it('freeing by acknowledgement releases the bytes of the freed messages only', () => {
    const inf = new Inflights(10, 100);
    inf.add(3, 40);
    inf.add(7, 30);
    inf.add(9, 30);
    expect(inf.full()).toBe(true);
    inf.freeLE(7);
    expect(view(inf)).toEqual({ count: 1, bytes: 30, full: false });
  });
});

describe('Inflights: freeLE', () => {
  it('frees every message whose last index is ≤ the acknowledged index, oldest first', () => {
    const inf = new Inflights(10, 1_000);
    for (const [i, b] of [
      [2, 1],
      [4, 2],
      [6, 4],
      [8, 8],
    ] as const) {
      inf.add(i, b);
    }
    inf.freeLE(1); // below the oldest: nothing
    expect(view(inf)).toEqual({ count: 4, bytes: 15, full: false });
    inf.freeLE(5); // frees 2 and 4 (an ack between two messages frees the older one only)
    expect(view(inf)).toEqual({ count: 2, bytes: 12, full: false });
    inf.freeLE(6);
    expect(view(inf)).toEqual({ count: 1, bytes: 8, full: false });
    inf.freeLE(100);
    expect(view(inf)).toEqual({ count: 0, bytes: 0, full: false });
  });

  it('a stale (smaller) acknowledgement after a larger one frees nothing more', () => {
    const inf = new Inflights(4, 1_000);
    inf.add(5, 1);
    inf.add(10, 1);
    inf.freeLE(5);
    inf.freeLE(3);
    expect(inf.count()).toBe(1);
  });

  it('after emptying, accepts any index again (the window forgets what it freed)', () => {
    const inf = new Inflights(2, 1_000);
    inf.add(10, 1);
    inf.freeLE(10);
    inf.add(3, 1);
    expect(inf.count()).toBe(1);
  });

  it('freeLE on an empty window is a no-op', () => {
    const inf = new Inflights(2, 1_000);
    inf.freeLE(99);
    expect(view(inf)).toEqual({ count: 0, bytes: 0, full: false });
  });
});

describe('Inflights: wraparound', () => {
  it('keeps order and byte accounting when the ring wraps past the end of its buffer', () => {
    const inf = new Inflights(4, 1_000);
    inf.add(1, 1);
    inf.add(2, 2);
    inf.add(3, 4);
    inf.add(4, 8);
    expect(inf.full()).toBe(true);
    inf.freeLE(2); // start moves to slot 2
    inf.add(5, 16); // slot 0
    inf.add(6, 32); // slot 1
    expect(view(inf)).toEqual({ count: 4, bytes: 60, full: true });
    // The newest is 6 (stored at slot 1, behind start): its successor must be > 6.
    expect(() => inf.add(6, 1)).toThrow(RaftInvariantError);
    inf.freeLE(4);
    expect(view(inf)).toEqual({ count: 2, bytes: 48, full: false });
    expect(() => inf.add(6, 1)).toThrow(/not after 6/);
    inf.add(7, 64);
    inf.freeLE(5);
    expect(view(inf)).toEqual({ count: 2, bytes: 96, full: false });
    inf.freeLE(7);
    expect(view(inf)).toEqual({ count: 0, bytes: 0, full: false });
  });
});

describe('Inflights: reset', () => {
  it('empties the window and its byte total, and accepts lower indexes afterwards', () => {
    const inf = new Inflights(3, 100);
    inf.add(7, 50);
    inf.add(8, 50);
    expect(inf.full()).toBe(true);
    inf.reset();
    expect(view(inf)).toEqual({ count: 0, bytes: 0, full: false });
    inf.add(1, 10);
    inf.add(2, 10);
    inf.add(3, 10);
    expect(view(inf)).toEqual({ count: 3, bytes: 30, full: true });
  });
});

describe('Inflights: clone', () => {
  it('copies a wrapped window exactly, and the copy and the original evolve independently', () => {
    const inf = new Inflights(3, 100);
    inf.add(1, 10);
    inf.add(2, 20);
    inf.add(3, 30);
    inf.freeLE(1);
    inf.add(4, 40); // wrapped: slot 0
    const c = inf.clone();
    expect(view(c)).toEqual(view(inf));
    expect(c.countMax).toBe(3);
    expect(c.bytesMax).toBe(100);
    // Same ordering constraint: the newest index (4, behind start) carries over.
    expect(() => c.add(4, 1)).toThrow(RaftInvariantError);
    c.freeLE(3);
    expect(view(c)).toEqual({ count: 1, bytes: 40, full: false });
    expect(view(inf)).toEqual({ count: 3, bytes: 90, full: true });
    inf.reset();
    c.add(5, 1);
    expect(view(c)).toEqual({ count: 2, bytes: 41, full: false });
    expect(view(inf)).toEqual({ count: 0, bytes: 0, full: false });
    // The copy frees in the original order.
    c.freeLE(4);
    expect(view(c)).toEqual({ count: 1, bytes: 1, full: false });
  });
});

type Op =
  | { readonly kind: 'add'; readonly gap: number; readonly bytes: number }
  | { readonly kind: 'free'; readonly back: number }
  | { readonly kind: 'reset' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('add' as const), gap: fc.integer({ min: 1, max: 3 }), bytes: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('free' as const), back: fc.integer({ min: -2, max: 12 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
);

describe('Inflights: property against a plain array model', () => {
  it('count, bytes and full() agree with a FIFO list after any sequence of add/freeLE/reset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 120 }), fc.array(opArb, { maxLength: 80, size: 'max' }), (countMax, bytesMax, ops) => {
        const inf = new Inflights(countMax, bytesMax);
        let model: { index: number; bytes: number }[] = [];
        let nextIndex = 1;
        const modelBytes = (): number => model.reduce((s, m) => s + m.bytes, 0);
        const modelFull = (): boolean => model.length >= countMax || modelBytes() >= bytesMax;
        for (const op of ops) {
          switch (op.kind) {
            case 'add': {
              const index = nextIndex + op.gap - 1;
              nextIndex = index + 1;
              if (modelFull()) {
                expect(() => inf.add(index, op.bytes)).toThrow(RaftInvariantError);
              } else {
                inf.add(index, op.bytes);
                model.push({ index, bytes: op.bytes });
              }
              break;
            }
            case 'free': {
              const ack = nextIndex - 1 - op.back;
              inf.freeLE(ack);
              // Only a prefix is freed: messages are acknowledged in order.
              while (model.length > 0 && model[0]!.index <= ack) model.shift();
              break;
            }
            case 'reset':
              inf.reset();
              model = [];
              break;
          }
          expect(view(inf)).toEqual({ count: model.length, bytes: modelBytes(), full: modelFull() });
        }
      }),
      { numRuns: 300 },
    );
  });
});
