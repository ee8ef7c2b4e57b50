import { KvError } from '../proto/kv-error.js';
import { compareBytes, epochEquals } from '../proto/range-descriptor.js';
import { parseScanAnswer } from './answers.js';
import type { CallContext } from './call-context.js';
import { consistencyToWire, type ReadConsistency } from './call-options.js';
import type { RequestExecutor } from './request-executor.js';
import type { KeyValue } from './results.js';
import type { Target } from './router.js';
import { kvMethods } from './unary-attempt.js';

export interface ScanPlan {
  readonly start: Uint8Array;
  /** Exclusive; empty = +∞. */
  readonly end: Uint8Array;
  readonly reverse: boolean;
  readonly keysOnly: boolean;
  readonly limitPerPage: number;
  /** Keys to yield in total (Infinity: all). */
  readonly limit: number;
  readonly consistency: ReadConsistency;
}

/** Empty pages that still carry a page token, in a row, before the scan is declared stuck. */
const emptyPagesInARowMax = 1_000;

/** Locate's `end` cannot say +∞ (empty means "one range"), so prefetching up to +∞ stops short of 0xff keys. */
const prefetchToEnd = Uint8Array.of(0xff);

/**
 * A page sequence the server can continue with a page token: the bounds sent with its first page,
 * and where it was served (a routed range with its epoch, or any gateway). Tokens are only reused for
 * the same range and epoch with the same bounds; after a reroute the scan resumes from its cursor.
 */
interface Segment {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  readonly where: { readonly kind: 'gateway' } | { readonly kind: 'routed'; readonly target: Extract<Target, { kind: 'routed' }> };
  readonly token: Uint8Array;
}

/**
 * Scans [start, end) page by page, range by range, in key order (descending with `reverse`).
 * Each page is its own request with its own deadline and retries; pages are each consistent, the
 * scan as a whole is not a snapshot.
 */
export async function* scanPages(exec: RequestExecutor, newContext: () => CallContext, p: ScanPlan): AsyncGenerator<KeyValue, void, undefined> {
  let remaining = p.limit;
  // Forward: keys ≥ cursor remain. Reverse: keys < cursor remain (empty = +∞).
  let cursor = p.reverse ? p.end : p.start;
  let segment: Segment | undefined;
  let emptyPagesInARow = 0;
  const choice = p.consistency === 'linearizable' ? 'leader' : 'any';
  while (remaining > 0) {
    if (!p.reverse && p.end.length > 0 && compareBytes(cursor, p.end) >= 0) return;
    if (p.reverse && cursor.length > 0 && compareBytes(cursor, p.start) <= 0) return;
    let sent: Segment | undefined;
    const ctx = newContext();
    const page = await exec.execute(
      {
        routing: p.reverse
          ? { mode: 'before', end: cursor, floor: p.start }
          : { mode: 'at', key: cursor, prefetchEnd: p.end.length > 0 ? p.end : prefetchToEnd },
        replicas: choice,
        seq: undefined,
        method: kvMethods.scan,
        build: (target, header) => {
          const continuing = segment !== undefined && sameSegment(segment, target) ? segment : undefined;
          sent = continuing ?? newSegment(target, cursor, p);
          return {
            header,
            start: sent.start,
            end: sent.end,
            limit: Math.min(p.limitPerPage, remaining),
            pageToken: sent.token,
            consistency: consistencyToWire(p.consistency),
            reverse: p.reverse,
            keysOnly: p.keysOnly,
          };
        },
        parse: parseScanAnswer,
      },
      ctx,
    ).finally(() => ctx.dispose());
    const bounds = sent!;
    const kvs = page.value.kvs;
    checkPage(kvs, bounds, cursor, p.reverse);
    for (const kv of kvs) {
      yield kv;
      if (--remaining <= 0) return;
    }
    const last = kvs[kvs.length - 1];
    if (last !== undefined) cursor = p.reverse ? last.key : successor(last.key);
    if (page.value.nextPageToken.length > 0) {
      segment = { ...bounds, token: page.value.nextPageToken };
      emptyPagesInARow = kvs.length === 0 ? emptyPagesInARow + 1 : 0;
      if (emptyPagesInARow > emptyPagesInARowMax) throw new KvError('INTERNAL', `scan stuck: ${emptyPagesInARow} empty pages in a row`);
      continue;
    }
    segment = undefined;
    emptyPagesInARow = 0;
    // Done with this page sequence: a gateway scans across ranges itself; a range's part ends at its bound.
    if (bounds.where.kind === 'gateway') return;
    const range = bounds.where.target.range;
    if (p.reverse) {
      if (compareBytes(range.start, p.start) <= 0) return;
      cursor = range.start;
    } else {
      if (range.end.length === 0 || (p.end.length > 0 && compareBytes(range.end, p.end) >= 0)) return;
      cursor = range.end;
    }
  }
}

function newSegment(target: Target, cursor: Uint8Array, p: ScanPlan): Segment {
  const token = new Uint8Array(0);
  if (target.kind === 'gateway') {
    return p.reverse ? { start: p.start, end: cursor, where: { kind: 'gateway' }, token } : { start: cursor, end: p.end, where: { kind: 'gateway' }, token };
  }
  const r = target.range;
  if (p.reverse) {
    const start = compareBytes(r.start, p.start) > 0 ? r.start : p.start;
    return { start, end: cursor, where: { kind: 'routed', target }, token };
  }
  const end = r.end.length === 0 ? p.end : p.end.length === 0 || compareBytes(r.end, p.end) < 0 ? r.end : p.end;
  return { start: cursor, end, where: { kind: 'routed', target }, token };
}

function sameSegment(s: Segment, t: Target): boolean {
  if (s.where.kind === 'gateway') return t.kind === 'gateway';
  if (t.kind !== 'routed') return false;
  const r = s.where.target.range;
  return r.rangeId === t.range.rangeId && epochEquals(r.epoch, t.range.epoch);
}

/** The smallest key greater than `key`. */
function successor(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

/** A page must stay inside what was asked, in order, past what was already yielded: else we could loop or repeat. */
function checkPage(kvs: readonly KeyValue[], s: Segment, cursor: Uint8Array, reverse: boolean): void {
  let prev: Uint8Array | undefined;
  for (const kv of kvs) {
    const k = kv.key;
    const inside = compareBytes(k, s.start) >= 0 && (s.end.length === 0 || compareBytes(k, s.end) < 0);
    const ahead = reverse ? cursor.length === 0 || compareBytes(k, cursor) < 0 : compareBytes(k, cursor) >= 0;
    const ordered = prev === undefined || (reverse ? compareBytes(k, prev) < 0 : compareBytes(k, prev) > 0);
    if (!inside || !ahead || !ordered) throw new KvError('INTERNAL', 'malformed answer from the server: scan page out of bounds or out of order');
    prev = k;
  }
}
