import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { InternalClient } from '../../proto/generated/rangekv/internal/v1/Internal.js';
import type { RaftBatch } from '../../proto/generated/rangekv/internal/v1/RaftBatch.js';
import type { RaftBatchReply__Output } from '../../proto/generated/rangekv/internal/v1/RaftBatchReply.js';
import type { SnapshotChunk as SnapshotChunkMsg } from '../../proto/generated/rangekv/internal/v1/SnapshotChunk.js';
import type { SnapshotResult__Output } from '../../proto/generated/rangekv/internal/v1/SnapshotResult.js';
import type { RangeInfoResponse__Output } from '../../proto/generated/rangekv/internal/v1/RangeInfoResponse.js';
import type { Message } from '../../raft/index.js';
import { internalProto } from '../../proto/grpc-definitions.js';
import type { StoreId } from '../../proto/range-descriptor.js';
import type { PeerTransport, RangeInfo, SnapshotOutcome } from '../transport/peer-transport.js';
import { encodeRaftBatch, type RaftEnvelope } from '../transport/raft-codec.js';
import { LogLimiter } from '../util/log-limiter.js';
import { realClock } from '../ports/real-ports.js';

export interface TransportOptions {
  readonly clusterId: string;
  readonly storeId: StoreId;
  /** Address to dial for each peer store. */
  readonly peers: ReadonlyMap<StoreId, string>;
  readonly logger: Logger;
  /** Told when a peer's stream broke or could not be opened. */
  readonly onUnreachable: (storeId: StoreId) => void;
  /** Wait before re-dialing a peer whose stream failed. */
  readonly redialBackoffMs?: number;
  /** Largest raft batch (bytes) sent in one stream write; larger batches are split. */
  readonly batchBytesMax?: number;
  /** How to dial each peer store (default plaintext): the node's TLS identity when TLS is on. */
  readonly credentials?: (store: StoreId) => grpc.ChannelCredentials;
}

/**
 * Store-to-store raft traffic: one long-lived bidirectional stream per peer carrying, per loop
 * turn, one RaftBatch with the messages of all ranges for that peer. Raft tolerates loss, so the
 * transport never queues without bound: when a stream is not writable (the peer is slow or gone),
 * messages are dropped and counted, and the node is told the peer is unreachable so leaders stop
 * streaming optimistically to it. Snapshots travel on a separate streaming call.
 */
export class GrpcTransport implements PeerTransport {
  private readonly peers = new Map<StoreId, PeerConnection>();
  droppedMessages = 0;
  sentBatches = 0;

  constructor(private readonly opts: TransportOptions) {
    for (const [id, address] of opts.peers) {
      if (id !== opts.storeId) this.peers.set(id, new PeerConnection(id, address, opts));
    }
  }

  /** Sends one turn's messages for `to`. Returns false when they were dropped. */
  send(to: StoreId, envelopes: readonly RaftEnvelope[]): boolean {
    const peer = this.peers.get(to);
    if (peer === undefined) {
      this.droppedMessages += envelopes.length;
      return false;
    }
    const ok = peer.send(envelopes, this.opts.onUnreachable);
    if (ok) this.sentBatches++;
    else this.droppedMessages += envelopes.length;
    return ok;
  }

  /** Streams a snapshot to `to`; resolves with whether the receiver applied it. Never rejects. */
  async sendSnapshot(to: StoreId, rangeId: number, message: Message, chunks: Iterable<Uint8Array>): Promise<SnapshotOutcome> {
    const peer = this.peers.get(to);
    if (peer === undefined) return { applied: false, errorCode: 'UNKNOWN_STORE', message: `no address for store ${to}` };
    return peer.sendSnapshot(rangeId, message, chunks);
  }

  /** Asks a peer what it knows of a range (replica GC). Resolves undefined if the peer cannot answer. */
  queryRangeInfo(to: StoreId, rangeId: number, timeoutMs: number): Promise<RangeInfo | undefined> {
    const peer = this.peers.get(to);
    if (peer === undefined) return Promise.resolve(undefined);
    return peer.queryRangeInfo(rangeId, timeoutMs);
  }

  close(): void {
    for (const p of this.peers.values()) p.close();
  }
}

/** Batches queued on a peer's stream before further ones are dropped (one batch per loop turn). */
const queuedBatchesMax = 1024;

class PeerConnection {
  private client: InternalClient | undefined;
  private stream: grpc.ClientDuplexStream<RaftBatch, RaftBatchReply__Output> | undefined;
  private redialAtMs = 0;
  private readonly batchBytesMax: number;
  private readonly refusals = new LogLimiter(realClock);

  constructor(
    readonly storeId: StoreId,
    readonly address: string,
    private readonly opts: TransportOptions,
  ) {
    this.batchBytesMax = opts.batchBytesMax ?? 4 << 20;
  }

  private ensureClient(): InternalClient {
    if (this.client === undefined) {
      const Ctor = internalProto().rangekv.internal.v1.Internal;
      this.client = new Ctor(this.address, this.opts.credentials?.(this.storeId) ?? grpc.credentials.createInsecure(), {
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        'grpc.keepalive_permit_without_calls': 1,
        'grpc.max_receive_message_length': 64 << 20,
        'grpc.max_send_message_length': 64 << 20,
        // Reconnect quickly after a peer restarts; raft's own timeouts are about a second.
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1_000,
      });
    }
    return this.client;
  }

  private ensureStream(onUnreachable: (storeId: StoreId) => void): grpc.ClientDuplexStream<RaftBatch, RaftBatchReply__Output> | undefined {
    if (this.stream !== undefined) return this.stream;
    if (Date.now() < this.redialAtMs) return undefined;
    const stream = this.ensureClient().Raft();
    this.stream = stream;
    const broken = (why: string): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.redialAtMs = Date.now() + (this.opts.redialBackoffMs ?? 200);
      this.opts.logger.debug({ peer: this.storeId, why }, 'raft stream to peer broken');
      onUnreachable(this.storeId);
    };
    stream.on('data', (reply: RaftBatchReply__Output) => {
      if (reply.errorCode === '') return;
      const allowed = this.refusals.allow(reply.errorCode);
      if (allowed !== undefined) this.opts.logger.warn({ peer: this.storeId, code: reply.errorCode, message: reply.message, suppressed: allowed.suppressed }, 'peer refused raft traffic');
    });
    stream.on('error', (e: Error) => broken(e.message));
    stream.on('end', () => broken('ended'));
    stream.on('close', () => broken('closed'));
    return stream;
  }

  send(envelopes: readonly RaftEnvelope[], onUnreachable: (storeId: StoreId) => void): boolean {
    const stream = this.ensureStream(onUnreachable);
    if (stream === undefined) return false;
    // `write` returning false only means the stream's buffer passed its (small) high-water mark;
    // the batch is still queued. Drop only past a real bound, when the peer is slow or gone: raft
    // retransmits, and an unbounded queue would grow without limit.
    if (stream.writableLength >= queuedBatchesMax) return false;
    const { clusterId, storeId } = this.opts;
    if (envelopes.length === 0) {
      // A store-liveness ping: a batch without messages.
      stream.write({ clusterId, fromStoreId: storeId, toStoreId: this.storeId, messages: new Uint8Array(0) });
      return true;
    }
    // Split very large turns so one write never exceeds the message size bound.
    let start = 0;
    while (start < envelopes.length) {
      let end = start + 1;
      let bytes = encodeRaftBatch(envelopes.slice(start, end));
      while (end < envelopes.length) {
        const next = encodeRaftBatch(envelopes.slice(start, end + 1));
        if (next.length > this.batchBytesMax) break;
        bytes = next;
        end++;
      }
      stream.write({ clusterId, fromStoreId: storeId, toStoreId: this.storeId, messages: bytes });
      start = end;
    }
    return true;
  }

  queryRangeInfo(rangeId: number, timeoutMs: number): Promise<RangeInfo | undefined> {
    const client = this.ensureClient();
    return new Promise((resolve) => {
      client.RangeInfo({ clusterId: this.opts.clusterId, rangeId }, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, res?: RangeInfoResponse__Output) => {
        if (err !== null || res === undefined) resolve(undefined);
        else resolve({ found: res.found, descriptor: res.descriptor, leader: Number(res.leaderStoreId) });
      });
    });
  }

  async sendSnapshot(rangeId: number, message: Message, chunks: Iterable<Uint8Array>): Promise<SnapshotOutcome> {
    const client = this.ensureClient();
    const { clusterId, storeId } = this.opts;
    return new Promise<SnapshotOutcome>((resolve) => {
      const call = client.Snapshot((err: grpc.ServiceError | null, res?: SnapshotResult__Output) => {
        if (err !== null || res === undefined) resolve({ applied: false, errorCode: 'TRANSPORT', message: err?.message ?? 'no answer' });
        else resolve({ applied: res.applied, errorCode: res.errorCode, message: res.message });
      });
      const header = { clusterId, fromStoreId: storeId, toStoreId: this.storeId, rangeId, raftMessage: encodeRaftBatch([{ rangeId, message }]) };
      const write = async (): Promise<void> => {
        let first = true;
        for (const data of chunks) {
          const msg: SnapshotChunkMsg = first ? { header, data, last: false } : { data, last: false };
          first = false;
          if (!call.write(msg)) await new Promise<void>((r) => call.once('drain', () => r()));
        }
        call.write(first ? { header, data: new Uint8Array(0), last: true } : { data: new Uint8Array(0), last: true });
        call.end();
      };
      write().catch((e: unknown) => {
        call.cancel();
        resolve({ applied: false, errorCode: 'SNAPSHOT_READ', message: String(e) });
      });
    });
  }

  close(): void {
    this.stream?.end();
    this.stream = undefined;
    this.client?.close();
    this.client = undefined;
  }
}
