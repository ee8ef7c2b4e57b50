import type { RangeDescriptor, StoreId } from '../../proto/range-descriptor.js';

/** A local replica as the services and the gateway see it. */
export interface ServedRange {
  readonly rangeId: number;
  readonly descriptor: RangeDescriptor;
  isLeader(): boolean;
  /** The store believed to hold the range's leader, if known. */
  leaderStore(): StoreId | undefined;
}

/** The replicas this store holds, by range. */
export interface LocalRanges {
  get(rangeId: number): ServedRange | undefined;
  /** The local replica whose range contains `key`. */
  containing(key: Uint8Array): ServedRange | undefined;
  all(): Iterable<ServedRange>;
}
