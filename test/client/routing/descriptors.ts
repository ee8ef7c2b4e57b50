import { rangeId, storeId, type RangeDescriptor } from '../../../proto/range-descriptor.js';

const enc = new TextEncoder();

/** A descriptor for tests: string bounds ('' as end = +∞), voters on the given stores. */
export function descriptor(id: number, start: string, end: string, version = 1, confVersion = 1, stores: readonly number[] = [1, 2, 3]): RangeDescriptor {
  return {
    rangeId: rangeId(id),
    start: enc.encode(start),
    end: enc.encode(end),
    epoch: { confVersion, version },
    replicas: stores.map((s, i) => ({ storeId: storeId(s), replicaId: i + 1, role: 'voter' as const })),
    nextReplicaId: stores.length + 1,
  };
}

export const bytes = (s: string): Uint8Array => enc.encode(s);
