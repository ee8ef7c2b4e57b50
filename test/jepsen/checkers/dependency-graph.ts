/**
 * A directed graph of transactions with labelled dependency edges, and the searches the
 * list-append checker needs: strongly connected components (Tarjan, iterative) and shortest
 * cycles through a given edge, restricted to some edge kinds and weighted so that cycles with
 * fewer anti-dependencies are preferred.
 *
 * Edge kinds follow Adya: ww (write-write: one txn's write was overwritten/followed by another's),
 * wr (write-read: a txn read another's write), rw (read-write, anti-dependency: a txn read a
 * version that another txn's write then followed), and rt (real time: one txn completed before
 * the other began; only used when checking strict serializability).
 */
import { invariant } from '../check-assert.js';

export type EdgeKind = 'ww' | 'wr' | 'rw' | 'rt';

export interface DependencyEdge {
  readonly from: number;
  readonly to: number;
  readonly kind: EdgeKind;
  /** The key (object) the dependency is on; null for rt. */
  readonly key: string | null;
  /** Why the edge exists, in words. */
  readonly why: string;
}

export class DependencyGraph {
  private readonly outgoing: DependencyEdge[][];
  private readonly seen = new Set<string>();
  edgeCount = 0;

  constructor(readonly nodeCount: number) {
    this.outgoing = Array.from({ length: nodeCount }, () => []);
  }

  /** Adds an edge unless one of the same kind (and key) already joins the two nodes. Self-loops are ignored. */
  addEdge(edge: DependencyEdge): void {
    if (edge.from === edge.to) return;
    invariant(edge.from >= 0 && edge.from < this.nodeCount && edge.to >= 0 && edge.to < this.nodeCount, 'edge outside the graph');
    const id = `${edge.from}>${edge.to}:${edge.kind}:${edge.key ?? ''}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    (this.outgoing[edge.from] ?? []).push(edge);
    this.edgeCount++;
  }

  edgesFrom(node: number): readonly DependencyEdge[] {
    return this.outgoing[node] ?? [];
  }

  /**
   * Strongly connected components with more than one node, over edges of the given kinds.
   * Returns, for each node, its component number, or -1 if it is in no such component.
   */
  components(kinds: ReadonlySet<EdgeKind>): { readonly componentOf: Int32Array; readonly count: number } {
    const n = this.nodeCount;
    const index = new Int32Array(n).fill(-1);
    const low = new Int32Array(n);
    const onStack = new Uint8Array(n);
    const stack: number[] = [];
    const componentOf = new Int32Array(n).fill(-1);
    let nextIndex = 0;
    let count = 0;
    // Iterative Tarjan: a call stack of (node, next edge position).
    const callNode: number[] = [];
    const callEdge: number[] = [];
    for (let root = 0; root < n; root++) {
      if (index[root] !== -1) continue;
      callNode.push(root);
      callEdge.push(0);
      index[root] = nextIndex;
      low[root] = nextIndex;
      nextIndex++;
      stack.push(root);
      onStack[root] = 1;
      while (callNode.length > 0) {
        const top = callNode.length - 1;
        const v = callNode[top] ?? 0;
        const edges = this.edgesFrom(v);
        let position = callEdge[top] ?? 0;
        let descended = false;
        while (position < edges.length) {
          const edge = edges[position];
          position++;
          if (edge === undefined || !kinds.has(edge.kind)) continue;
          const w = edge.to;
          if (index[w] === -1) {
            callEdge[top] = position;
            index[w] = nextIndex;
            low[w] = nextIndex;
            nextIndex++;
            stack.push(w);
            onStack[w] = 1;
            callNode.push(w);
            callEdge.push(0);
            descended = true;
            break;
          }
          if (onStack[w] === 1) low[v] = Math.min(low[v] ?? 0, index[w] ?? 0);
        }
        if (descended) continue;
        callEdge[top] = position;
        if (low[v] === index[v]) {
          const members: number[] = [];
          for (;;) {
            const w = stack.pop();
            invariant(w !== undefined, 'Tarjan stack underflow');
            onStack[w] = 0;
            members.push(w);
            if (w === v) break;
          }
          if (members.length > 1) {
            for (const w of members) componentOf[w] = count;
            count++;
          }
        }
        callNode.pop();
        callEdge.pop();
        const parent = callNode[callNode.length - 1];
        if (parent !== undefined) low[parent] = Math.min(low[parent] ?? 0, low[v] ?? 0);
      }
    }
    return { componentOf, count };
  }

  /**
   * The cheapest path from `source` to `target` using only edges of the given kinds between
   * nodes of component `component`, where an rw edge costs `rwCost` and any other edge 1
   * (Dijkstra). Returns the edges in order, or null if there is none.
   */
  cheapestPath(
    source: number,
    target: number,
    kinds: ReadonlySet<EdgeKind>,
    componentOf: Int32Array,
    component: number,
    rwCost: number,
  ): DependencyEdge[] | null {
    if (source === target) return [];
    const distance = new Map<number, number>([[source, 0]]);
    const via = new Map<number, DependencyEdge>();
    const heap = new MinHeap();
    heap.push(0, source);
    while (heap.size > 0) {
      const [cost, v] = heap.pop();
      if (cost > (distance.get(v) ?? Infinity)) continue;
      if (v === target) break;
      for (const edge of this.edgesFrom(v)) {
        if (!kinds.has(edge.kind) || componentOf[edge.to] !== component) continue;
        const next = cost + (edge.kind === 'rw' ? rwCost : 1);
        if (next < (distance.get(edge.to) ?? Infinity)) {
          distance.set(edge.to, next);
          via.set(edge.to, edge);
          heap.push(next, edge.to);
        }
      }
    }
    if (!via.has(target)) return null;
    const path: DependencyEdge[] = [];
    for (let v = target; v !== source; ) {
      const edge = via.get(v);
      invariant(edge !== undefined, 'broken path');
      path.push(edge);
      v = edge.from;
    }
    return path.reverse();
  }
}

/** A binary min-heap of (cost, node). */
class MinHeap {
  private readonly costs: number[] = [];
  private readonly nodes: number[] = [];

  get size(): number {
    return this.costs.length;
  }

  push(cost: number, node: number): void {
    this.costs.push(cost);
    this.nodes.push(node);
    let i = this.costs.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.costs[parent] ?? 0) <= cost) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.costs[0] ?? 0, this.nodes[0] ?? 0];
    const lastCost = this.costs.pop() ?? 0;
    const lastNode = this.nodes.pop() ?? 0;
    if (this.costs.length > 0) {
      this.costs[0] = lastCost;
      this.nodes[0] = lastNode;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < this.costs.length && (this.costs[left] ?? 0) < (this.costs[smallest] ?? 0)) smallest = left;
        if (right < this.costs.length && (this.costs[right] ?? 0) < (this.costs[smallest] ?? 0)) smallest = right;
        if (smallest === i) break;
        this.swap(i, smallest);
        i = smallest;
      }
    }
    return top;
  }

  private swap(a: number, b: number): void {
    const cost = this.costs[a] ?? 0;
    const node = this.nodes[a] ?? 0;
    this.costs[a] = this.costs[b] ?? 0;
    this.nodes[a] = this.nodes[b] ?? 0;
    this.costs[b] = cost;
    this.nodes[b] = node;
  }
}
