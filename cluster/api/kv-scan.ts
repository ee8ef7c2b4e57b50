import type { ScanRequest__Output } from '../../proto/generated/rangekv/v1/ScanRequest.js';
import type { ScanResponse } from '../../proto/generated/rangekv/v1/ScanResponse.js';
import type { KeyValue } from '../../proto/generated/rangekv/v1/KeyValue.js';
import { timestampMax } from '../../storage/index.js';
import { ByteReader, ByteWriter, CodecError } from '../../proto/byte-codec.js';
import { KvError } from '../../proto/kv-error.js';
import { compareBytes } from '../../proto/range-descriptor.js';
import type { ServedRange } from '../gateway/local-ranges.js';
import type { KvNode } from './kv-node.js';
import { localRead, routeRequest, routedReplica, withRoute } from './kv-routing.js';
import { consistencyOf, copy, responseHeader, type Header } from './request-header.js';

export const scanLimitMax = 10_000;
const scanLimitDefault = 1_000;
/**
 * A page also ends once its keys and values reach 2 MiB. With the pair that crosses the mark (a
 * value is at most 1 MiB, a key 4 KiB) and the per-pair framing, a page stays under the 4 MiB any
 * default gRPC client accepts, and one scan never holds the node's loop for a gigabyte.
 */
export const scanPageBytesMax = 2 << 20;

export function kvOf(key: Uint8Array, value: Uint8Array, version: bigint): KeyValue {
  return { key: Buffer.from(key), value: Buffer.from(value), version: version.toString() };
}

// Page tokens: u8 version, bool reverse, bytes resume key (forward: next start; reverse: next end, exclusive).
function encodePageToken(reverse: boolean, key: Uint8Array): Uint8Array {
  return new ByteWriter(8 + key.length).u8(1).bool(reverse).bytes(key).finish();
}

function decodePageToken(node: KvNode, b: Uint8Array, reverse: boolean): Uint8Array {
  let key: Uint8Array;
  try {
    const r = new ByteReader(b);
    if (r.u8() !== 1) throw new CodecError('version');
    if (r.bool() !== reverse) throw new KvError('INVALID_ARGUMENT', 'page token is for the other scan direction');
    key = r.bytes().slice();
    r.expectEnd('page token');
  } catch (e) {
    if (e instanceof CodecError) throw new KvError('INVALID_ARGUMENT', 'malformed page token');
    throw e;
  }
  if (key.length > node.limits.keyBytesMax + 1) throw new KvError('INVALID_ARGUMENT', 'page token key too long');
  return key;
}

/** One page of a scan: never crosses a range boundary; the page token says where the next starts. */
export async function scan(node: KvNode, req: ScanRequest__Output, h: Header): Promise<ScanResponse> {
  const reverse = req.reverse;
  const limit = req.limit === 0 ? scanLimitDefault : Math.min(req.limit, scanLimitMax);
  let start = copy(req.start);
  let end = copy(req.end);
  if (start.length > node.limits.keyBytesMax || end.length > node.limits.keyBytesMax) throw new KvError('INVALID_ARGUMENT', 'scan bound too long');
  if (req.pageToken.length > 0) {
    const resume = decodePageToken(node, req.pageToken, reverse);
    if (reverse) end = resume;
    else start = resume;
  }
  if (end.length > 0 && compareBytes(start, end) >= 0) return { header: responseHeader(node, h, undefined, 0), kvs: [], nextPageToken: new Uint8Array(0) };
  const consistency = consistencyOf(req.consistency);
  // One page never crosses a range boundary: find the range the page starts in.
  const probeKey = reverse ? undefined : start;
  const info = reverse ? node.gateway.locateBefore(end) : node.gateway.locate(start);
  const routed = routedReplica(node, h, probeKey);
  const descriptor = routed?.descriptor ?? info?.descriptor;
  if (descriptor === undefined) throw new KvError('UNAVAILABLE', 'no range known for the scan');
  const spanStart = compareBytes(start, descriptor.start) > 0 ? start : descriptor.start;
  const spanEnd = end.length === 0 ? descriptor.end : descriptor.end.length === 0 || compareBytes(end, descriptor.end) < 0 ? end : descriptor.end;
  const execute = (r: ServedRange, applied: number): ScanResponse => {
    const pairs = node.data.scan({ span: { start: spanStart, end: spanEnd }, readTs: timestampMax, limit, reverse, bytesMax: scanPageBytesMax });
    const kvs = pairs.map((p) => kvOf(p.key, req.keysOnly ? new Uint8Array(0) : p.value, p.commitTs));
    let next: Uint8Array = new Uint8Array(0);
    const last = pairs[pairs.length - 1];
    const pageFull = pairs.length === limit || pairs.reduce((n, p) => n + p.key.length + p.value.length, 0) >= scanPageBytesMax;
    if (pageFull && last !== undefined) {
      next = reverse ? encodePageToken(true, last.key) : encodePageToken(false, Buffer.concat([last.key, Buffer.from([0])]));
    } else if (!reverse && descriptor.end.length > 0 && (end.length === 0 || compareBytes(descriptor.end, end) < 0)) {
      next = encodePageToken(false, descriptor.end);
    } else if (reverse && descriptor.start.length > 0 && compareBytes(descriptor.start, start) > 0) {
      next = encodePageToken(true, descriptor.start);
    }
    return { header: responseHeader(node, h, r, applied), kvs, nextPageToken: next };
  };
  // Route by a key inside the page's range.
  const routeKey = descriptor.start.length > 0 ? descriptor.start : spanStart.length > 0 ? spanStart : new Uint8Array([0]);
  return routeRequest(node, h, {
    key: routed !== undefined ? (spanStart.length > 0 ? spanStart : routeKey) : routeKey,
    needsLeader: consistency === 'linearizable',
    idempotent: true,
    readOnly: true,
    local: (r) => localRead(node, r, consistency, h, (applied) => execute(r, applied)),
    remote: (store, loc) => node.gateway.call<ScanRequest__Output, ScanResponse>(store, 'Scan', withRoute(req, h, loc), h.deadlineAtMs),
  });
}
