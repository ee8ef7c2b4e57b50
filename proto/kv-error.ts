import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

/**
 * The one table of error codes a client can act on (proto/rangekv/v1/errors.proto, ErrorCode).
 * Every failure that leaves a node is a KvError; `toServiceError` maps it to a gRPC status plus a
 * structured detail in the `rangekv-error` trailer, and `kvErrorFromServiceError` reverses that on
 * the client side.
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
  | 'INTERNAL';

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
    switch (this.code) {
      case 'NOT_LEADER':
      case 'EPOCH_MISMATCH':
      case 'KEY_NOT_IN_RANGE':
      case 'RANGE_NOT_FOUND':
      case 'INVALID_ARGUMENT':
      case 'OVERLOADED':
      case 'DEADLINE_EXCEEDED':
      case 'CLUSTER_MISMATCH':
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
};

export const errorTrailerKey = 'rangekv-error';

/** A KvError as a gRPC error: status code, message, and the detail as JSON in a trailer. */
export function toServiceError(e: KvError): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set(errorTrailerKey, JSON.stringify({ code: e.code, ...e.detail }));
  return { code: grpcCodeOf[e.code], details: `${e.code}: ${e.message}`, metadata };
}

/**
 * The client side: a gRPC error back into a KvError. Errors without our trailer (the server was
 * unreachable, the call timed out in transit) are mapped by gRPC status; a deadline or a broken
 * connection after the request may have been sent is OUTCOME_UNKNOWN for the caller to decide.
 */
export function kvErrorFromServiceError(e: ServiceError): KvError {
  const raw = e.metadata?.get(errorTrailerKey)[0];
  if (typeof raw === 'string') {
    const parsed = parseDetail(raw);
    if (parsed !== undefined) {
      const prefix = `${parsed.code}: `;
      const message = e.details.startsWith(prefix) ? e.details.slice(prefix.length) : e.details;
      return new KvError(parsed.code, message, parsed.detail);
    }
  }
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

function parseDetail(raw: string): { code: KvErrorCode; detail: KvErrorDetail } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const code = o['code'];
  if (typeof code !== 'string' || !(kvErrorCodes as readonly string[]).includes(code)) return undefined;
  const detail: { -readonly [K in keyof KvErrorDetail]: KvErrorDetail[K] } = {};
  if (typeof o['leaderStoreId'] === 'number') detail.leaderStoreId = o['leaderStoreId'];
  if (typeof o['leaderAddress'] === 'string') detail.leaderAddress = o['leaderAddress'];
  if (typeof o['retryAfterMs'] === 'number') detail.retryAfterMs = o['retryAfterMs'];
  const range = parseRangeWire(o['range']);
  if (range !== undefined) detail.range = range;
  return { code: code as KvErrorCode, detail };
}

function parseRangeWire(v: unknown): RangeDescriptorWire | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const { rangeId, start, end, confVersion, version, replicas } = o;
  if (typeof rangeId !== 'number' || typeof start !== 'string' || typeof end !== 'string') return undefined;
  if (typeof confVersion !== 'number' || typeof version !== 'number' || !Array.isArray(replicas)) return undefined;
  const rs: { storeId: number; replicaId: number; learner: boolean }[] = [];
  for (const r of replicas as unknown[]) {
    if (typeof r !== 'object' || r === null) return undefined;
    const x = r as Record<string, unknown>;
    if (typeof x['storeId'] !== 'number' || typeof x['replicaId'] !== 'number' || typeof x['learner'] !== 'boolean') return undefined;
    rs.push({ storeId: x['storeId'], replicaId: x['replicaId'], learner: x['learner'] });
  }
  return { rangeId, start, end, confVersion, version, replicas: rs };
}
