import { rangeContainsKey } from '../../proto/range-descriptor.js';
import type { LocalRanges } from '../gateway/local-ranges.js';
import type { WriteResult } from '../kv/command.js';
import type { Replica } from '../replica/replica.js';

export type KvReplica = Replica<WriteResult>;

/** The replicas a store holds, by range id. */
export class ReplicaSet implements LocalRanges {
  private readonly byRange = new Map<number, KvReplica>();

  get size(): number {
    return this.byRange.size;
  }

  get(rangeId: number): KvReplica | undefined {
    return this.byRange.get(rangeId);
  }

  add(r: KvReplica): void {
    this.byRange.set(r.rangeId, r);
  }

  /** Removes `r` if it is still the range's replica here (a newer incarnation may have replaced it). */
  remove(r: KvReplica): boolean {
    if (this.byRange.get(r.rangeId) !== r) return false;
    this.byRange.delete(r.rangeId);
    return true;
  }

  containing(key: Uint8Array): KvReplica | undefined {
    for (const r of this.byRange.values()) if (rangeContainsKey(r.descriptor, key)) return r;
    return undefined;
  }

  all(): IterableIterator<KvReplica> {
    return this.byRange.values();
  }
}
