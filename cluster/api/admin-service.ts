import * as grpc from '@grpc/grpc-js';
import type { AdminClient, AdminHandlers } from '../../proto/generated/rangekv/v1/Admin.js';
import type { ChangeReplicasRequest__Output } from '../../proto/generated/rangekv/v1/ChangeReplicasRequest.js';
import type { ChangeReplicasResponse } from '../../proto/generated/rangekv/v1/ChangeReplicasResponse.js';
import type { StatusResponse } from '../../proto/generated/rangekv/v1/StatusResponse.js';
import type { TransferLeaderRequest__Output } from '../../proto/generated/rangekv/v1/TransferLeaderRequest.js';
import type { TransferLeaderResponse } from '../../proto/generated/rangekv/v1/TransferLeaderResponse.js';
import { adminProto } from '../../proto/grpc-definitions.js';
import { KvError, isKvError, kvErrorFromServiceError, toServiceError } from '../../proto/kv-error.js';
import type { Node } from '../node/node.js';
import { storeId, type RangeDescriptor, type StoreId } from '../../proto/range-descriptor.js';

const defaultAdminDeadlineMs = 30_000;
const forwardAttemptsMax = 8;

/**
 * The Admin service. Operations on a range run at its leader; a node that does not lead the range
 * forwards to the store it believes does (the same request, so forwarding is transparent).
 */
export function createAdminService(node: Node): AdminHandlers {
  const clients = new Map<StoreId, AdminClient>();
  const clientOf = (s: StoreId): AdminClient | undefined => {
    let c = clients.get(s);
    if (c !== undefined) return c;
    const address = node.gateway.dialAddressOf(s);
    if (address === undefined) return undefined;
    const Ctor = adminProto().rangekv.v1.Admin;
    c = new Ctor(address, grpc.credentials.createInsecure());
    clients.set(s, c);
    return c;
  };

  /** Runs `local` here, or forwards `method` to the believed leader when this node does not lead. */
  async function atLeader<Req, Res>(rangeId: number, deadlineAtMs: number, local: () => Promise<Res>, method: 'TransferLeader' | 'ChangeReplicas', req: Req): Promise<Res> {
    let lastError: KvError | undefined;
    for (let attempt = 0; attempt < forwardAttemptsMax && Date.now() < deadlineAtMs; attempt++) {
      const r = node.replicas.get(rangeId);
      const info = node.gateway.locateRange(rangeId);
      // info already prefers what other stores told us over a lagging local replica's view.
      let target = r?.isLeader() === true ? node.storeId : info?.leader;
      // No leader known and no replica here: ask a store that holds the range; it knows more.
      if (target === undefined && r === undefined && info !== undefined && info.descriptor.replicas.length > 0) {
        target = info.descriptor.replicas[attempt % info.descriptor.replicas.length]!.storeId;
      }
      try {
        if (target === undefined || target === node.storeId) return await local();
        const client = clientOf(target);
        if (client === undefined) throw new KvError('UNAVAILABLE', `no address for store ${target}`);
        return await new Promise<Res>((resolve, reject) => {
          const fn = client[method].bind(client) as unknown as (req: Req, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, res?: Res) => void) => void;
          fn(req, new grpc.Metadata(), { deadline: deadlineAtMs }, (e, res) => (e !== null ? reject(kvErrorFromServiceError(e)) : res === undefined ? reject(new KvError('INTERNAL', 'empty answer')) : resolve(res)));
        });
      } catch (e) {
        if (!isKvError(e) || (e.code !== 'NOT_LEADER' && e.code !== 'UNAVAILABLE' && e.code !== 'RANGE_NOT_FOUND')) throw e;
        lastError = e;
        if (target !== undefined) node.gateway.learnFromError(rangeId, target, e);
        await new Promise((res) => setTimeout(res, Math.min(100 * (attempt + 1), Math.max(0, deadlineAtMs - Date.now()))));
      }
    }
    throw lastError ?? new KvError('DEADLINE_EXCEEDED', 'no leader reachable before the deadline');
  }

  function deadlineOf(call: { getDeadline(): grpc.Deadline }): number {
    const d = call.getDeadline();
    const ms = d instanceof Date ? d.getTime() : d;
    return Math.min(Number.isFinite(ms) ? ms : Infinity, Date.now() + defaultAdminDeadlineMs);
  }

  const fail = (e: unknown): Partial<grpc.ServiceError> => toServiceError(e instanceof KvError ? e : new KvError('INTERNAL', String(e)));

  return {
    Status: (_call, callback) => {
      const replicas = [...node.replicas.values()].map((r) => {
        const d = r.descriptor;
        const raft = r.raw.raft;
        return {
          rangeId: String(d.rangeId),
          start: Buffer.from(d.start),
          end: Buffer.from(d.end),
          epoch: { confVersion: String(d.epoch.confVersion), version: String(d.epoch.version) },
          replicaId: String(r.replicaId),
          role: raft.role,
          term: String(raft.term),
          leaderStoreId: String(r.leaderStore() ?? 0),
          commitIndex: String(raft.log.committed),
          appliedIndex: String(r.appliedIndex()),
          quiesced: raft.quiesced,
          replicas: d.replicas.map((x) => ({ storeId: String(x.storeId), replicaId: String(x.replicaId), learner: x.role === 'learner' })),
        };
      });
      const res: StatusResponse = {
        clusterId: node.options.cluster.clusterId,
        storeId: String(node.storeId),
        address: node.address,
        replicas,
        inflightRequests: String(node.inflightRequests),
      };
      callback(null, res);
    },
    TransferLeader: (call: grpc.ServerUnaryCall<TransferLeaderRequest__Output, TransferLeaderResponse>, callback: grpc.sendUnaryData<TransferLeaderResponse>) => {
      const rangeId = Number(call.request.rangeId);
      const to = Number(call.request.toStoreId);
      const deadlineAtMs = deadlineOf(call);
      if (!Number.isSafeInteger(rangeId) || rangeId <= 0 || !Number.isSafeInteger(to) || to <= 0) {
        callback(fail(new KvError('INVALID_ARGUMENT', 'range_id and to_store_id must be positive')));
        return;
      }
      atLeader(rangeId, deadlineAtMs, async () => ({ term: String(await node.transferLeader(rangeId, storeId(to), deadlineAtMs)) }), 'TransferLeader', call.request).then(
        (res) => callback(null, res),
        (e: unknown) => callback(fail(e)),
      );
    },
    ChangeReplicas: (call: grpc.ServerUnaryCall<ChangeReplicasRequest__Output, ChangeReplicasResponse>, callback: grpc.sendUnaryData<ChangeReplicasResponse>) => {
      const rangeId = Number(call.request.rangeId);
      const deadlineAtMs = deadlineOf(call);
      let changes: { op: 'addLearner' | 'addVoter' | 'remove'; store: StoreId }[];
      try {
        if (!Number.isSafeInteger(rangeId) || rangeId <= 0) throw new KvError('INVALID_ARGUMENT', 'range_id must be positive');
        changes = call.request.changes.map((c) => {
          const s = Number(c.storeId);
          if (!Number.isSafeInteger(s) || s <= 0) throw new KvError('INVALID_ARGUMENT', 'store_id must be positive');
          const op = c.op === 'ADD_VOTER' ? 'addVoter' : c.op === 'REMOVE' ? 'remove' : 'addLearner';
          return { op, store: storeId(s) };
        });
      } catch (e) {
        callback(fail(e));
        return;
      }
      atLeader(rangeId, deadlineAtMs, async () => describe(await node.changeReplicas(rangeId, changes, deadlineAtMs)), 'ChangeReplicas', call.request).then(
        (res) => callback(null, res),
        (e: unknown) => callback(fail(e)),
      );
    },
  };
}

function describe(d: RangeDescriptor): ChangeReplicasResponse {
  return {
    replicas: d.replicas.map((x) => ({ storeId: String(x.storeId), replicaId: String(x.replicaId), learner: x.role === 'learner' })),
    epoch: { confVersion: String(d.epoch.confVersion), version: String(d.epoch.version) },
  };
}
