import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AdminHandlers } from '../../proto/generated/rangekv/v1/Admin.js';
import type { KVHandlers } from '../../proto/generated/rangekv/v1/KV.js';
import { KvError, toServiceError } from '../../proto/kv-error.js';
import type { AdminApi, KvApi, ServiceMethod } from '../api/service-types.js';
import { deadlineFromGrpc } from './grpc-deadline.js';
import { isMalformed } from './request-decoding.js';

/** Decides, before a call runs, whether its caller may make it (undefined: yes). */
export type CallGate = (call: grpc.ServerUnaryCall<unknown, unknown>) => KvError | undefined;

/** One transport-neutral service method as a gRPC unary handler: deadline in, KvError out as a status. */
function unary<Req, Res>(log: Logger, fn: ServiceMethod<Req, Res>, gate?: CallGate): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const refused = gate?.(call);
    if (refused !== undefined) {
      callback(toServiceError(refused));
      return;
    }
    const request: unknown = call.request;
    if (isMalformed(request)) {
      callback(toServiceError(request.toError()));
      return;
    }
    let promise: Promise<Res>;
    try {
      promise = fn(call.request, deadlineFromGrpc(call.getDeadline()));
    } catch (e) {
      callback(serviceError(log, e));
      return;
    }
    promise.then(
      (res) => callback(null, res),
      (e: unknown) => callback(serviceError(log, e)),
    );
  };
}

function serviceError(log: Logger, e: unknown): Partial<grpc.ServiceError> {
  if (e instanceof KvError) return toServiceError(e);
  log.error({ err: e }, 'unexpected error serving a call');
  return toServiceError(new KvError('INTERNAL', e instanceof Error ? e.message : String(e)));
}

export function kvHandlers(api: KvApi, log: Logger): KVHandlers {
  return {
    Get: unary(log, api.Get),
    BatchGet: unary(log, api.BatchGet),
    Put: unary(log, api.Put),
    Delete: unary(log, api.Delete),
    CompareAndSwap: unary(log, api.CompareAndSwap),
    Scan: unary(log, api.Scan),
    Locate: unary(log, api.Locate),
  };
}

export function adminHandlers(api: AdminApi, log: Logger, gate?: CallGate): AdminHandlers {
  return {
    Status: unary(log, api.Status, gate),
    TransferLeader: unary(log, api.TransferLeader, gate),
    ChangeReplicas: unary(log, api.ChangeReplicas, gate),
  };
}
