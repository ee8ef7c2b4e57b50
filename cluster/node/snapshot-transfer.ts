import type { Logger } from 'pino';
import { emptyConfState, type Message, type NodeId } from '../../raft/index.js';
import { decodeSnapshotChunk, encodeSnapshotChunk, isStorageError, type SnapshotChunk, type SnapshotReceiver, type Store } from '../../storage/index.js';
import { KvError } from '../../proto/kv-error.js';
import { replicaById, type RangeDescriptor, type StoreId } from '../../proto/range-descriptor.js';
import type { FaultPoints } from '../ports/fault-points.js';
import { decodeRangeDescriptor } from '../replica/range-descriptor-codec.js';
import { spansEqual, type KeySpan } from '../../storage/index.js';
import type { SnapshotOffer } from '../transport/internal-api.js';
import type { PeerTransport, SnapshotOutcome } from '../transport/peer-transport.js';
import type { KvReplica } from './replica-set.js';
import type { LoopCounters } from './loop-counters.js';

/** A snapshot fully received, waiting for the loop to hand it to raft. */
export interface SnapshotArrival {
  readonly fromStore: StoreId;
  readonly rangeId: number;
  /** The range as the snapshot describes it: the replica's descriptor once raft installs it. */
  readonly snapshotDescriptor: RangeDescriptor;
  readonly message: Extract<Message, { type: 'snap' }>;
  readonly staged: ReturnType<SnapshotReceiver['finish']>;
  readonly receiver: SnapshotReceiver;
  readonly resolve: (o: SnapshotOutcome) => void;
}

/** A snapshot this node sent, and what became of it (reported to the leader's raft). */
export interface SnapshotReport {
  readonly rangeId: number;
  readonly to: NodeId;
  readonly status: 'finished' | 'failed';
}

/** Received snapshots waiting for a turn; more are refused (BUSY) until the loop catches up. */
const snapshotArrivalsMax = 64;

/**
 * Snapshots on the wire, both ways. Receiving: the data streams into the store's staging area
 * while the loop runs; once complete it is queued for the loop, which offers it to the replica
 * and steps the raft message, and answers the sender when raft took it (or not). Sending: a
 * stream read at exactly the applied index the raft snapshot names, its outcome reported to raft.
 */
export class SnapshotTransfer {
  private arrivals: SnapshotArrival[] = [];
  private reports: SnapshotReport[] = [];
  private lateReports: SnapshotReport[] = [];

  constructor(
    private readonly storeId: StoreId,
    private readonly store: Store,
    private readonly transport: () => PeerTransport,
    private readonly logger: Logger,
    private readonly faults: FaultPoints,
    private readonly counters: LoopCounters,
    /** Whether the store has a replica of the range in memory (one the loop drives). */
    private readonly hasReplica: (rangeId: number) => boolean,
    /** The range's span in the cluster's layout; undefined for a range the layout does not have. */
    private readonly layoutSpan: (rangeId: number) => KeySpan | undefined,
    private readonly wake: () => void,
  ) {}

  /** The transport's inbound side: stages the data, then waits for the loop's verdict. */
  async receive(offer: SnapshotOffer): Promise<SnapshotOutcome> {
    const message = offer.message;
    let receiver: SnapshotReceiver | undefined;
    let snapshotDescriptor: RangeDescriptor | undefined;
    try {
      for await (const bytes of offer.chunks) {
        const chunk: SnapshotChunk = decodeSnapshotChunk(bytes);
        if (receiver === undefined) {
          if (chunk.kind !== 'header') return { applied: false, errorCode: 'MALFORMED', message: 'snapshot data must start with its header' };
          if (chunk.header.appliedIndex !== message.snapshot.metadata.index || chunk.header.rangeId !== offer.rangeId) {
            return { applied: false, errorCode: 'MALFORMED', message: 'snapshot data does not match its raft snapshot' };
          }
          const snapDescriptor = decodeRangeDescriptor(chunk.header.descriptor);
          snapshotDescriptor = snapDescriptor;
          const mine = snapDescriptor.replicas.find((x) => x.storeId === this.storeId);
          if (mine === undefined || mine.replicaId !== message.to) {
            return { applied: false, errorCode: 'RANGE_NOT_FOUND', message: `the snapshot's range does not place replica ${message.to} on store ${this.storeId}` };
          }
          // The data's span is the range's own, and shares no key with another range of this store:
          // installing it deletes whatever the span held (a forged header could wipe the store).
          if (!spansEqual(chunk.header.span, { start: snapDescriptor.start, end: snapDescriptor.end })) {
            this.counters.messagesRefused++;
            return { applied: false, errorCode: 'MALFORMED', message: "the snapshot's data span is not its range's" };
          }
          // Spans are fixed (no splits or merges yet): a range's span is what this store holds for it,
          // else what the cluster's layout gives it; a range the layout does not know does not exist.
          const expected = this.store.hasRange(offer.rangeId) ? this.store.rangeStorage(offer.rangeId).span() : this.layoutSpan(offer.rangeId);
          if (expected === undefined) {
            this.counters.messagesRefused++;
            return { applied: false, errorCode: 'RANGE_NOT_FOUND', message: `range ${offer.rangeId} is not in this cluster's layout` };
          }
          if (!spansEqual(chunk.header.span, expected)) {
            this.counters.messagesRefused++;
            return { applied: false, errorCode: 'MALFORMED', message: `the snapshot's span is not range ${offer.rangeId}'s` };
          }
          const sender = replicaById(snapDescriptor, message.from);
          if (sender === undefined || sender.storeId !== offer.fromStore) {
            // No correct leader sends this (its snapshot's range lists it): counted like any refused message.
            this.counters.messagesRefused++;
            return { applied: false, errorCode: 'MALFORMED', message: `the snapshot's range does not place its sender, replica ${message.from}, on store ${offer.fromStore}` };
          }
          if (mine.replicaId < this.store.rangeTombstone(offer.rangeId)) {
            return { applied: false, errorCode: 'RANGE_NOT_FOUND', message: `replica ${mine.replicaId} of range ${offer.rangeId} was removed from store ${this.storeId}; it does not come back` };
          }
          if (this.arrivals.length >= snapshotArrivalsMax) return { applied: false, errorCode: 'BUSY', message: `${this.arrivals.length} snapshots already wait for this store's loop` };
          if (this.store.hasRange(offer.rangeId) && !this.hasReplica(offer.rangeId) && this.store.rangeStorage(offer.rangeId).appliedIndex() === 0) {
            // Rows an earlier first snapshot created and never filled (its stream was cut short, or
            // its replica was removed before it landed): they belong to no replica, and a newer
            // incarnation's snapshot replaces them — else it would be refused until a restart.
            const listed = decodeRangeDescriptor(this.store.rangeStorage(offer.rangeId).descriptor()).replicas.find((x) => x.storeId === this.storeId);
            if (listed?.replicaId !== mine.replicaId) {
              if (listed !== undefined && listed.replicaId > mine.replicaId) {
                return { applied: false, errorCode: 'RANGE_NOT_FOUND', message: `replica ${mine.replicaId} of range ${offer.rangeId} is older than replica ${listed.replicaId}, whose first snapshot this store waits for` };
              }
              // No tombstone: one peer's word must not bar a replica id for good (the check above
              // still refuses an older id while newer rows wait). No span data: none was ever installed.
              this.store.batch().deleteRange(offer.rangeId, { deleteSpanData: false }).commit();
              this.logger.info({ rangeId: offer.rangeId, replaced: listed?.replicaId, by: mine.replicaId }, 'replaced the unfilled state of an earlier first snapshot');
            }
          }
          if (!this.store.hasRange(offer.rangeId)) {
            // First contact with this range: create its (empty) state; the snapshot fills it.
            this.store.batch().createRange(offer.rangeId, { span: chunk.header.span, descriptor: chunk.header.descriptor, confState: emptyConfState }).commit();
            this.logger.info({ rangeId: offer.rangeId }, 'created a replica to receive its first snapshot');
          }
          receiver = this.store.beginSnapshotInstall(offer.rangeId, chunk.header);
        } else {
          receiver.receive(chunk);
        }
      }
      if (receiver === undefined || snapshotDescriptor === undefined) return { applied: false, errorCode: 'MALFORMED', message: 'snapshot without data' };
      const sd = snapshotDescriptor;
      const staged = receiver.finish();
      const r = receiver;
      this.logger.debug({ rangeId: offer.rangeId, index: message.snapshot.metadata.index, writes: staged.writeCount }, 'snapshot received');
      if (this.arrivals.length >= snapshotArrivalsMax) {
        r.abort();
        return { applied: false, errorCode: 'BUSY', message: 'too many snapshots wait for this store' };
      }
      return await new Promise<SnapshotOutcome>((resolve) => {
        this.arrivals.push({ fromStore: offer.fromStore, rangeId: offer.rangeId, snapshotDescriptor: sd, message, staged, receiver: r, resolve });
        this.wake();
      });
    } catch (e) {
      try {
        receiver?.abort();
      } catch {
        // The store may be closed or fenced by now: the staging rows are discarded at the next open.
      }
      const code = isStorageError(e) ? e.code : e instanceof KvError ? e.code : 'MALFORMED';
      return { applied: false, errorCode: code, message: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Snapshots received since the last turn. */
  takeArrivals(): SnapshotArrival[] {
    const a = this.arrivals;
    this.arrivals = [];
    return a;
  }

  /** Outcomes of snapshots this node sent, to report to raft this turn. */
  takeReports(): SnapshotReport[] {
    const out = this.lateReports;
    this.lateReports = [];
    for (const r of this.reports) {
      if (this.faults.enabled && this.faults.fire('snapshot.lateOutcome')) this.lateReports.push(r);
      else out.push(r);
    }
    this.reports = [];
    if (this.lateReports.length > 0) this.wake();
    return out;
  }

  /**
   * Opens the stream for a snapshot message now, before this turn's batch applies more entries: the
   * stream must be read at exactly the applied index the raft snapshot names. undefined when the
   * store is busy with other streams (raft is told the snapshot failed; it retries).
   */
  open(r: KvReplica, m: Message): Iterator<SnapshotChunk> | undefined {
    try {
      return this.store.openSnapshotStream(r.rangeId)[Symbol.iterator]();
    } catch (e) {
      if (!isStorageError(e, 'BUSY')) throw e;
      r.raw.reportSnapshot(m.to, 'failed');
      return undefined;
    }
  }

  /** Streams an opened snapshot to the replica `m` is for; its outcome is reported at a later turn. */
  send(r: KvReplica, m: Message, iterator: Iterator<SnapshotChunk>): void {
    const to = replicaById(r.descriptor, m.to)?.storeId;
    const rangeId = r.rangeId;
    if (to === undefined) {
      iterator.return?.();
      return;
    }
    const chunks: Iterable<Uint8Array> = {
      [Symbol.iterator]: () => ({
        next: (): IteratorResult<Uint8Array> => {
          const c = iterator.next();
          return c.done === true ? { done: true, value: undefined } : { done: false, value: encodeSnapshotChunk(c.value) };
        },
        return: (): IteratorResult<Uint8Array> => {
          iterator.return?.();
          return { done: true, value: undefined };
        },
      }),
    };
    this.logger.info({ rangeId, to, index: m.type === 'snap' ? m.snapshot.metadata.index : 0 }, 'sending snapshot');
    void this.transport()
      .sendSnapshot(to, rangeId, m, chunks)
      .then((outcome) => {
        iterator.return?.();
        if (!outcome.applied) this.logger.warn({ rangeId, to, code: outcome.errorCode, message: outcome.message }, 'snapshot not applied by the receiver');
        this.reports.push({ rangeId, to: m.to, status: outcome.applied ? 'finished' : 'failed' });
        this.wake();
      });
  }

  /** Fails every snapshot still waiting for the loop (shutdown). */
  failAll(): void {
    for (const a of this.takeArrivals()) {
      a.receiver.abort();
      a.resolve({ applied: false, errorCode: 'SHUTTING_DOWN', message: `store ${this.storeId} is shutting down` });
    }
  }
}
