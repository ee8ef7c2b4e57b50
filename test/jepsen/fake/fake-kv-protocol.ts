/**
 * The fake node's wire protocol: JSON over HTTP/1.1, shared by the fake server, its client and the
 * forwarding between fake nodes.
 *
 *   POST /kv        {"op": "get"|"put"|"cas"|"delete", "key": k, "value"?: v, "expected"?: v}
 *                   200 {"value": v} (get) | {"swapped": bool, "current"?: v} (cas) | {} (put, delete)
 *                   (cas: "swapped": false means the compare did not match; "current" is the value
 *                   found then, null for none)
 *                   503/400 {"error": code, "definite": bool, "detail": text}
 *   GET  /health    200 {"index", "pid", "wallClockMs", "monotonicMs", "clockOffsetMs"}
 *   GET  /snapshot  200 {"entries": [[key, value], ...]} (the primary's state; followers sync from it)
 *   POST /admin/clock-offset {"offsetMs": n}   the clock hook
 */
import { asJsonValue, type JsonValue } from '../json-value.js';

export type FakeOp =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'put'; readonly key: string; readonly value: JsonValue }
  | { readonly op: 'cas'; readonly key: string; readonly expected: JsonValue; readonly value: JsonValue }
  | { readonly op: 'delete'; readonly key: string };

export interface FakeErrorBody {
  readonly error: string;
  readonly definite: boolean;
  readonly detail: string;
}

export interface FakeHealth {
  readonly index: number;
  readonly pid: number;
  readonly wallClockMs: number;
  readonly monotonicMs: number;
  readonly clockOffsetMs: number;
}

function record(raw: unknown): Record<string, unknown> | null {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
}

/** Parses a request body; null when it is not a valid operation. */
export function parseFakeOp(raw: unknown): FakeOp | null {
  const body = record(raw);
  if (body === null) return null;
  const key = body['key'];
  if (typeof key !== 'string' || key.length === 0) return null;
  switch (body['op']) {
    case 'get':
      return { op: 'get', key };
    case 'delete':
      return { op: 'delete', key };
    case 'put': {
      const value = asJsonValue(body['value']);
      return value === undefined || value === null ? null : { op: 'put', key, value };
    }
    case 'cas': {
      const value = asJsonValue(body['value']);
      const expected = asJsonValue(body['expected'] ?? null);
      return value === undefined || value === null || expected === undefined ? null : { op: 'cas', key, expected, value };
    }
    default:
      return null;
  }
}

export function parseFakeErrorBody(raw: unknown): FakeErrorBody | null {
  const body = record(raw);
  if (body === null) return null;
  const error = body['error'];
  const definite = body['definite'];
  const detail = body['detail'];
  if (typeof error !== 'string' || typeof definite !== 'boolean') return null;
  return { error, definite, detail: typeof detail === 'string' ? detail : '' };
}

export function parseFakeHealth(raw: unknown): FakeHealth | null {
  const body = record(raw);
  if (body === null) return null;
  const fields = ['index', 'pid', 'wallClockMs', 'monotonicMs', 'clockOffsetMs'] as const;
  for (const field of fields) if (typeof body[field] !== 'number') return null;
  return {
    index: body['index'] as number,
    pid: body['pid'] as number,
    wallClockMs: body['wallClockMs'] as number,
    monotonicMs: body['monotonicMs'] as number,
    clockOffsetMs: body['clockOffsetMs'] as number,
  };
}
