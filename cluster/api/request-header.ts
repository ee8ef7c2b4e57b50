import type { RequestHeader__Output } from '../../proto/generated/rangekv/v1/RequestHeader.js';
import type { ResponseHeader } from '../../proto/generated/rangekv/v1/ResponseHeader.js';
import type { ReadConsistency__Output } from '../../proto/generated/rangekv/v1/ReadConsistency.js';
import { KvError } from '../../proto/kv-error.js';
import { decodeSessionToken, encodeSessionToken, mergeSessionTokens, type SessionToken } from '../../proto/session-token.js';
import type { ServedRange } from '../gateway/local-ranges.js';
import type { ClientSession } from '../kv/command.js';
import type { KvNode } from './kv-node.js';

export type Consistency = 'linearizable' | 'follower' | 'session';

/** A request's parsed header: everything after this point is trusted. */
export interface Header {
  readonly route: { readonly rangeId: number; readonly confVersion: number; readonly version: number } | undefined;
  readonly token: SessionToken;
  readonly session: ClientSession | null;
  /** On the node's monotonic clock. */
  readonly deadlineAtMs: number;
  /** The raw header, passed on unchanged when forwarding. */
  readonly raw: RequestHeader__Output | null;
}

export const clientIdBytes = 16;

/** Parses and validates a request header from untrusted input; INVALID_ARGUMENT on anything malformed. */
export function parseHeader(node: KvNode, raw: RequestHeader__Output | null, callDeadlineAtMs: number | undefined): Header {
  const deadlineAtMs = Math.min(callDeadlineAtMs ?? Infinity, node.clock.monotonicMs() + node.limits.defaultDeadlineMs);
  if (raw === null) return { route: undefined, token: new Map(), session: null, deadlineAtMs, raw };
  let route: Header['route'];
  if (raw.route !== null) {
    const rangeId = uint64(raw.route.rangeId, 'route.range_id');
    if (rangeId === 0) throw new KvError('INVALID_ARGUMENT', 'route.range_id must be set');
    route = { rangeId, confVersion: uint64(raw.route.epoch?.confVersion ?? '0', 'epoch.conf_version'), version: uint64(raw.route.epoch?.version ?? '0', 'epoch.version') };
  }
  let session: ClientSession | null = null;
  if (raw.clientId.length > 0) {
    if (raw.clientId.length !== clientIdBytes) throw new KvError('INVALID_ARGUMENT', `client_id must be ${clientIdBytes} bytes, got ${raw.clientId.length}`);
    const seq = uint64(raw.seq, 'seq');
    const firstIncompleteSeq = uint64(raw.firstIncompleteSeq, 'first_incomplete_seq');
    if (seq === 0) throw new KvError('INVALID_ARGUMENT', 'seq must be ≥ 1 when client_id is set');
    if (firstIncompleteSeq > seq) throw new KvError('INVALID_ARGUMENT', 'first_incomplete_seq cannot exceed seq');
    session = { clientId: copy(raw.clientId), seq, firstIncompleteSeq };
  }
  return { route, token: decodeSessionToken(raw.sessionToken), session, deadlineAtMs, raw };
}

export function uint64(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new KvError('INVALID_ARGUMENT', `${what} out of range: ${v}`);
  return n;
}

export function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

export function checkKey(node: KvNode, key: Uint8Array): Uint8Array {
  if (key.length === 0) throw new KvError('INVALID_ARGUMENT', 'key must not be empty');
  if (key.length > node.limits.keyBytesMax) throw new KvError('INVALID_ARGUMENT', `key of ${key.length} bytes exceeds ${node.limits.keyBytesMax}`);
  return copy(key);
}

export function checkValue(node: KvNode, value: Uint8Array): void {
  if (value.length > node.limits.valueBytesMax) throw new KvError('INVALID_ARGUMENT', `value of ${value.length} bytes exceeds ${node.limits.valueBytesMax}`);
}

export function consistencyOf(c: ReadConsistency__Output): Consistency {
  switch (c) {
    case 'READ_CONSISTENCY_FOLLOWER':
      return 'follower';
    case 'READ_CONSISTENCY_SESSION':
      return 'session';
    default:
      return 'linearizable';
  }
}

/** The answer's header: the session token advanced to what this answer observed (`index` of `range`). */
export function responseHeader(node: KvNode, h: Header, range: ServedRange | undefined, index: number): ResponseHeader {
  const token = range === undefined ? h.token : mergeSessionTokens(h.token, new Map([[range.rangeId, index]]));
  return { sessionToken: encodeSessionToken(token), rangeId: range?.rangeId ?? 0, storeId: node.storeId };
}
