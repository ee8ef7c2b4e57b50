// Original file: rangekv/v1/kv.proto

export const ReadConsistency = {
  READ_CONSISTENCY_LINEARIZABLE: 'READ_CONSISTENCY_LINEARIZABLE',
  READ_CONSISTENCY_FOLLOWER: 'READ_CONSISTENCY_FOLLOWER',
  READ_CONSISTENCY_SESSION: 'READ_CONSISTENCY_SESSION',
} as const;

export type ReadConsistency =
  | 'READ_CONSISTENCY_LINEARIZABLE'
  | 0
  | 'READ_CONSISTENCY_FOLLOWER'
  | 1
  | 'READ_CONSISTENCY_SESSION'
  | 2

export type ReadConsistency__Output = typeof ReadConsistency[keyof typeof ReadConsistency]
