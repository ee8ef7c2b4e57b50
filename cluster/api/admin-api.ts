import type { ChangeReplicasRequest__Output } from '../../proto/generated/rangekv/v1/ChangeReplicasRequest.js';
import type { ChangeReplicasResponse } from '../../proto/generated/rangekv/v1/ChangeReplicasResponse.js';
import type { TransferLeaderRequest__Output } from '../../proto/generated/rangekv/v1/TransferLeaderRequest.js';
import type { TransferLeaderResponse } from '../../proto/generated/rangekv/v1/TransferLeaderResponse.js';
import { KvError, isKvError } from '../../proto/kv-error.js';
import { replicasToProto, storeId } from '../../proto/range-descriptor.js';
import { sleep } from '../ports/timers.js';
import type { AdminMethod } from '../transport/peer-calls.js';
import type { AdminNode, ChangedReplicas, ReplicaChangeOp, ReplicaChangeRequest } from './admin-node.js';
import type { AdminApi } from './service-types.js';

const defaultAdminDeadlineMs = 30_000;
const forwardAttemptsMax = 8;
const answerMarginMsMax = 250;

/**
 * The Admin service. Operations on a range run at its leader; a node that does not lead the range
 * forwards to the store it believes does (the same request, so forwarding is transparent).
 */
export function createAdminApi(node: AdminNode): AdminApi {
  /**
   * Runs `local` here, or forwards `method` to the believed leader when this node does not lead.
   * Once a forwarded attempt got no answer (a transport failure) or an unknown outcome, it may have
   * been carried out: a membership change is then never sent again (it is not idempotent), and the
   * call can only end in success or OUTCOME_UNKNOWN — never in an error that says "not applied".
   */
  async function atLeader<Req, Res>(rangeId: number, deadlineAtMs: number, local: () => Promise<Res>, method: AdminMethod, req: Req): Promise<Res> {
    let lastError: KvError | undefined;
    let ambiguous = false;
    const finalError = (e: KvError): KvError =>
      ambiguous ? new KvError('OUTCOME_UNKNOWN', `${method}: an earlier attempt may have been carried out; last error: ${e.code}: ${e.message}`) : e;
    for (let attempt = 0; attempt < forwardAttemptsMax && node.clock.monotonicMs() < deadlineAtMs; attempt++) {
      const r = node.localRange(rangeId);
      const info = node.gateway.locateRange(rangeId);
      // info already prefers what other stores told us over a lagging local replica's view.
      let target = r?.isLeader() === true ? node.storeId : info?.leader;
      // No leader known and no replica here: ask a store that holds the range; it knows more.
      if (target === undefined && r === undefined && info !== undefined && info.descriptor.replicas.length > 0) {
        target = info.descriptor.replicas[attempt % info.descriptor.replicas.length]!.storeId;
      }
      try {
        if (target === undefined || target === node.storeId) return await local();
        return await node.calls.admin<Req, Res>(target, method, req, deadlineAtMs);
      } catch (e) {
        if (!isKvError(e)) throw e;
        if (e.transportFailure || e.code === 'OUTCOME_UNKNOWN') ambiguous = true;
        const retryable = e.code === 'NOT_LEADER' || e.code === 'UNAVAILABLE' || e.code === 'RANGE_NOT_FOUND';
        // A leader transfer may be asked again (it is idempotent); a membership change may not.
        if (!retryable || (ambiguous && method === 'ChangeReplicas')) throw finalError(e);
        lastError = e;
        if (target !== undefined) node.gateway.learnFromError(rangeId, target, e);
        await sleep(node.timers, Math.min(100 * (attempt + 1), Math.max(0, deadlineAtMs - node.clock.monotonicMs())));
      }
    }
    throw finalError(lastError ?? new KvError('DEADLINE_EXCEEDED', 'no leader reachable before the deadline'));
  }

  /**
   * The node stops waiting a little before the caller does, so that its answer — which says what
   * happened — arrives before the caller's own deadline turns it into an unknown outcome.
   */
  const deadlineOf = (callDeadlineAtMs: number | undefined): number => {
    const now = node.clock.monotonicMs();
    const call = callDeadlineAtMs === undefined ? Infinity : callDeadlineAtMs - Math.min(answerMarginMsMax, 0.1 * Math.max(0, callDeadlineAtMs - now));
    return Math.min(call, now + defaultAdminDeadlineMs);
  };

  return {
    Status: async () => node.status(),

    TransferLeader: async (req: TransferLeaderRequest__Output, callDeadlineAtMs): Promise<TransferLeaderResponse> => {
      const rangeId = positiveId(req.rangeId, 'range_id');
      const to = storeId(positiveId(req.toStoreId, 'to_store_id'));
      const deadlineAtMs = deadlineOf(callDeadlineAtMs);
      return atLeader(rangeId, deadlineAtMs, async () => ({ term: String(await node.transferLeader(rangeId, to, deadlineAtMs)) }), 'TransferLeader', req);
    },

    ChangeReplicas: async (req: ChangeReplicasRequest__Output, callDeadlineAtMs): Promise<ChangeReplicasResponse> => {
      const rangeId = positiveId(req.rangeId, 'range_id');
      const deadlineAtMs = deadlineOf(callDeadlineAtMs);
      const changes: ReplicaChangeRequest[] = req.changes.map((c) => ({ op: changeOp(c.op), store: storeId(positiveId(c.storeId, 'store_id')) }));
      return atLeader(rangeId, deadlineAtMs, async () => describe(await node.changeReplicas(rangeId, changes, deadlineAtMs)), 'ChangeReplicas', req);
    },
  };
}

function positiveId(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new KvError('INVALID_ARGUMENT', `${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

/** The op of a ReplicaChange; an unknown one (a newer client, a corrupt request) is refused, never guessed. */
function changeOp(op: unknown): ReplicaChangeOp {
  switch (op) {
    case 'ADD_LEARNER':
      return 'addLearner';
    case 'ADD_VOTER':
      return 'addVoter';
    case 'REMOVE':
      return 'remove';
    default:
      throw new KvError('INVALID_ARGUMENT', `unknown replica change op ${JSON.stringify(op)}`);
  }
}

function describe({ descriptor: d, leavingJoint }: ChangedReplicas): ChangeReplicasResponse {
  return {
    replicas: replicasToProto(d),
    epoch: { confVersion: String(d.epoch.confVersion), version: String(d.epoch.version) },
    leavingJoint,
  };
}
