import type { ConfState, LogIndex, Term } from '../raft/types.js';
import type { KeySpan } from './key-span.js';
import type { KeyedLock, KeyedWriteRecord } from './mvcc-types.js';
import type { LocalEntry } from './range-local-types.js';

/**
 * A range snapshot travels as a sequence of chunks: one header, any number of `writes` chunks
 * (every MVCC write record of the span, in (key, ts DESC) order), any number of `locks` chunks,
 * any number of `local` chunks (the range's whole local table, in key order), and one `end` with
 * the counts so the receiver can tell a complete stream from a cut one. Each data chunk is bounded
 * in bytes (`snapshotChunkBytesMax`, at least one record per chunk), so neither side ever holds
 * the whole range in memory.
 */
export interface SnapshotHeader {
  readonly rangeId: number;
  /** The snapshot is the range's state machine exactly at this applied index. */
  readonly appliedIndex: LogIndex;
  readonly appliedTerm: Term;
  readonly confState: ConfState;
  readonly span: KeySpan;
  readonly descriptor: Uint8Array;
}

export type SnapshotChunk =
  | { readonly kind: 'header'; readonly header: SnapshotHeader }
  | { readonly kind: 'writes'; readonly records: readonly KeyedWriteRecord[] }
  | { readonly kind: 'locks'; readonly locks: readonly KeyedLock[] }
  | { readonly kind: 'local'; readonly entries: readonly LocalEntry[] }
  | { readonly kind: 'end'; readonly writeCount: number; readonly lockCount: number; readonly localCount: number };
