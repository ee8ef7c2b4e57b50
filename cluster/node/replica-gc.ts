import type { Logger } from 'pino';
import { NoNode } from '../../raft/index.js';
import type { RangeDescriptor, StoreId } from '../../proto/range-descriptor.js';
import type { Gateway } from '../gateway/gateway.js';
import { decodeRangeDescriptor } from '../replica/range-descriptor-codec.js';
import type { PeerTransport } from '../transport/peer-transport.js';
import type { KvReplica, ReplicaSet } from './replica-set.js';

const rangeInfoTimeoutMs = 1000;

/**
 * Replica GC: a replica removed from its range often never learns it (the leader stops talking to
 * it). One that has heard from no leader for a few election timeouts asks the stores of its
 * range's other replicas for their descriptor; a newer one that does not list this replica means
 * it was removed in a committed configuration, so it is deleted.
 */
export class ReplicaGc {
  constructor(
    private readonly storeId: StoreId,
    private readonly replicas: ReplicaSet,
    private readonly gateway: Gateway,
    private readonly transport: () => PeerTransport,
    private readonly destroy: (r: KvReplica) => void,
    /** GC runs on a peer's answer, outside the loop: a failure there (a fenced store) ends the node. */
    private readonly fail: (e: unknown) => void,
    private readonly logger: Logger,
    /** How long a replica stays leaderless before it asks. */
    private readonly leaderlessMs: number,
  ) {}

  check(nowMs: number): void {
    for (const r of this.replicas.all()) {
      if (r.raw.raft.lead !== NoNode) {
        r.leaderlessSinceMs = undefined;
        continue;
      }
      r.leaderlessSinceMs ??= nowMs;
      if (nowMs - r.leaderlessSinceMs < this.leaderlessMs || r.gcCheckInFlight) continue;
      const others = r.descriptor.replicas.filter((x) => x.storeId !== this.storeId);
      const ask = others[r.gcAttempts++ % Math.max(1, others.length)];
      if (ask === undefined) continue;
      this.ask(r, ask.storeId);
    }
  }

  /**
   * A peer's traffic says this replica was superseded by a newer incarnation on this store. That
   * alone never destroys it (one forged message would): another store of the range is asked now,
   * and only its committed descriptor can remove the replica.
   */
  checkSuperseded(r: KvReplica, claimedBy: StoreId, newReplicaId: number): void {
    if (r.gcCheckInFlight) return;
    const ask = r.descriptor.replicas.find((x) => x.storeId !== this.storeId && x.storeId !== claimedBy);
    if (ask === undefined) return;
    r.log.info({ oldReplicaId: r.replicaId, newReplicaId, claimedBy, askedStore: ask.storeId }, 'replica superseded by a newer incarnation? asking another store');
    this.ask(r, ask.storeId);
  }

  /** Asks `store` for its descriptor of the range; one that removed this replica deletes it. */
  private ask(r: KvReplica, store: StoreId): void {
    r.gcCheckInFlight = true;
    void this.transport()
      .queryRangeInfo(store, r.rangeId, rangeInfoTimeoutMs)
      .then((info) => {
        r.gcCheckInFlight = false;
        if (info === undefined || !info.found) return;
        let theirs: RangeDescriptor;
        try {
          theirs = decodeRangeDescriptor(info.descriptor);
        } catch {
          this.logger.warn({ rangeId: r.rangeId, askedStore: store }, 'replica GC: undecodable descriptor from a peer');
          return;
        }
        if (theirs.rangeId !== r.rangeId) return;
        this.gateway.learnDescriptor(theirs);
        if (info.leader !== 0) this.gateway.learnLeader(r.rangeId, info.leader as StoreId);
        const me = theirs.replicas.find((x) => x.storeId === this.storeId);
        const removed = theirs.epoch.confVersion > r.descriptor.epoch.confVersion && (me === undefined || me.replicaId !== r.replicaId);
        if (removed && this.replicas.get(r.rangeId) === r) {
          r.log.info({ theirEpoch: theirs.epoch, ourEpoch: r.descriptor.epoch, askedStore: store }, 'replica GC: removed from its range');
          try {
            this.destroy(r);
          } catch (e) {
            this.fail(e);
          }
        }
      });
  }
}
