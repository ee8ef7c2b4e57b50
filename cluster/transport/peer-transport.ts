import type { Message } from '../../raft/index.js';
import type { StoreId } from '../../proto/range-descriptor.js';
import type { RaftEnvelope } from './raft-codec.js';

/** The outcome of streaming one snapshot to a peer, as the receiver reported it. */
export interface SnapshotOutcome {
  readonly applied: boolean;
  readonly errorCode?: string;
  readonly message?: string;
}

/** What a peer store knows of a range (replica GC asks). */
export interface RangeInfo {
  readonly found: boolean;
  /** The range's descriptor in the store's binary form (replica/range-descriptor-codec.ts). */
  readonly descriptor: Uint8Array;
  /** The store it believes leads the range; 0 when unknown. */
  readonly leader: number;
}

/**
 * Store-to-store raft traffic, outbound. Raft tolerates loss, so the transport never queues
 * without bound: when a peer's link is not writable (slow or gone) a batch is dropped and counted,
 * and the node is told the peer is unreachable. Production: grpc/grpc-transport.ts (one long-lived
 * stream per peer); the whole-cluster simulator has its own.
 */
export interface PeerTransport {
  /**
   * Sends one turn's messages for `to`, all ranges together, in order with the previous turns'.
   * An empty list is a store-liveness ping. Returns false when the batch was dropped.
   */
  send(to: StoreId, envelopes: readonly RaftEnvelope[]): boolean;
  /** Streams a snapshot (storage's encoded chunks); resolves with the receiver's verdict. Never rejects. */
  sendSnapshot(to: StoreId, rangeId: number, message: Message, chunks: Iterable<Uint8Array>): Promise<SnapshotOutcome>;
  /** Asks a peer what it knows of a range. Resolves undefined if the peer cannot answer in time. */
  queryRangeInfo(to: StoreId, rangeId: number, timeoutMs: number): Promise<RangeInfo | undefined>;
  /** Batches' messages dropped so far (for the activity log). */
  readonly droppedMessages: number;
  close(): void;
}
