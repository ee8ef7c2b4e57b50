import { parseHistogramJson, type HistogramJson } from './support/latency-histogram.js';

/**
 * The messages between bench:kv (the parent) and its load processes (kv-load-worker), over the
 * child-process IPC channel. Each side parses what it receives from `unknown`.
 */

/** What a load process drives: our client library, raw gRPC stubs to our leader (diagnostic), or etcd. */
export type LoadTarget =
  | { readonly system: 'rangekv'; readonly cluster: string }
  | { readonly system: 'rangekv-raw'; readonly cluster: string }
  | { readonly system: 'etcd' };

export type LoadOp = 'put' | 'get';

export interface ConnectSpec {
  readonly rangekv: readonly { readonly name: string; readonly addresses: readonly string[]; readonly leaderAddress: string }[];
  readonly etcdLeaderAddress: string | null;
}

export type ToWorker =
  | { readonly type: 'connect'; readonly spec: ConnectSpec }
  | {
      readonly type: 'run';
      readonly id: number;
      readonly target: LoadTarget;
      readonly op: LoadOp;
      /** Requests this process keeps in flight. */
      readonly concurrency: number;
      /** Wall-clock (Date.now) instant to start at, so that all load processes start together. */
      readonly startAtWallMs: number;
      readonly warmupMs: number;
      readonly durationMs: number;
      readonly keyCount: number;
      readonly valueBytes: number;
    }
  | {
      /** Writes keys [from, to) once each (so that every get finds a value). */
      readonly type: 'preload';
      readonly id: number;
      readonly target: LoadTarget;
      readonly from: number;
      readonly to: number;
      readonly concurrency: number;
      readonly valueBytes: number;
    }
  | { readonly type: 'exit' };

export interface RunResult {
  readonly type: 'result';
  readonly id: number;
  /** Operations that completed successfully inside the measured window. */
  readonly ops: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly measuredMs: number;
  readonly histogram: HistogramJson;
  /** Gets that found no value (a sanity check: after the preload there should be none). */
  readonly misses: number;
}

export type FromWorker = { readonly type: 'ready' } | RunResult | { readonly type: 'failed'; readonly message: string };

/** The fixed-width keys of the benchmark: "key-" and 12 digits = 16 bytes. */
export function benchKey(i: number): Buffer {
  return Buffer.from(`key-${i.toString().padStart(12, '0')}`, 'latin1');
}

export function parseFromWorker(v: unknown): FromWorker {
  if (typeof v !== 'object' || v === null) throw new TypeError('worker message must be an object');
  const o = v as Record<string, unknown>;
  switch (o['type']) {
    case 'ready':
      return { type: 'ready' };
    case 'failed':
      return { type: 'failed', message: String(o['message']) };
    case 'result': {
      const n = (k: string): number => {
        const x = o[k];
        if (typeof x !== 'number' || !Number.isFinite(x)) throw new TypeError(`result.${k} must be a finite number`);
        return x;
      };
      const fe = o['firstError'];
      return {
        type: 'result',
        id: n('id'),
        ops: n('ops'),
        errors: n('errors'),
        firstError: typeof fe === 'string' ? fe : null,
        measuredMs: n('measuredMs'),
        histogram: parseHistogramJson(o['histogram']),
        misses: n('misses'),
      };
    }
    default:
      throw new TypeError(`unknown worker message type ${String(o['type'])}`);
  }
}

/** The worker trusts its parent (same program) but still checks the message kind. */
export function parseToWorker(v: unknown): ToWorker {
  if (typeof v !== 'object' || v === null) throw new TypeError('parent message must be an object');
  const t = (v as { type?: unknown }).type;
  if (t !== 'connect' && t !== 'run' && t !== 'preload' && t !== 'exit') throw new TypeError(`unknown parent message type ${String(t)}`);
  return v as ToWorker;
}
