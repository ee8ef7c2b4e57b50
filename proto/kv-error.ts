import { isAbsolute, join } from 'node:path';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { protoDir } from './grpc-definitions.js';

/**
 * The one table of error codes a client can act on (proto/rangekv/v1/errors.proto, ErrorCode).
 * Every failure that leaves a node is a KvError; `toServiceError` maps it to a gRPC status plus a
 * google.rpc.Status carrying a rangekv.v1.ErrorDetail in the standard `grpc-status-details-bin`
 * trailer, and `kvErrorFromServiceError` reverses that on the client side.
 */
export type KvErrorCode =
  | 'NOT_LEADER'
  | 'EPOCH_MISMATCH'
  | 'KEY_NOT_IN_RANGE'
  | 'RANGE_NOT_FOUND'
  | 'INVALID_ARGUMENT'
  | 'UNAVAILABLE'
  | 'OVERLOADED'
  | 'DEADLINE_EXCEEDED'
  | 'OUTCOME_UNKNOWN'
  | 'CLUSTER_MISMATCH'
  | 'TXN_CONFLICT'
  | 'TXN_ABORTED'
  | 'SHUTTING_DOWN'
  | 'STORAGE_FAILED'
  | 'INTERNAL'
  | 'PERMISSION_DENIED';

export const kvErrorCodes: readonly KvErrorCode[] = [
  'NOT_LEADER',
  'EPOCH_MISMATCH',
  'KEY_NOT_IN_RANGE',
  'RANGE_NOT_FOUND',
  'INVALID_ARGUMENT',
  'UNAVAILABLE',
  'OVERLOADED',
  'DEADLINE_EXCEEDED',
  'OUTCOME_UNKNOWN',
  'CLUSTER_MISMATCH',
  'TXN_CONFLICT',
  'TXN_ABORTED',
  'SHUTTING_DOWN',
  'STORAGE_FAILED',
  'INTERNAL',
  'PERMISSION_DENIED',
];

/** A range's layout as errors carry it (EPOCH_MISMATCH) — the wire form of RangeDescriptor. */
export interface RangeDescriptorWire {
  readonly rangeId: number;
  /** base64 */
  readonly start: string;
  readonly end: string;
  readonly confVersion: number;
  readonly version: number;
  readonly replicas: readonly { readonly storeId: number; readonly replicaId: number; readonly learner: boolean }[];
}

export interface KvErrorDetail {
  readonly leaderStoreId?: number;
  readonly leaderAddress?: string;
  readonly range?: RangeDescriptorWire;
  readonly retryAfterMs?: number;
}

export class KvError extends Error {
  /**
   * True when the error was made on this side from a failed call (no answer from a rangekv node:
   * connection lost, deadline passed in transit). A request that failed this way may still have
   * been received and acted on.
   */
  transportFailure = false;

  constructor(
    readonly code: KvErrorCode,
    message: string,
    readonly detail: KvErrorDetail = {},
  ) {
    super(message);
    this.name = 'KvError';
  }

  /** Whether the operation certainly did not take effect, so any operation may be retried. */
  get definitelyNotApplied(): boolean {
    // No answer came (the connection broke, the caller's deadline passed in transit): the request may
    // have been received and acted on, whatever the status says.
    if (this.transportFailure) return false;
    switch (this.code) {
      case 'NOT_LEADER':
      case 'EPOCH_MISMATCH':
      case 'KEY_NOT_IN_RANGE':
      case 'RANGE_NOT_FOUND':
      case 'INVALID_ARGUMENT':
      case 'OVERLOADED':
      case 'DEADLINE_EXCEEDED':
      case 'CLUSTER_MISMATCH':
      case 'PERMISSION_DENIED':
      case 'TXN_CONFLICT':
      case 'TXN_ABORTED':
      case 'SHUTTING_DOWN':
      case 'UNAVAILABLE':
        return true;
      case 'OUTCOME_UNKNOWN':
      case 'STORAGE_FAILED':
      case 'INTERNAL':
        return false;
    }
  }
}

export function isKvError(e: unknown, code?: KvErrorCode): e is KvError {
  return e instanceof KvError && (code === undefined || e.code === code);
}

const grpcCodeOf: Record<KvErrorCode, GrpcStatus> = {
  NOT_LEADER: GrpcStatus.UNAVAILABLE,
  EPOCH_MISMATCH: GrpcStatus.FAILED_PRECONDITION,
  KEY_NOT_IN_RANGE: GrpcStatus.FAILED_PRECONDITION,
  RANGE_NOT_FOUND: GrpcStatus.NOT_FOUND,
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  OVERLOADED: GrpcStatus.RESOURCE_EXHAUSTED,
  DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED,
  OUTCOME_UNKNOWN: GrpcStatus.UNKNOWN,
  CLUSTER_MISMATCH: GrpcStatus.PERMISSION_DENIED,
  TXN_CONFLICT: GrpcStatus.ABORTED,
  TXN_ABORTED: GrpcStatus.ABORTED,
  SHUTTING_DOWN: GrpcStatus.UNAVAILABLE,
  STORAGE_FAILED: GrpcStatus.INTERNAL,
  INTERNAL: GrpcStatus.INTERNAL,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
};

/** The standard gRPC trailer for rich error details: a serialized google.rpc.Status. */
export const statusDetailsKey = 'grpc-status-details-bin';

/** The type_url of the one google.protobuf.Any in Status.details that carries a rangekv.v1.ErrorDetail. */
export const errorDetailTypeUrl = 'type.googleapis.com/rangekv.v1.ErrorDetail';
const errorDetailTypeName = 'rangekv.v1.ErrorDetail';

interface ErrorCodecs {
  readonly status: Type;
  readonly errorDetail: Type;
  /**
   * The JS name of Any's field 1 (`type_url`): protobufjs's bundled any.proto keeps the proto
   * name rather than camel-casing it, so it is looked up rather than assumed.
   */
  readonly typeUrlField: string;
}

let codecs: ErrorCodecs | undefined;

/**
 * google.rpc.Status (proto/google/rpc/status.proto, with protobufjs's bundled
 * google/protobuf/any.proto) and rangekv.v1.ErrorDetail (proto/rangekv/v1/errors.proto), loaded
 * once from the proto/ directory that the gRPC services are loaded from.
 */
function errorCodecs(): ErrorCodecs {
  if (codecs === undefined) {
    const dir = protoDir();
    const root = new protobuf.Root();
    // Every import in these files is relative to proto/ (bundled google/protobuf/* never gets here).
    root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(dir, target));
    root.loadSync(['google/rpc/status.proto', 'rangekv/v1/errors.proto']);
    const typeUrlField = root.lookupType('google.protobuf.Any').fieldsById[1]?.name;
    if (typeUrlField === undefined) throw new Error('google.protobuf.Any has no field 1');
    codecs = { status: root.lookupType('google.rpc.Status'), errorDetail: root.lookupType('rangekv.v1.ErrorDetail'), typeUrlField };
  }
  return codecs;
}

/** rangekv.v1.ErrorDetail as protobufjs's toObject gives it (longs as numbers, bytes as base64, enums as names). */
interface ErrorDetailObject {
  code?: string | number;
  message?: string;
  leaderStoreId?: number;
  leaderAddress?: string;
  range?: {
    rangeId?: number;
    start?: string;
    end?: string;
    epoch?: { confVersion?: number; version?: number };
    replicas?: { storeId?: number; replicaId?: number; learner?: boolean }[];
  };
  retryAfterMs?: number;
}

/** The ErrorDetail message for a KvError; absent detail fields stay at their proto3 defaults. */
function errorDetailObject(e: KvError): ErrorDetailObject {
  const d = e.detail;
  const o: ErrorDetailObject = { code: e.code, message: e.message };
  if (d.leaderStoreId !== undefined) o.leaderStoreId = d.leaderStoreId;
  if (d.leaderAddress !== undefined) o.leaderAddress = d.leaderAddress;
  if (d.retryAfterMs !== undefined) o.retryAfterMs = Math.min(Math.max(Math.round(d.retryAfterMs), 0), 0xffff_ffff);
  if (d.range !== undefined) {
    const r = d.range;
    o.range = {
      rangeId: r.rangeId,
      start: r.start,
      end: r.end,
      epoch: { confVersion: r.confVersion, version: r.version },
      replicas: r.replicas.map((x) => ({ storeId: x.storeId, replicaId: x.replicaId, learner: x.learner })),
    };
  }
  return o;
}

/**
 * A KvError as a gRPC error, in the standard rich-error model: the status code and message, and in
 * the `grpc-status-details-bin` trailer a google.rpc.Status (same code, the message) whose details
 * hold one google.protobuf.Any packing a rangekv.v1.ErrorDetail (see proto/rangekv/v1/errors.proto).
 */
export function toServiceError(e: KvError): Partial<ServiceError> {
  const code = grpcCodeOf[e.code];
  const { status, errorDetail, typeUrlField } = errorCodecs();
  const detail = errorDetail.encode(errorDetail.fromObject(errorDetailObject(e))).finish();
  const statusBytes = status.encode(status.create({ code, message: e.message, details: [{ [typeUrlField]: errorDetailTypeUrl, value: detail }] })).finish();
  const metadata = new Metadata();
  metadata.set(statusDetailsKey, Buffer.from(statusBytes.buffer, statusBytes.byteOffset, statusBytes.byteLength));
  return { code, details: `${e.code}: ${e.message}`, metadata };
}

/**
 * The KvError a rangekv node sent, if the error carries one: a google.rpc.Status in
 * `grpc-status-details-bin` with a rangekv.v1.ErrorDetail among its details. Undefined for every
 * other error (no trailer, a Status without our detail, bytes that do not decode, a code this
 * version does not know); never throws.
 */
export function kvErrorFromStatusDetails(e: Pick<ServiceError, 'metadata'>): KvError | undefined {
  let raw: unknown;
  try {
    raw = e.metadata?.get(statusDetailsKey)[0];
  } catch {
    return undefined;
  }
  if (!(raw instanceof Uint8Array)) return undefined;
  try {
    const { status, errorDetail, typeUrlField } = errorCodecs();
    const decoded = status.decode(raw) as unknown as { message?: unknown; details?: unknown };
    if (!Array.isArray(decoded.details)) return undefined;
    for (const any of decoded.details as unknown[]) {
      const { [typeUrlField]: typeUrl, value } = (any ?? {}) as Record<string, unknown>;
      // Any's rule: the type is named by what follows the type URL's last '/'.
      if (typeof typeUrl !== 'string' || typeUrl.slice(typeUrl.lastIndexOf('/') + 1) !== errorDetailTypeName) continue;
      if (!(value instanceof Uint8Array)) continue;
      const o = errorDetail.toObject(errorDetail.decode(value), { longs: Number, enums: String, bytes: String }) as ErrorDetailObject;
      const code = o.code;
      if (typeof code !== 'string' || !(kvErrorCodes as readonly string[]).includes(code)) return undefined;
      const message = o.message !== undefined && o.message !== '' ? o.message : typeof decoded.message === 'string' ? decoded.message : '';
      return new KvError(code as KvErrorCode, message, kvErrorDetailOf(o));
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** ErrorDetail's fields back into a KvErrorDetail: zero ids, empty strings, a missing range are absent. */
function kvErrorDetailOf(o: ErrorDetailObject): KvErrorDetail {
  const detail: { -readonly [K in keyof KvErrorDetail]: KvErrorDetail[K] } = {};
  if (typeof o.leaderStoreId === 'number' && o.leaderStoreId !== 0) detail.leaderStoreId = o.leaderStoreId;
  if (typeof o.leaderAddress === 'string' && o.leaderAddress !== '') detail.leaderAddress = o.leaderAddress;
  if (typeof o.retryAfterMs === 'number' && o.retryAfterMs !== 0) detail.retryAfterMs = o.retryAfterMs;
  const r = o.range;
  if (r !== undefined && r !== null) {
    detail.range = {
      rangeId: r.rangeId ?? 0,
      start: r.start ?? '',
      end: r.end ?? '',
      confVersion: r.epoch?.confVersion ?? 0,
      version: r.epoch?.version ?? 0,
      replicas: (r.replicas ?? []).map((x) => ({ storeId: x.storeId ?? 0, replicaId: x.replicaId ?? 0, learner: x.learner ?? false })),
    };
  }
  return detail;
}

/**
 * The client side: a gRPC error back into a KvError. An error with a rangekv ErrorDetail in its
 * google.rpc.Status is rebuilt exactly; any other (the server was unreachable, the call timed out
 * in transit, foreign or malformed details) is mapped by gRPC status and marked `transportFailure`;
 * a deadline or a broken connection after the request may have been sent is OUTCOME_UNKNOWN for
 * the caller to decide.
 */
export function kvErrorFromServiceError(e: ServiceError): KvError {
  const typed = kvErrorFromStatusDetails(e);
  if (typed !== undefined) return typed;
  let err: KvError;
  switch (e.code) {
    case GrpcStatus.UNAVAILABLE:
      err = new KvError('UNAVAILABLE', e.details || 'node unreachable');
      break;
    case GrpcStatus.DEADLINE_EXCEEDED:
      err = new KvError('DEADLINE_EXCEEDED', e.details || 'deadline exceeded');
      break;
    case GrpcStatus.INVALID_ARGUMENT:
      err = new KvError('INVALID_ARGUMENT', e.details);
      break;
    case GrpcStatus.RESOURCE_EXHAUSTED:
      err = new KvError('OVERLOADED', e.details);
      break;
    case GrpcStatus.CANCELLED:
      err = new KvError('OUTCOME_UNKNOWN', e.details || 'call cancelled');
      break;
    default:
      err = new KvError('INTERNAL', `${GrpcStatus[e.code] ?? e.code}: ${e.details}`);
  }
  err.transportFailure = true;
  return err;
}
