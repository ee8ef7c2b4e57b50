import type { ConfState, HardState, Snapshot } from './types.js';
import { NoNode } from './types.js';

/**
 * A group starts life as a snapshot at this index and term, holding its initial membership. The
 * initial members are therefore never in the log, and a replica created later with empty storage
 * (log ending at 0) cannot be caught up from entries: the leader must send it a snapshot, which
 * carries the membership it needs. (CockroachDB bootstraps ranges the same way, at index 10.)
 */
export const bootstrapIndex = 1;
export const bootstrapTerm = 1;

export function bootstrapSnapshot(confState: ConfState, data: Uint8Array = new Uint8Array(0)): Snapshot {
  return { metadata: { index: bootstrapIndex, term: bootstrapTerm, confState }, data };
}

export const bootstrapHardState: HardState = Object.freeze({ term: bootstrapTerm, vote: NoNode, commit: bootstrapIndex });
