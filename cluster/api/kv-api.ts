import type { BatchGetRequest__Output } from '../../proto/generated/rangekv/v1/BatchGetRequest.js';
import type { BatchGetResponse } from '../../proto/generated/rangekv/v1/BatchGetResponse.js';
import type { CompareAndSwapResponse } from '../../proto/generated/rangekv/v1/CompareAndSwapResponse.js';
import type { DeleteResponse } from '../../proto/generated/rangekv/v1/DeleteResponse.js';
import type { GetRequest__Output } from '../../proto/generated/rangekv/v1/GetRequest.js';
import type { GetResponse } from '../../proto/generated/rangekv/v1/GetResponse.js';
import type { LocateRequest__Output } from '../../proto/generated/rangekv/v1/LocateRequest.js';
import type { LocateResponse } from '../../proto/generated/rangekv/v1/LocateResponse.js';
import type { PutResponse } from '../../proto/generated/rangekv/v1/PutResponse.js';
import type { RequestHeader__Output } from '../../proto/generated/rangekv/v1/RequestHeader.js';
import type { ResponseHeader } from '../../proto/generated/rangekv/v1/ResponseHeader.js';
import { timestampMax } from '../../storage/index.js';
import { KvError } from '../../proto/kv-error.js';
import { decodeSessionToken, encodeSessionToken, mergeSessionTokens } from '../../proto/session-token.js';
import { rangeLocationToProto } from '../../proto/range-descriptor.js';
import type { RangeLocationInfo } from '../gateway/gateway.js';
import type { KvOp, WriteResult } from '../kv/command.js';
import type { AppliedWrite } from '../replica/replica.js';
import type { KvNode } from './kv-node.js';
import { kvOf, scan, scanLimitMax } from './kv-scan.js';
import { localRead, routeRequest, withRoute } from './kv-routing.js';
import { checkKey, checkValue, consistencyOf, copy, parseHeader, responseHeader, type Header } from './request-header.js';
import type { KvApi, ServiceMethod } from './service-types.js';

/**
 * The KV service (rangekv.v1.KV) against the narrow KvNode interface: parses and validates each
 * request once, then serves it on a local replica or forwards it through the gateway.
 */
export function createKvApi(node: KvNode): KvApi {
  return {
    Get: method(node, (req, h) => get(node, req, h)),
    BatchGet: method(node, (req: BatchGetRequest__Output, h) => batchGet(node, req, h)),
    Put: method(node, async (req, h) => {
      const key = checkKey(node, req.key);
      checkValue(node, req.value);
      const r = await write(node, h, key, { kind: 'put', key, value: copy(req.value) }, 'Put', req);
      return { header: r.header, version: r.write.result.version.toString() } satisfies PutResponse;
    }),
    Delete: method(node, async (req, h) => {
      const key = checkKey(node, req.key);
      const r = await write(node, h, key, { kind: 'delete', key }, 'Delete', req);
      const res = r.write.result;
      return { header: r.header, deleted: res.kind === 'delete' && res.deleted, version: res.version.toString() } satisfies DeleteResponse;
    }),
    CompareAndSwap: method(node, async (req, h) => {
      const key = checkKey(node, req.key);
      if (!req.deleteOnMatch) checkValue(node, req.newValue);
      const expected = req.expectedValue === undefined || req.expectedValue === null ? null : copy(req.expectedValue);
      if (expected !== null) checkValue(node, expected);
      const op: KvOp = { kind: 'cas', key, expected, newValue: req.deleteOnMatch ? null : copy(req.newValue) };
      const r = await write(node, h, key, op, 'CompareAndSwap', req);
      const res = r.write.result;
      if (res.kind !== 'cas') throw new KvError('INTERNAL', 'unexpected result kind');
      return {
        header: r.header,
        succeeded: res.succeeded,
        found: res.current !== null,
        currentValue: res.current ?? new Uint8Array(0),
        version: res.version.toString(),
      } satisfies CompareAndSwapResponse;
    }),
    Scan: method(node, (req, h) => scan(node, req, h)),
    Locate: method(node, async (req) => locate(node, req)),
  };
}

/** Parses the header (refusing a malformed one before any work), then runs the handler. */
function method<Req extends object, Res>(node: KvNode, handle: (req: Req, header: Header) => Promise<Res>): ServiceMethod<Req, Res> {
  return async (req, deadlineAtMs) => {
    const raw = 'header' in req ? ((req as { header?: RequestHeader__Output | null }).header ?? null) : null;
    const header = parseHeader(node, raw, deadlineAtMs);
    try {
      return await handle(req, header);
    } catch (e) {
      if (e instanceof KvError) throw e;
      node.log.error({ err: e }, 'unexpected error serving a request');
      throw new KvError('INTERNAL', e instanceof Error ? e.message : String(e));
    }
  };
}

async function get(node: KvNode, req: GetRequest__Output, h: Header): Promise<GetResponse> {
  const key = checkKey(node, req.key);
  const consistency = consistencyOf(req.consistency);
  return routeRequest(node, h, {
    key,
    // The stale-reads fault switch also lets any local replica (a follower, maybe cut off) answer.
    needsLeader: consistency === 'linearizable' && !node.staleReads,
    idempotent: true,
    readOnly: true,
    local: (r) =>
      localRead(node, r, consistency, h, (applied) => {
        const pair = node.data.get(key, timestampMax);
        return { header: responseHeader(node, h, r, applied), found: pair !== null, kv: pair === null ? null : kvOf(key, pair.value, pair.commitTs) };
      }),
    remote: (store, info) => node.gateway.call<GetRequest__Output, GetResponse>(store, 'Get', withRoute(req, h, info), h.deadlineAtMs),
  });
}

async function batchGet(node: KvNode, req: BatchGetRequest__Output, h: Header): Promise<BatchGetResponse> {
  if (req.keys.length > scanLimitMax) throw new KvError('INVALID_ARGUMENT', `at most ${scanLimitMax} keys per BatchGet`);
  const keys = req.keys.map((k) => Buffer.from(checkKey(node, k)));
  // Each key on its own route (ranges may differ); answers in request order.
  const results = await Promise.all(keys.map((key) => get(node, { header: req.header, key, consistency: req.consistency }, h)));
  let token = h.token;
  for (const r of results) {
    const t = r.header?.sessionToken;
    if (t instanceof Uint8Array) token = mergeSessionTokens(token, decodeSessionToken(t));
  }
  return { header: { sessionToken: encodeSessionToken(token), rangeId: 0, storeId: node.storeId }, results };
}

type WriteMethod = 'Put' | 'Delete' | 'CompareAndSwap';

async function write<Req extends { header?: RequestHeader__Output | null }>(
  node: KvNode,
  h: Header,
  key: Uint8Array,
  op: KvOp,
  method: WriteMethod,
  req: Req,
): Promise<{ header: ResponseHeader; write: AppliedWrite<WriteResult> }> {
  return routeRequest(node, h, {
    key,
    needsLeader: true,
    idempotent: h.session !== null,
    readOnly: false,
    local: async (r) => {
      if (!r.isLeader()) throw node.notLeader(r);
      const w = await node.proposeWrite(r, h.session, op, h.deadlineAtMs);
      return { header: responseHeader(node, h, r, w.index), write: w };
    },
    remote: async (store, info: RangeLocationInfo) => {
      const res = await node.gateway.call<Req, { header: ResponseHeader | null } & Record<string, unknown>>(store, method, withRoute(req, h, info), h.deadlineAtMs);
      return { header: res.header ?? responseHeader(node, h, undefined, 0), write: writeFromResponse(method, res) };
    },
  });
}

/** Rebuilds the write result from a forwarded answer (the gateway passes it through). */
function writeFromResponse(method: WriteMethod, res: Record<string, unknown>): AppliedWrite<WriteResult> {
  const version = BigInt(typeof res['version'] === 'string' ? res['version'] : '0') as WriteResult['version'];
  let result: WriteResult;
  switch (method) {
    case 'Put':
      result = { kind: 'put', version };
      break;
    case 'Delete':
      result = { kind: 'delete', deleted: res['deleted'] === true, version };
      break;
    case 'CompareAndSwap':
      result = {
        kind: 'cas',
        succeeded: res['succeeded'] === true,
        current: res['found'] === true && res['currentValue'] instanceof Uint8Array ? res['currentValue'] : null,
        version,
      };
      break;
  }
  return { result, index: 0 };
}

function locate(node: KvNode, req: LocateRequest__Output): LocateResponse {
  const limit = req.limit === 0 ? 1 : Math.min(req.limit, 1000);
  let ranges: RangeLocationInfo[];
  if (req.before) {
    const info = node.gateway.locateBefore(req.key);
    ranges = info === undefined ? [] : [info];
  } else {
    const end: Uint8Array = req.toEnd ? new Uint8Array(0) : req.end.length === 0 ? Buffer.concat([req.key, Buffer.from([0])]) : req.end;
    ranges = node.gateway.rangesIn(req.key, end, limit);
  }
  return {
    ranges: ranges.map(({ descriptor, leader }) => rangeLocationToProto(descriptor, leader)),
    stores: node.gateway.allStores().map(([storeId, address]) => ({ storeId: String(storeId), address })),
  };
}
