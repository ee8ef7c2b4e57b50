import { invariant, nodeId, type ConfChange, type ConfChangeSingle } from '../../raft/index.js';
import { KvError } from '../../proto/kv-error.js';
import type { StoreId } from '../../proto/range-descriptor.js';
import type { ChangedReplicas, ReplicaChangeRequest } from '../api/admin-node.js';
import type { Clock } from '../ports/clock.js';
import type { Timers } from '../ports/timers.js';
import { encodeNodeConfChange } from '../replica/conf-change-entry.js';
import type { AppliedConfChange } from '../replica/replica.js';
import type { KvReplica, ReplicaSet } from './replica-set.js';
import type { RequestWaiters } from './request-waiters.js';

/** Admin operations waiting for raft to finish them; more are refused (OVERLOADED). */
const adminWaitsMax = 1024;

interface AdminWait {
  readonly deadlineAtMs: number;
  /** True once settled (the check passed and resolved it). */
  readonly check: () => boolean;
  /** The deadline passed first. */
  readonly expire: () => void;
  /** The node stops (shutdown). */
  readonly fail: (e: KvError) => void;
}

export interface AdminOpsDeps {
  readonly storeId: StoreId;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly replicas: ReplicaSet;
  readonly waiters: RequestWaiters;
  readonly knownStore: (store: StoreId) => boolean;
  /** Throws when the node cannot take a request (shutting down, overloaded). */
  readonly admit: () => void;
  readonly notLeader: (r: KvReplica) => KvError;
  /** Queues work for a replica's next turn. */
  readonly markDirty: (r: KvReplica) => void;
}

/**
 * Leader transfers and membership changes, carried out at the range's leader. Each waits until
 * raft finished it (checked after every turn) or its deadline passed; the answer at the deadline
 * never claims more certainty than there is.
 */
export class AdminOps {
  private readonly waits: AdminWait[] = [];

  constructor(private readonly d: AdminOpsDeps) {}

  /** Hands leadership of a range to the replica on `to`; resolves with the new term once it leads. */
  transferLeader(rangeId: number, to: StoreId, deadlineAtMs: number): Promise<number> {
    const r = this.leaderReplica(rangeId);
    const target = r.replicaOfStore(to);
    if (target === undefined || target.role !== 'voter') throw new KvError('INVALID_ARGUMENT', `store ${to} holds no voting replica of range ${rangeId}`);
    if (to === this.d.storeId) return Promise.resolve(r.raw.raft.term);
    const targetId = nodeId(target.replicaId);
    r.queueTransfer(targetId);
    this.d.markDirty(r);
    return this.wait(
      deadlineAtMs,
      () => {
        const now = this.d.replicas.get(rangeId);
        return now !== undefined && now.raw.raft.lead === targetId ? now.raw.raft.term : undefined;
      },
      // The transfer was started: leadership may still move after we stop waiting.
      () => new KvError('OUTCOME_UNKNOWN', `range ${rangeId}: the leader transfer to store ${to} did not finish before the deadline; it may still happen`),
    );
  }

  /**
   * Changes a range's replicas. A single voter change (or learner changes) is one simple change;
   * more go through a joint configuration that the leader leaves by itself (auto-leave). Resolves
   * once the final configuration is applied here — or, if the deadline comes while the range is
   * still leaving the joint configuration, with the change as applied so far (it is not undone).
   */
  async changeReplicas(rangeId: number, changes: readonly ReplicaChangeRequest[], deadlineAtMs: number): Promise<ChangedReplicas> {
    const r = this.leaderReplica(rangeId);
    if (changes.length === 0) throw new KvError('INVALID_ARGUMENT', 'no changes');
    const d = r.descriptor;
    let nextId = d.nextReplicaId;
    // A new replica id must be new to raft too: a descriptor behind raft's configuration (seed
    // 40431) would hand out the id of a live member, and the range would place it on another store.
    const cs = r.raw.status().confState;
    const members = [...cs.voters, ...cs.votersOutgoing, ...cs.learners, ...cs.learnersNext];
    if (members.some((id) => id >= nextId)) {
      throw new KvError('INTERNAL', `range ${rangeId}: the descriptor (next replica id ${nextId}) is behind the raft configuration (members ${members.join(',')}); refusing the change`);
    }
    const storeOfReplica = new Map<number, StoreId>();
    const singles: ConfChangeSingle[] = [];
    const touched = new Set<StoreId>();
    let voterChanges = 0;
    for (const c of changes) {
      if (!this.d.knownStore(c.store)) throw new KvError('INVALID_ARGUMENT', `unknown store ${c.store}`);
      if (touched.has(c.store)) throw new KvError('INVALID_ARGUMENT', `store ${c.store} is named twice`);
      touched.add(c.store);
      const existing = d.replicas.find((x) => x.storeId === c.store);
      switch (c.op) {
        case 'addLearner': {
          if (existing !== undefined) throw new KvError('INVALID_ARGUMENT', `store ${c.store} already holds replica ${existing.replicaId} of range ${rangeId}`);
          const id = nextId++;
          storeOfReplica.set(id, c.store);
          singles.push({ op: 'addLearner', nodeId: nodeId(id) });
          break;
        }
        case 'addVoter': {
          if (existing?.role === 'voter') throw new KvError('INVALID_ARGUMENT', `store ${c.store} already holds a voter of range ${rangeId}`);
          const id = existing?.replicaId ?? nextId++;
          storeOfReplica.set(id, c.store);
          singles.push({ op: 'addVoter', nodeId: nodeId(id) });
          voterChanges++;
          break;
        }
        case 'remove':
          if (existing === undefined) throw new KvError('INVALID_ARGUMENT', `store ${c.store} holds no replica of range ${rangeId}`);
          singles.push({ op: 'remove', nodeId: nodeId(existing.replicaId) });
          if (existing.role === 'voter') voterChanges++;
          break;
      }
    }
    const change: ConfChange = voterChanges <= 1 ? { kind: 'simple', changes: singles } : { kind: 'enterJoint', autoLeave: true, changes: singles };
    const { waiter, promise } = this.d.waiters.create<AppliedConfChange>(
      deadlineAtMs,
      () => new KvError('OUTCOME_UNKNOWN', `range ${rangeId}: the membership change was proposed but not applied before the deadline`),
    );
    r.proposeConfChange(encodeNodeConfChange({ change, storeOfReplica }), waiter);
    this.d.markDirty(r);
    await promise;
    // Applied. A joint change is finished when the leader has also left the joint configuration.
    const current = (): KvReplica => this.d.replicas.get(rangeId) ?? r; // removed from here: the last descriptor it applied
    return this.wait(
      deadlineAtMs,
      () => {
        const now = current();
        return now.isJoint() ? undefined : { descriptor: now.descriptor, leavingJoint: false };
      },
      () => {
        const now = current();
        return { descriptor: now.descriptor, leavingJoint: now.isJoint() };
      },
    );
  }

  /** Re-checks every waiting operation (after each turn) and expires those past their deadline. */
  check(): void {
    if (this.waits.length === 0) return;
    const now = this.d.clock.monotonicMs();
    for (let i = 0; i < this.waits.length; ) {
      const w = this.waits[i]!;
      if (w.check()) this.waits.splice(i, 1);
      else if (now >= w.deadlineAtMs) {
        this.waits.splice(i, 1);
        w.expire();
      } else i++;
    }
  }

  get waiting(): number {
    return this.waits.length;
  }

  /** Fails every waiting operation (shutdown). */
  failAll(error: KvError): void {
    for (const w of this.waits.splice(0)) w.fail(error);
  }

  private leaderReplica(rangeId: number): KvReplica {
    this.d.admit();
    const r = this.d.replicas.get(rangeId);
    if (r === undefined) throw new KvError('RANGE_NOT_FOUND', `store ${this.d.storeId} has no replica of range ${rangeId}`);
    if (!r.isLeader()) throw this.d.notLeader(r);
    return r;
  }

  /**
   * Resolves with `check()`'s value once it has one; at the deadline, with what `atDeadline` gives
   * (a value, or an error to reject with).
   */
  private wait<T>(deadlineAtMs: number, check: () => T | undefined, atDeadline: () => T | KvError): Promise<T> {
    if (this.waits.length >= adminWaitsMax) return Promise.reject(new KvError('OVERLOADED', `${this.waits.length} admin operations already wait on store ${this.d.storeId}`, { retryAfterMs: 1000 }));
    return new Promise<T>((resolve, reject) => {
      const first = check();
      if (first !== undefined) {
        resolve(first);
        return;
      }
      // Checked after every turn; the timer makes sure the deadline answer is not late by a tick.
      const timer = this.d.timers.after(Math.max(0, deadlineAtMs - this.d.clock.monotonicMs()), () => this.check());
      this.waits.push({
        deadlineAtMs,
        check: () => {
          const v = check();
          if (v === undefined) return false;
          timer.cancel();
          resolve(v);
          return true;
        },
        expire: () => {
          const v = atDeadline();
          if (v instanceof KvError) reject(v);
          else resolve(v);
        },
        fail: (e) => {
          timer.cancel();
          reject(e);
        },
      });
      invariant(this.waits.length <= adminWaitsMax, 'admin waits past their bound');
    });
  }
}
