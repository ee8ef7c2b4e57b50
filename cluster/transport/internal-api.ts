import type { Logger } from 'pino';
import type { HelloRequest__Output } from '../../proto/generated/rangekv/internal/v1/HelloRequest.js';
import type { HelloResponse } from '../../proto/generated/rangekv/internal/v1/HelloResponse.js';
import type { RaftBatch__Output } from '../../proto/generated/rangekv/internal/v1/RaftBatch.js';
import type { RaftBatchReply } from '../../proto/generated/rangekv/internal/v1/RaftBatchReply.js';
import type { RangeInfoRequest__Output } from '../../proto/generated/rangekv/internal/v1/RangeInfoRequest.js';
import type { RangeInfoResponse } from '../../proto/generated/rangekv/internal/v1/RangeInfoResponse.js';
import type { SnapshotChunk__Output } from '../../proto/generated/rangekv/internal/v1/SnapshotChunk.js';
import type { SnapshotResult } from '../../proto/generated/rangekv/internal/v1/SnapshotResult.js';
import type { Message } from '../../raft/index.js';
import { CodecError } from '../../proto/byte-codec.js';
import { KvError } from '../../proto/kv-error.js';
import type { StoreId } from '../../proto/range-descriptor.js';
import type { Clock } from '../ports/clock.js';
import { LogLimiter } from '../util/log-limiter.js';
import type { SnapshotOutcome } from './peer-transport.js';
import { decodeRaftBatch, type RaftEnvelope } from './raft-codec.js';

/** A snapshot arriving from a peer: its raft message and its data, still streaming. */
export interface SnapshotOffer {
  readonly fromStore: StoreId;
  readonly rangeId: number;
  /** The raft `snap` message this data belongs to. */
  readonly message: Extract<Message, { type: 'snap' }>;
  /** The snapshot's data chunks (storage's encoded chunks), in order. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

/** What the node does with traffic its peers send (the transport has already checked who sent it). */
export interface PeerInbound {
  /** One turn's messages from `fromStore` (possibly none: a liveness ping). */
  onRaftMessages(fromStore: StoreId, envelopes: RaftEnvelope[]): void;
  onSnapshot(offer: SnapshotOffer): Promise<SnapshotOutcome>;
  /** What this store knows of a range: its applied descriptor (encoded) and believed leader. */
  rangeInfo(rangeId: number): { descriptor: Uint8Array; leader: StoreId | undefined } | undefined;
}

/** The answer to one raft batch: nothing (accepted), or a refusal, after which the stream ends. */
export type RaftBatchVerdict = { readonly accepted: true } | { readonly accepted: false; readonly reply: RaftBatchReply; readonly endStream: boolean };

/**
 * The Internal service (proto/rangekv/internal/v1) without its transport: validates who is
 * talking (cluster id, addressed store), decodes, and hands the traffic to the node. The gRPC
 * binding (grpc/internal-grpc.ts) and the simulator's network both call it, so the checks that
 * guard a node against other clusters' and malformed traffic run in simulation too.
 */
export interface InternalApi {
  raftBatch(batch: RaftBatch__Output): RaftBatchVerdict;
  snapshot(messages: AsyncIterator<SnapshotChunk__Output>): Promise<SnapshotResult>;
  hello(req: HelloRequest__Output): HelloResponse;
  rangeInfo(req: RangeInfoRequest__Output): RangeInfoResponse;
}

export interface InternalApiOptions {
  readonly clusterId: string;
  readonly storeId: StoreId;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly inbound: PeerInbound;
}

export function createInternalApi(o: InternalApiOptions): InternalApi {
  const { clusterId, storeId, logger, inbound } = o;
  const limiter = new LogLimiter(o.clock);
  const refuse = (code: string, message: string, endStream: boolean, details: Record<string, unknown>): RaftBatchVerdict => {
    const allowed = limiter.allow(code);
    if (allowed !== undefined) logger.warn({ ...details, code, suppressed: allowed.suppressed }, 'raft traffic refused');
    return { accepted: false, reply: { errorCode: code, message }, endStream };
  };
  return {
    raftBatch(batch) {
      if (batch.clusterId !== clusterId) {
        return refuse('CLUSTER_MISMATCH', `this is store ${storeId} of cluster ${clusterId}`, true, { peerCluster: batch.clusterId, from: batch.fromStoreId });
      }
      if (Number(batch.toStoreId) !== storeId) return refuse('STORE_MISMATCH', `this is store ${storeId}, not ${batch.toStoreId}`, true, { to: batch.toStoreId });
      const from = Number(batch.fromStoreId);
      if (!Number.isSafeInteger(from) || from <= 0) return refuse('MALFORMED', 'from_store_id must be positive', true, { from: batch.fromStoreId });
      let envelopes: RaftEnvelope[];
      try {
        envelopes = batch.messages.length === 0 ? [] : decodeRaftBatch(batch.messages);
      } catch (e) {
        if (!(e instanceof CodecError)) throw e;
        return refuse('MALFORMED', e.message, false, { from });
      }
      inbound.onRaftMessages(from as StoreId, envelopes);
      return { accepted: true };
    },

    async snapshot(messages) {
      const r = await receiveSnapshot(messages, clusterId, storeId, inbound);
      return { applied: r.applied, errorCode: r.errorCode ?? '', message: r.message ?? '' };
    },

    hello(req) {
      if (req.clusterId !== clusterId) throw new KvError('CLUSTER_MISMATCH', `this is cluster ${clusterId}`);
      return { clusterId, storeId };
    },

    rangeInfo(req) {
      if (req.clusterId !== clusterId) throw new KvError('CLUSTER_MISMATCH', `this is cluster ${clusterId}`);
      const info = inbound.rangeInfo(Number(req.rangeId));
      if (info === undefined) return { found: false, descriptor: new Uint8Array(0), leaderStoreId: '0' };
      return { found: true, descriptor: info.descriptor, leaderStoreId: String(info.leader ?? 0) };
    },
  };
}

async function receiveSnapshot(messages: AsyncIterator<SnapshotChunk__Output>, clusterId: string, storeId: StoreId, inbound: PeerInbound): Promise<SnapshotOutcome> {
  const first = await messages.next();
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
  const message = env.message;
  const firstData = first.value.data;
  const lastInFirst = first.value.last;
  async function* chunks(): AsyncIterable<Uint8Array> {
    if (firstData.length > 0) yield firstData;
    if (lastInFirst) return;
    for (;;) {
      const next = await messages.next();
      if (next.done === true) throw new CodecError('snapshot stream ended before its last chunk');
      if (next.value.data.length > 0) yield next.value.data;
      if (next.value.last) return;
    }
  }
  return inbound.onSnapshot({ fromStore: Number(header.fromStoreId) as StoreId, rangeId: env.rangeId, message, chunks: chunks() });
}
