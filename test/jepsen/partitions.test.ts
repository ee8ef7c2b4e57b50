/**
 * Partition shapes against their definitions, for every cluster size from 2 to 9 and many seeds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../raft/rng.js';
import { allLinks, type DirectedLink } from './directed-link.js';
import {
  bridge,
  isBlocked,
  isolatedLeader,
  isolatedNode,
  majorityMinority,
  makePartition,
  minimumNodeCount,
  oneWay,
  PARTITION_SHAPES,
  PartitionError,
  randomHalves,
  ring,
  type Partition,
} from './partitions.js';

const clusterSize = fc.integer({ min: 2, max: 9 });
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** Nodes that can talk to `node` in both directions (its side of a symmetric partition). */
function reachable(partition: Partition, node: number): number[] {
  const result: number[] = [];
  for (let other = 0; other < partition.nodeCount; other++) {
    if (other !== node && !isBlocked(partition.blocked, node, other) && !isBlocked(partition.blocked, other, node)) result.push(other);
  }
  return result;
}

function isSymmetric(blocked: readonly DirectedLink[]): boolean {
  return blocked.every((l) => isBlocked(blocked, l.to, l.from));
}

/** The sides of a symmetric partition: connected components of "can talk both ways". */
function components(partition: Partition): number[][] {
  const seen = new Set<number>();
  const result: number[][] = [];
  for (let start = 0; start < partition.nodeCount; start++) {
    if (seen.has(start)) continue;
    const component: number[] = [];
    const stack = [start];
    seen.add(start);
    while (stack.length > 0) {
      const node = stack.pop()!;
      component.push(node);
      for (const other of reachable(partition, node)) {
        if (!seen.has(other)) {
          seen.add(other);
          stack.push(other);
        }
      }
    }
    result.push(component.sort((a, b) => a - b));
  }
  return result;
}

describe('partition shapes', () => {
  it('every shape: well-formed links, deterministic for a seed', () => {
    fc.assert(
      fc.property(clusterSize, seed, fc.constantFrom(...PARTITION_SHAPES), (n, s, shape) => {
        fc.pre(n >= minimumNodeCount(shape));
        const partition = makePartition(shape, n, new SeededRng(s));
        const again = makePartition(shape, n, new SeededRng(s));
        expect(again).toEqual(partition);
        const keys = partition.blocked.map((l) => `${l.from}>${l.to}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (const link of partition.blocked) {
          expect(link.from).not.toBe(link.to);
          expect(link.from).toBeGreaterThanOrEqual(0);
          expect(link.to).toBeLessThan(n);
        }
        expect(partition.blocked.length).toBeLessThan(allLinks(n).length + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('majority-minority: two sides, cut both ways, the larger a strict majority and the smaller non-empty', () => {
    fc.assert(
      fc.property(clusterSize, seed, (n, s) => {
        const partition = majorityMinority(n, new SeededRng(s));
        expect(isSymmetric(partition.blocked)).toBe(true);
        const sides = components(partition).sort((a, b) => b.length - a.length);
        expect(sides).toHaveLength(2);
        if (n >= 3) expect(sides[0]!.length).toBeGreaterThan(n / 2);
        expect(sides[1]!.length).toBe(Math.max(1, Math.floor((n - 1) / 2)));
        expect(partition.blocked).toHaveLength(2 * sides[0]!.length * sides[1]!.length);
      }),
    );
  });

  it('isolated node and isolated leader: exactly the links to and from that node', () => {
    fc.assert(
      fc.property(clusterSize, fc.nat(), (n, pick) => {
        const node = pick % n;
        for (const partition of [isolatedNode(n, node), isolatedLeader(n, node)]) {
          expect(partition.blocked).toHaveLength(2 * (n - 1));
          expect(partition.blocked.every((l) => l.from === node || l.to === node)).toBe(true);
          expect(reachable(partition, node)).toEqual([]);
        }
        expect(isolatedLeader(n, node).shape).toBe('isolated-leader');
      }),
    );
    expect(() => isolatedNode(3, 3)).toThrow(PartitionError);
  });

  it('isolated-leader isolates the node the callback named', () => {
    const partition = makePartition('isolated-leader', 5, new SeededRng(1), 3);
    expect(components(partition).find((c) => c.length === 1)).toEqual([3]);
  });

  it('bridge: one node talks to everyone, the other two sides not to each other, each side plus the bridge a majority', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 9 }), seed, (n, s) => {
        const partition = bridge(n, new SeededRng(s));
        expect(isSymmetric(partition.blocked)).toBe(true);
        const bridges = Array.from({ length: n }, (_, i) => i).filter((i) => reachable(partition, i).length === n - 1);
        expect(bridges).toHaveLength(1);
        const bridgeNode = bridges[0]!;
        const others = Array.from({ length: n }, (_, i) => i).filter((i) => i !== bridgeNode);
        const left = others.filter((i) => isBlocked(partition.blocked, i, others[0]!) === false);
        const right = others.filter((i) => !left.includes(i));
        expect(right.length).toBeGreaterThan(0);
        for (const a of left) for (const b of right) expect(isBlocked(partition.blocked, a, b)).toBe(true);
        if (n % 2 === 1) {
          expect(left.length + 1).toBeGreaterThan(n / 2);
          expect(right.length + 1).toBeGreaterThan(n / 2);
        }
      }),
    );
  });

  it('ring: each node talks to exactly its two neighbours (n ≥ 4); with 5 nodes each sees a different majority', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 9 }), seed, (n, s) => {
        const partition = ring(n, new SeededRng(s));
        expect(isSymmetric(partition.blocked)).toBe(true);
        for (let node = 0; node < n; node++) expect(reachable(partition, node)).toHaveLength(2);
        // One cycle through all nodes: walking neighbours visits everyone.
        const visited = [0];
        let previous = -1;
        let current = 0;
        for (let step = 1; step < n; step++) {
          const next = reachable(partition, current).find((x) => x !== previous)!;
          previous = current;
          current = next;
          visited.push(current);
        }
        expect(new Set(visited).size).toBe(n);
        expect(reachable(partition, current)).toContain(0);
      }),
    );
    const five = ring(5, new SeededRng(9));
    const views = Array.from({ length: 5 }, (_, node) => [node, ...reachable(five, node)].sort().join(','));
    expect(new Set(views).size).toBe(5);
    expect(ring(3, new SeededRng(1)).blocked).toEqual([]);
  });

  it('random halves: two sides whose sizes differ by at most one', () => {
    fc.assert(
      fc.property(clusterSize, seed, (n, s) => {
        const partition = randomHalves(n, new SeededRng(s));
        const sides = components(partition).map((c) => c.length).sort();
        expect(sides).toEqual([Math.floor(n / 2), Math.ceil(n / 2)]);
      }),
    );
  });

  it('one-way: a muted group cannot reach the rest, the rest still reaches it', () => {
    fc.assert(
      fc.property(clusterSize, seed, (n, s) => {
        const partition = oneWay(n, new SeededRng(s));
        expect(partition.blocked.length).toBeGreaterThan(0);
        const muted = [...new Set(partition.blocked.map((l) => l.from))];
        const heard = [...new Set(partition.blocked.map((l) => l.to))];
        expect(muted.length + heard.length).toBe(n);
        expect(partition.blocked).toHaveLength(muted.length * heard.length);
        for (const a of muted) for (const b of heard) expect(isBlocked(partition.blocked, b, a)).toBe(false);
        expect(isSymmetric(partition.blocked)).toBe(false);
      }),
    );
  });

  it('refuses clusters too small for the shape', () => {
    expect(() => bridge(2, new SeededRng(1))).toThrow(/at least 3/);
    expect(() => majorityMinority(1, new SeededRng(1))).toThrow(PartitionError);
  });
});
