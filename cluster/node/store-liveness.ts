import type { StoreId } from '../../proto/range-descriptor.js';

/**
 * Which peer stores this node has heard from lately. Raft's own failure detector (election timeouts)
 * stops working when a group quiesces: its followers stop ticking and would wait forever for a
 * leader that died while the group was idle. So every node pings every peer each interval (an empty
 * raft batch, whatever the groups are doing), and a peer silent for a whole election timeout — or
 * whose link broke — is presumed down: the node then wakes every quiesced follower that it leads.
 *
 * A false suspicion is harmless: a woken follower only campaigns with PreVote, which a group with
 * a live leader refuses, and the leader's next message puts it back in line.
 */
export class StoreLiveness {
  private readonly lastHeardMs = new Map<StoreId, number>();
  private readonly down = new Set<StoreId>();
  private lastPingMs = -Infinity;

  constructor(
    private readonly peers: readonly StoreId[],
    /** Silence after which a peer is presumed down (an election timeout). */
    private readonly silenceMs: number,
    private readonly pingIntervalMs: number,
    startMs: number,
  ) {
    for (const p of peers) this.lastHeardMs.set(p, startMs);
  }

  /** Anything arrived from `store`. Returns true when it was presumed down until now. */
  heard(store: StoreId, nowMs: number): boolean {
    if (!this.lastHeardMs.has(store)) return false;
    this.lastHeardMs.set(store, nowMs);
    return this.down.delete(store);
  }

  /** The link to `store` broke. Returns true when that makes it newly presumed down. */
  linkBroke(store: StoreId): boolean {
    if (!this.lastHeardMs.has(store) || this.down.has(store)) return false;
    this.down.add(store);
    return true;
  }

  isDown(store: StoreId): boolean {
    return this.down.has(store);
  }

  /** Peers that have been silent too long and were not presumed down yet. */
  newlySilent(nowMs: number): StoreId[] {
    const out: StoreId[] = [];
    for (const [store, heardMs] of this.lastHeardMs) {
      if (!this.down.has(store) && nowMs - heardMs >= this.silenceMs) {
        this.down.add(store);
        out.push(store);
      }
    }
    return out;
  }

  /** Whether it is time to ping every peer again (and if so, records that it is done now). */
  pingDue(nowMs: number): boolean {
    if (nowMs - this.lastPingMs < this.pingIntervalMs) return false;
    this.lastPingMs = nowMs;
    return true;
  }

  get peerStores(): readonly StoreId[] {
    return this.peers;
  }
}
