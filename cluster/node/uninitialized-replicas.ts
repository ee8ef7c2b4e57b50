import type { Logger } from 'pino';
import { MemoryStorage, RawNode, SeededRng, type Message, type NodeId } from '../../raft/index.js';
import type { StoreId } from '../../proto/range-descriptor.js';
import type { RaftEnvelope } from '../transport/raft-codec.js';

/** Bounds on replicas created by contact from a leader, before their first snapshot arrives. */
const uninitializedMax = 1000;
const uninitializedTtlMs = 60_000;

interface Uninitialized {
  readonly raw: RawNode;
  readonly replicaId: NodeId;
  /** The store of each peer replica that talked to it (where its answers go). */
  readonly peers: Map<number, StoreId>;
  readonly createdAtMs: number;
}

/**
 * Replicas of ranges this store does not hold yet, created when their leader first writes to them:
 * in memory only, they just answer (rejecting appends) so that the leader sends a snapshot, which
 * creates the real replica. They never vote: a vote must be durable. Bounded in number and age.
 */
export class UninitializedReplicas {
  private readonly byRange = new Map<number, Uninitialized>();

  constructor(
    private readonly logger: Logger,
    /** The smallest replica id of a range this store may still hold (Store.rangeTombstone). */
    private readonly tombstone: (rangeId: number) => number,
  ) {}

  /** A message for a range this store has no replica of. Only a leader's appends and heartbeats create one. */
  step(fromStore: StoreId, rangeId: number, message: Message, nowMs: number): void {
    if (message.type !== 'app' && message.type !== 'heartbeat') return;
    // A replica removed from this store never comes back under its old id (a stale leader's traffic).
    if (message.to < this.tombstone(rangeId)) return;
    let u = this.byRange.get(rangeId);
    if (u !== undefined && u.replicaId !== message.to) {
      if (message.to < u.replicaId) return; // an older incarnation's traffic
      u = undefined;
    }
    if (u === undefined) {
      if (this.byRange.size >= uninitializedMax) return;
      const raw = new RawNode({ id: message.to, rng: new SeededRng(rangeId), checkQuorum: true, preVote: true, quiesce: false }, new MemoryStorage());
      u = { raw, replicaId: message.to, peers: new Map(), createdAtMs: nowMs };
      this.byRange.set(rangeId, u);
      this.logger.debug({ rangeId, replicaId: message.to, fromStore }, 'uninitialized replica contacted by its leader');
    }
    u.peers.set(message.from, fromStore);
    u.raw.step(message);
  }

  delete(rangeId: number): void {
    this.byRange.delete(rangeId);
  }

  /** Collects their answers (they persist nothing), grouped by destination store. */
  drive(nowMs: number, send: (to: StoreId, envelopes: RaftEnvelope[]) => void): void {
    for (const [rangeId, u] of this.byRange) {
      if (nowMs - u.createdAtMs > uninitializedTtlMs) {
        this.byRange.delete(rangeId);
        continue;
      }
      if (!u.raw.hasReady()) continue;
      const rd = u.raw.ready();
      const byStore = new Map<StoreId, RaftEnvelope[]>();
      for (const m of rd.messages) {
        const to = u.peers.get(m.to);
        if (to === undefined || m.type === 'voteResp' || m.type === 'preVoteResp') continue;
        const list = byStore.get(to) ?? [];
        list.push({ rangeId, message: m });
        byStore.set(to, list);
      }
      u.raw.advance();
      for (const [to, envs] of byStore) send(to, envs);
    }
  }
}
