/**
 * Partition shapes, computed as the set of directed links to block (pure; the proxies enforce
 * them). Nodes are 0-based indices; `rng` only chooses who lands where.
 *
 *   majority-minority  a random minority (⌊(n-1)/2⌋ nodes, at least 1) cut from the majority
 *   isolated-node      one node cut from everyone, both directions
 *   isolated-leader    the same, for the node a callback says leads a range
 *   bridge             two halves cut from each other, except one bridge node that talks to both
 *                      (each half plus the bridge is a majority: two overlapping majorities)
 *   ring               nodes on a random ring, each talking only to its two neighbours (with 5
 *                      nodes, each node sees a different majority; with 3 or fewer, nothing is cut)
 *   random-halves      a random split into ⌊n/2⌋ and ⌈n/2⌉
 *   one-way            a random non-empty proper subset A whose messages to the rest are dropped,
 *                      while the rest still reach A (asymmetric: A hears but is not heard)
 */
import type { Rng } from '../../raft/rng.js';
import { linkKey, nodeName, normalizeLinks, type DirectedLink } from './directed-link.js';

export const PARTITION_SHAPES = [
  'majority-minority',
  'isolated-node',
  'isolated-leader',
  'bridge',
  'ring',
  'random-halves',
  'one-way',
] as const;
export type PartitionShape = (typeof PARTITION_SHAPES)[number];

export interface Partition {
  readonly shape: PartitionShape;
  readonly nodeCount: number;
  /** The directed links to block, sorted. */
  readonly blocked: readonly DirectedLink[];
  /** Who ends up with whom, for people: "n1 n2 | n3 n4 n5". */
  readonly description: string;
}

export class PartitionError extends Error {
  constructor(
    readonly code: 'TOO_FEW_NODES' | 'BAD_NODE',
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'PartitionError';
  }
}

function assertNodeCount(nodeCount: number, atLeast: number, shape: PartitionShape): void {
  if (!Number.isSafeInteger(nodeCount) || nodeCount < atLeast) {
    throw new PartitionError('TOO_FEW_NODES', `${shape} needs at least ${atLeast} nodes, got ${nodeCount}`);
  }
}

function assertNode(nodeCount: number, node: number): void {
  if (!Number.isSafeInteger(node) || node < 0 || node >= nodeCount) {
    throw new PartitionError('BAD_NODE', `node ${node} is not in a cluster of ${nodeCount}`);
  }
}

/** Fisher-Yates over 0..n-1 with the injected rng. */
export function shuffledNodes(nodeCount: number, rng: Rng): number[] {
  const nodes = Array.from({ length: nodeCount }, (_, i) => i);
  for (let i = nodeCount - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const a = nodes[i]!;
    nodes[i] = nodes[j]!;
    nodes[j] = a;
  }
  return nodes;
}

/** Blocks every link, both directions, between nodes in different groups. Nodes in no group talk to everyone. */
export function linksBetweenGroups(groups: readonly (readonly number[])[]): DirectedLink[] {
  const blocked: DirectedLink[] = [];
  for (let a = 0; a < groups.length; a++) {
    for (let b = 0; b < groups.length; b++) {
      if (a === b) continue;
      for (const from of groups[a] ?? []) {
        for (const to of groups[b] ?? []) blocked.push({ from, to });
      }
    }
  }
  return normalizeLinks(blocked);
}

function describeGroups(groups: readonly (readonly number[])[]): string {
  return groups.map((g) => [...g].sort((x, y) => x - y).map(nodeName).join(' ')).join(' | ');
}

function fromGroups(shape: PartitionShape, nodeCount: number, groups: readonly (readonly number[])[]): Partition {
  return { shape, nodeCount, blocked: linksBetweenGroups(groups), description: describeGroups(groups) };
}

export function majorityMinority(nodeCount: number, rng: Rng): Partition {
  assertNodeCount(nodeCount, 2, 'majority-minority');
  const nodes = shuffledNodes(nodeCount, rng);
  const minoritySize = Math.max(1, Math.floor((nodeCount - 1) / 2));
  return fromGroups('majority-minority', nodeCount, [nodes.slice(minoritySize), nodes.slice(0, minoritySize)]);
}

export function isolatedNode(nodeCount: number, node: number, shape: 'isolated-node' | 'isolated-leader' = 'isolated-node'): Partition {
  assertNodeCount(nodeCount, 2, shape);
  assertNode(nodeCount, node);
  const rest = Array.from({ length: nodeCount }, (_, i) => i).filter((i) => i !== node);
  return fromGroups(shape, nodeCount, [rest, [node]]);
}

export function isolatedLeader(nodeCount: number, leader: number): Partition {
  return isolatedNode(nodeCount, leader, 'isolated-leader');
}

export function bridge(nodeCount: number, rng: Rng): Partition {
  assertNodeCount(nodeCount, 3, 'bridge');
  const nodes = shuffledNodes(nodeCount, rng);
  const bridgeNode = nodes[0]!;
  const rest = nodes.slice(1);
  const half = Math.floor(rest.length / 2);
  const left = rest.slice(0, half);
  const right = rest.slice(half);
  const blocked = linksBetweenGroups([left, right]);
  const description = `${describeGroups([left])} <${nodeName(bridgeNode)}> ${describeGroups([right])}`;
  return { shape: 'bridge', nodeCount, blocked, description };
}

export function ring(nodeCount: number, rng: Rng): Partition {
  assertNodeCount(nodeCount, 2, 'ring');
  const order = shuffledNodes(nodeCount, rng);
  const allowed = new Set<string>();
  for (let i = 0; i < nodeCount; i++) {
    const a = order[i]!;
    const b = order[(i + 1) % nodeCount]!;
    allowed.add(linkKey(a, b));
    allowed.add(linkKey(b, a));
  }
  const blocked: DirectedLink[] = [];
  for (let from = 0; from < nodeCount; from++) {
    for (let to = 0; to < nodeCount; to++) {
      if (from !== to && !allowed.has(linkKey(from, to))) blocked.push({ from, to });
    }
  }
  return { shape: 'ring', nodeCount, blocked: normalizeLinks(blocked), description: `ring ${order.map(nodeName).join(' - ')} - ${nodeName(order[0]!)}` };
}

export function randomHalves(nodeCount: number, rng: Rng): Partition {
  assertNodeCount(nodeCount, 2, 'random-halves');
  const nodes = shuffledNodes(nodeCount, rng);
  const half = Math.floor(nodeCount / 2);
  return fromGroups('random-halves', nodeCount, [nodes.slice(0, half), nodes.slice(half)]);
}

export function oneWay(nodeCount: number, rng: Rng): Partition {
  assertNodeCount(nodeCount, 2, 'one-way');
  const nodes = shuffledNodes(nodeCount, rng);
  const mutedCount = 1 + rng.int(nodeCount - 1);
  const muted = nodes.slice(0, mutedCount);
  const heard = nodes.slice(mutedCount);
  const blocked: DirectedLink[] = [];
  for (const from of muted) for (const to of heard) blocked.push({ from, to });
  return {
    shape: 'one-way',
    nodeCount,
    blocked: normalizeLinks(blocked),
    description: `${describeGroups([muted])} -/-> ${describeGroups([heard])} (reverse direction open)`,
  };
}

/**
 * A partition of the given shape. `leader` is the node to isolate for isolated-leader (the cluster's
 * leaderOf callback); without one, isolated-leader isolates a random node.
 */
export function makePartition(shape: PartitionShape, nodeCount: number, rng: Rng, leader: number | null = null): Partition {
  switch (shape) {
    case 'majority-minority':
      return majorityMinority(nodeCount, rng);
    case 'isolated-node':
      return isolatedNode(nodeCount, rng.int(nodeCount));
    case 'isolated-leader':
      return isolatedLeader(nodeCount, leader ?? rng.int(nodeCount));
    case 'bridge':
      return bridge(nodeCount, rng);
    case 'ring':
      return ring(nodeCount, rng);
    case 'random-halves':
      return randomHalves(nodeCount, rng);
    case 'one-way':
      return oneWay(nodeCount, rng);
  }
}

/** The smallest cluster each shape makes sense for. */
export function minimumNodeCount(shape: PartitionShape): number {
  return shape === 'bridge' ? 3 : 2;
}

/** Can `from` deliver to `to` directly, given a blocked set? */
export function isBlocked(blocked: readonly DirectedLink[], from: number, to: number): boolean {
  return blocked.some((l) => l.from === from && l.to === to);
}
