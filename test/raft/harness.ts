/**
 * An instant, fully controllable network of raft nodes for scenario tests (the Raft paper sections).
 * Each node follows the Ready contract exactly: persist, then send, then apply, then advance.
 * Messages are delivered breadth-first until none are left; filters drop chosen traffic.
 */
import {
  MemoryStorage,
  RawNode,
  SeededRng,
  decodeConfChange,
  nodeId,
  type ConfState,
  type Entry,
  type Message,
  type MessageType,
  type NodeId,
  type RaftConfigInput,
  type ReadState,
} from '../../raft/index.js';

export const ids = (...xs: number[]): NodeId[] => xs.map(nodeId);

export interface TestNode {
  readonly id: NodeId;
  node: RawNode;
  readonly storage: MemoryStorage;
  readonly applied: Entry[];
  readonly readStates: ReadState[];
  readonly droppedReads: string[];
  confState: ConfState;
  down: boolean;
}

export type NodeOptions = Omit<RaftConfigInput, 'id' | 'rng'> & { readonly seed?: number };

export function newStorage(voters: readonly NodeId[], learners: readonly NodeId[] = []): MemoryStorage {
  return MemoryStorage.bootstrap({ voters, votersOutgoing: [], learners, learnersNext: [], autoLeave: false });
}

export function newNode(id: NodeId, storage: MemoryStorage, opts: NodeOptions = {}): RawNode {
  const { seed, ...rest } = opts;
  return new RawNode({ id, rng: new SeededRng((seed ?? 1) * 1000 + id), preVote: false, checkQuorum: false, quiesce: false, ...rest }, storage);
}

/** Processes one Ready of `t` per the contract; returns the messages to send. */
export function processReady(t: TestNode): Message[] {
  if (!t.node.hasReady()) return [];
  const rd = t.node.ready();
  if (rd.snapshot !== undefined) t.storage.applySnapshot(rd.snapshot);
  t.storage.append(rd.entries);
  if (rd.hardState !== undefined) t.storage.setHardState(rd.hardState);
  if (rd.snapshot !== undefined) t.confState = rd.snapshot.metadata.confState;
  for (const e of rd.committedEntries) {
    t.applied.push(e);
    if (e.type === 'confChange') {
      t.confState = t.node.applyConfChange(decodeConfChange(e.data));
      t.storage.setConfState(t.confState);
    }
  }
  t.readStates.push(...rd.readStates);
  t.droppedReads.push(...rd.droppedReads);
  t.node.advance();
  return [...rd.messages];
}

type Filter = (m: Message) => boolean;

export class Network {
  readonly nodes = new Map<NodeId, TestNode>();
  private filters: Filter[] = [];
  /** Every message delivered, for assertions on traffic. */
  readonly delivered: Message[] = [];

  static empty(): Network {
    return new Network([]);
  }

  constructor(voters: readonly NodeId[], opts: NodeOptions = {}, learners: readonly NodeId[] = []) {
    for (const id of [...voters, ...learners]) {
      const storage = newStorage(voters, learners);
      this.nodes.set(id, { id, node: newNode(id, storage, opts), storage, applied: [], readStates: [], droppedReads: [], confState: storage.initialState().confState, down: false });
    }
  }

  /** Adds a node over a storage built by the test (for scenarios such as Figure 7). */
  addWithStorage(id: NodeId, storage: MemoryStorage, opts: NodeOptions = {}): TestNode {
    const t: TestNode = { id, node: newNode(id, storage, opts), storage, applied: [], readStates: [], droppedReads: [], confState: storage.initialState().confState, down: false };
    this.nodes.set(id, t);
    return t;
  }

  /** Adds a node with an empty configuration (it learns membership from the leader). */
  addEmpty(id: NodeId, opts: NodeOptions = {}): TestNode {
    const storage = new MemoryStorage();
    const t: TestNode = { id, node: newNode(id, storage, opts), storage, applied: [], readStates: [], droppedReads: [], confState: storage.initialState().confState, down: false };
    this.nodes.set(id, t);
    return t;
  }

  get(id: number): TestNode {
    const t = this.nodes.get(id as NodeId);
    if (t === undefined) throw new Error(`no node ${id}`);
    return t;
  }

  raw(id: number): RawNode {
    return this.get(id).node;
  }

  /** Takes a snapshot of node `id` at its applied index (as the node does when a follower needs one). */
  snapshotAtApplied(id: number, data = new Uint8Array(0)): void {
    const t = this.get(id);
    const last = t.applied[t.applied.length - 1];
    if (last === undefined || last.index <= t.storage.snapshot().metadata.index) return;
    t.storage.createSnapshot(last.index, t.confState, data);
  }

  /** Drops messages for which `f` returns true. */
  filter(f: Filter): void {
    this.filters.push(f);
  }

  isolate(id: number): void {
    this.filter((m) => m.from === id || m.to === id);
  }

  cut(a: number, b: number): void {
    this.filter((m) => (m.from === a && m.to === b) || (m.from === b && m.to === a));
  }

  ignore(type: MessageType): void {
    this.filter((m) => m.type === type);
  }

  recover(): void {
    this.filters = [];
  }

  /** Restarts a node from its storage alone (everything not persisted is lost). */
  restart(id: number, opts: NodeOptions = {}): void {
    const t = this.get(id);
    const applied = t.applied.length > 0 ? t.applied[t.applied.length - 1]!.index : 0;
    t.node = newNode(t.id, t.storage, { ...opts, appliedIndex: Math.max(applied, t.storage.firstIndex() - 1) });
    t.down = false;
  }

  /** Delivers until no message is left. Throws if it does not settle (a message storm is a bug). */
  settle(initial: Message[] = [], maxDeliveries = 100_000): void {
    const queue: Message[] = [...initial];
    for (const t of this.nodes.values()) if (!t.down) queue.push(...processReady(t));
    let delivered = 0;
    while (queue.length > 0) {
      const m = queue.shift()!;
      if (this.filters.some((f) => f(m))) continue;
      const t = this.nodes.get(m.to);
      if (t === undefined || t.down) continue;
      if (++delivered > maxDeliveries) throw new Error('network did not settle');
      this.delivered.push(m);
      t.node.step(m);
      queue.push(...processReady(t));
    }
  }

  /** Ticks every live node once and delivers the consequences. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const t of this.nodes.values()) if (!t.down) t.node.tick();
      this.settle();
    }
  }

  campaign(id: number): void {
    this.raw(id).campaign();
    this.settle();
  }

  propose(id: number, data: string): ReturnType<RawNode['propose']> {
    const r = this.raw(id).propose(new TextEncoder().encode(data));
    this.settle();
    return r;
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((t) => !t.down && t.node.status().role === 'leader').map((t) => t.id);
  }
}

export const text = (e: Entry): string => new TextDecoder().decode(e.data);

/** The non-empty commands a node applied, decoded. */
export function appliedCommands(t: TestNode): string[] {
  return t.applied.filter((e) => e.type === 'normal' && e.data.length > 0).map(text);
}

/**
 * A storage holding a log with the given terms at indexes 1..n (no bootstrap entry), for scenario
 * tests that reproduce figures of the paper. `voters` is the membership.
 */
export function storageWithTerms(voters: readonly NodeId[], terms: readonly number[], currentTerm: number): MemoryStorage {
  const storage = new MemoryStorage({
    metadata: { index: 0, term: 0, confState: { voters, votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false } },
    data: new Uint8Array(0),
  });
  storage.append(terms.map((term, i) => ({ term, index: i + 1, type: 'normal', data: new TextEncoder().encode(`e${i + 1}@${term}`) })));
  storage.setHardState({ term: currentTerm, vote: 0 as NodeId, commit: 0 });
  return storage;
}

/** Terms of a node's durable log from index 1 (or its first index) to its last. */
export function logTerms(t: TestNode): number[] {
  const out: number[] = [];
  for (let i = t.storage.firstIndex(); i <= t.storage.lastIndex(); i++) out.push(t.storage.term(i));
  return out;
}

/**
 * Leader 1 of a 1-2-3 group has applied a, b, c while 3 was down, snapshotted (with `data`) and
 * compacted its log: 3, restarted, is behind the leader's first index and needs a snapshot.
 * Returns the network and the snapshot's index.
 */
export function followerBehindFirstIndex(data: Uint8Array = new Uint8Array(0)): { net: Network; snapshotIndex: number } {
  const net = new Network(ids(1, 2, 3));
  net.campaign(1);
  net.get(3).down = true;
  for (const c of ['a', 'b', 'c']) net.propose(1, c);
  const leader = net.get(1);
  const applied = leader.applied[leader.applied.length - 1]!.index;
  leader.storage.createSnapshot(applied, leader.confState, data);
  leader.storage.compact(applied);
  return { net, snapshotIndex: applied };
}
