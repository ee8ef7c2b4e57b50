import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { InternalClient } from '../../proto/generated/rangekv/internal/v1/Internal.js';
import type { RaftBatch, RaftBatch__Output } from '../../proto/generated/rangekv/internal/v1/RaftBatch.js';
import type { RaftBatchReply, RaftBatchReply__Output } from '../../proto/generated/rangekv/internal/v1/RaftBatchReply.js';
import type { SnapshotChunk as SnapshotChunkMsg, SnapshotChunk__Output } from '../../proto/generated/rangekv/internal/v1/SnapshotChunk.js';
import type { SnapshotResult, SnapshotResult__Output } from '../../proto/generated/rangekv/internal/v1/SnapshotResult.js';
import type { InternalHandlers } from '../../proto/generated/rangekv/internal/v1/Internal.js';
import type { HelloRequest__Output } from '../../proto/generated/rangekv/internal/v1/HelloRequest.js';
import type { HelloResponse } from '../../proto/generated/rangekv/internal/v1/HelloResponse.js';
import type { RangeInfoRequest__Output } from '../../proto/generated/rangekv/internal/v1/RangeInfoRequest.js';
import type { RangeInfoResponse, RangeInfoResponse__Output } from '../../proto/generated/rangekv/internal/v1/RangeInfoResponse.js';
import type { Message } from '../../raft/index.js';
import { CodecError } from '../../proto/byte-codec.js';
import { internalProto } from '../../proto/grpc-definitions.js';
import { decodeRaftBatch, encodeRaftBatch, type RaftEnvelope } from './raft-codec.js';
import type { StoreId } from '../../proto/range-descriptor.js';

export interface SnapshotOffer {
  readonly fromStore: StoreId;
  readonly rangeId: number;
  /** The raft `snap` message this data belongs to. */
  readonly message: Message;
  /** The snapshot's data chunks (storage's encoded chunks), in order. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

export interface SnapshotOutcome {
  readonly applied: boolean;
  readonly errorCode?: string;
  readonly message?: string;
}

/** What the node provides to the transport's server side. */
export interface TransportHandlers {
  onRaftMessages(fromStore: StoreId, envelopes: RaftEnvelope[]): void;
  onSnapshot(offer: SnapshotOffer): Promise<SnapshotOutcome>;
  /** A peer's stream broke or could not be opened: its replicas are probably unreachable. */
  onPeerUnreachable(storeId: StoreId): void;
  /** What this store knows of a range: its applied descriptor (encoded) and believed leader. */
  rangeInfo(rangeId: number): { descriptor: Uint8Array; leader: StoreId | undefined } | undefined;
}

export interface RangeInfo {
  readonly found: boolean;
  readonly descriptor: Uint8Array;
  readonly leader: number;
}

export interface TransportOptions {
  readonly clusterId: string;
  readonly storeId: StoreId;
  /** Address to dial for each peer store. */
  readonly peers: ReadonlyMap<StoreId, string>;
  readonly logger: Logger;
  /** Wait before re-dialing a peer whose stream failed. */
  readonly redialBackoffMs?: number;
  /** Largest raft batch (bytes) sent in one stream write; larger batches are split. */
  readonly batchBytesMax?: number;
}

/**
 * Store-to-store raft traffic: one long-lived bidirectional stream per peer carrying, per loop
 * turn, one RaftBatch with the messages of all ranges for that peer. Raft tolerates loss, so the
 * transport never queues without bound: when a stream is not writable (the peer is slow or gone),
 * messages are dropped and counted, and the node is told the peer is unreachable so leaders stop
 * streaming optimistically to it. Snapshots travel on a separate streaming call.
 */
export class Transport {
  private readonly peers = new Map<StoreId, PeerConnection>();
  droppedMessages = 0;
  sentBatches = 0;

  constructor(private readonly opts: TransportOptions) {
    for (const [id, address] of opts.peers) {
      if (id !== opts.storeId) this.peers.set(id, new PeerConnection(id, address, opts));
    }
  }

  /** Sends one turn's messages for `to`. Returns false when they were dropped. */
  send(to: StoreId, envelopes: readonly RaftEnvelope[], onUnreachable: (storeId: StoreId) => void): boolean {
    const peer = this.peers.get(to);
    if (peer === undefined) {
      this.droppedMessages += envelopes.length;
      return false;
    }
    const ok = peer.send(envelopes, onUnreachable);
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

  /** The Internal service implementation for this node's gRPC server. */
  service(handlers: TransportHandlers): InternalHandlers {
    const { clusterId, storeId, logger } = this.opts;
    return {
      Raft: (call: grpc.ServerDuplexStream<RaftBatch__Output, RaftBatchReply>) => {
        call.on('data', (batch: RaftBatch__Output) => {
          if (batch.clusterId !== clusterId) {
            logger.warn({ peerCluster: batch.clusterId, from: batch.fromStoreId }, 'raft stream from another cluster refused');
            call.write({ errorCode: 'CLUSTER_MISMATCH', message: `this is store ${storeId} of cluster ${clusterId}` });
            call.end();
            return;
          }
          if (Number(batch.toStoreId) !== storeId) {
            call.write({ errorCode: 'STORE_MISMATCH', message: `this is store ${storeId}, not ${batch.toStoreId}` });
            call.end();
            return;
          }
          let envelopes: RaftEnvelope[];
          try {
            envelopes = decodeRaftBatch(batch.messages);
          } catch (e) {
            if (!(e instanceof CodecError)) throw e;
            logger.warn({ from: batch.fromStoreId, err: e.message }, 'malformed raft batch refused');
            call.write({ errorCode: 'MALFORMED', message: e.message });
            return;
          }
          handlers.onRaftMessages(Number(batch.fromStoreId) as StoreId, envelopes);
        });
        call.on('error', () => {
          // The peer went away; it reconnects on its own.
        });
        call.on('end', () => call.end());
      },
      Snapshot: (call: grpc.ServerReadableStream<SnapshotChunk__Output, SnapshotResult>, callback: grpc.sendUnaryData<SnapshotResult>) => {
        void receiveSnapshot(call, clusterId, storeId, handlers).then(
          (r) => callback(null, { applied: r.applied, errorCode: r.errorCode ?? '', message: r.message ?? '' }),
          (e: unknown) => callback(null, { applied: false, errorCode: 'INTERNAL', message: String(e) }),
        );
      },
      Hello: (call: grpc.ServerUnaryCall<HelloRequest__Output, HelloResponse>, callback: grpc.sendUnaryData<HelloResponse>) => {
        if (call.request.clusterId !== clusterId) {
          callback({ code: grpc.status.PERMISSION_DENIED, details: `CLUSTER_MISMATCH: this is cluster ${clusterId}` });
          return;
        }
        callback(null, { clusterId, storeId });
      },
      RangeInfo: (call: grpc.ServerUnaryCall<RangeInfoRequest__Output, RangeInfoResponse>, callback: grpc.sendUnaryData<RangeInfoResponse>) => {
        if (call.request.clusterId !== clusterId) {
          callback({ code: grpc.status.PERMISSION_DENIED, details: `CLUSTER_MISMATCH: this is cluster ${clusterId}` });
          return;
        }
        const info = handlers.rangeInfo(Number(call.request.rangeId));
        if (info === undefined) callback(null, { found: false, descriptor: Buffer.alloc(0), leaderStoreId: '0' });
        else callback(null, { found: true, descriptor: Buffer.from(info.descriptor), leaderStoreId: String(info.leader ?? 0) });
      },
    };
  }

  close(): void {
    for (const p of this.peers.values()) p.close();
  }
}

async function receiveSnapshot(
  call: grpc.ServerReadableStream<SnapshotChunk__Output, SnapshotResult>,
  clusterId: string,
  storeId: StoreId,
  handlers: TransportHandlers,
): Promise<SnapshotOutcome> {
  const iterator = call[Symbol.asyncIterator]() as AsyncIterator<SnapshotChunk__Output>;
  const first = await iterator.next();
  if (first.done === true) return { applied: false, errorCode: 'MALFORMED', message: 'empty snapshot stream' };
  const header = first.value.header;
  if (header === null) return { applied: false, errorCode: 'MALFORMED', message: 'snapshot stream without a header' };
  if (header.clusterId !== clusterId) return { applied: false, errorCode: 'CLUSTER_MISMATCH', message: `this is cluster ${clusterId}` };
  if (Number(header.toStoreId) !== storeId) return { applied: false, errorCode: 'STORE_MISMATCH', message: `this is store ${storeId}` };
  let envelopes: RaftEnvelope[];
  try {
    envelopes = decodeRaftBatch(header.raftMessage);
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    return { applied: false, errorCode: 'MALFORMED', message: e.message };
  }
  const env = envelopes[0];
  if (envelopes.length !== 1 || env === undefined || env.message.type !== 'snap' || env.rangeId !== Number(header.rangeId)) {
    return { applied: false, errorCode: 'MALFORMED', message: 'snapshot header must carry exactly one snap message of its range' };
  }
  const firstData = first.value.data;
  const lastInFirst = first.value.last;
  async function* chunks(): AsyncIterable<Uint8Array> {
    if (firstData.length > 0) yield firstData;
    if (lastInFirst) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) throw new CodecError('snapshot stream ended before its last chunk');
      if (next.value.data.length > 0) yield next.value.data;
      if (next.value.last) return;
    }
  }
  return handlers.onSnapshot({ fromStore: Number(header.fromStoreId) as StoreId, rangeId: env.rangeId, message: env.message, chunks: chunks() });
}

/** Batches queued on a peer's stream before further ones are dropped (one batch per loop turn). */
const queuedBatchesMax = 1024;

class PeerConnection {
  private client: InternalClient | undefined;
  private stream: grpc.ClientDuplexStream<RaftBatch, RaftBatchReply__Output> | undefined;
  private redialAtMs = 0;
  private readonly batchBytesMax: number;

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
      this.client = new Ctor(this.address, grpc.credentials.createInsecure(), {
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
      if (reply.errorCode !== '') {
        this.opts.logger.warn({ peer: this.storeId, code: reply.errorCode, message: reply.message }, 'peer refused raft traffic');
      }
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
