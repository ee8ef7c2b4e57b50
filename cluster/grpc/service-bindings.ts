import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AdminHandlers } from '../../proto/generated/rangekv/v1/Admin.js';
import type { KVHandlers } from '../../proto/generated/rangekv/v1/KV.js';
import { KvError, toServiceError } from '../../proto/kv-error.js';
import type { AdminApi, KvApi, ServiceMethod } from '../api/service-types.js';
import { deadlineFromGrpc } from './grpc-deadline.js';
import { isMalformed } from './request-decoding.js';

/**
 * Decides, before a call runs, whether its caller may make it: the refusal, or a release to run
 * when the call ends (what it holds — a slot of its client's budget — is given back).
 */
export type CallAdmission = (call: grpc.ServerUnaryCall<unknown, unknown>) => KvError | (() => void);

/** One transport-neutral service method as a gRPC unary handler: deadline in, KvError out as a status. */
function unary<Req, Res>(log: Logger, fn: ServiceMethod<Req, Res>, admit?: CallAdmission): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const admitted = admit?.(call);
    if (admitted instanceof KvError) {
      callback(toServiceError(admitted));
      return;
    }
    const reply: grpc.sendUnaryData<Res> = (error, value) => {
      admitted?.();
      callback(error, value);
    };
    const request: unknown = call.request;
    if (isMalformed(request)) {
      reply(toServiceError(request.toError()));
      return;
    }
    let promise: Promise<Res>;
    try {
      promise = fn(call.request, deadlineFromGrpc(call.getDeadline()));
    } catch (e) {
      reply(serviceError(log, e));
      return;
    }
    promise.then(
      (res) => reply(null, res),
      (e: unknown) => reply(serviceError(log, e)),
    );
  };
}

function serviceError(log: Logger, e: unknown): Partial<grpc.ServiceError> {
  if (e instanceof KvError) return toServiceError(e);
  log.error({ err: e }, 'unexpected error serving a call');
  return toServiceError(new KvError('INTERNAL', e instanceof Error ? e.message : String(e)));
}

export function kvHandlers(api: KvApi, log: Logger, admit?: CallAdmission): KVHandlers {
  return {
    Get: unary(log, api.Get, admit),
    BatchGet: unary(log, api.BatchGet, admit),
    Put: unary(log, api.Put, admit),
    Delete: unary(log, api.Delete, admit),
    CompareAndSwap: unary(log, api.CompareAndSwap, admit),
    Scan: unary(log, api.Scan, admit),
    Locate: unary(log, api.Locate, admit),
  };
}

export function adminHandlers(api: AdminApi, log: Logger, admit?: CallAdmission): AdminHandlers {
  return {
    Status: unary(log, api.Status, admit),
    TransferLeader: unary(log, api.TransferLeader, admit),
    ChangeReplicas: unary(log, api.ChangeReplicas, admit),
  };
}
