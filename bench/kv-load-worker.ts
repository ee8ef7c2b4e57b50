/**
 * A load process of bench:kv (forked by kv-bench.ts; not run by hand). It holds one client per
 * system — our RangekvClient per cluster, raw gRPC stubs to our leader, and an etcd stub to etcd's
 * leader — and, per `run` message, keeps `concurrency` requests in flight for warm-up + duration,
 * timing each one with the monotonic clock and recording those that complete inside the measured
 * window in a fixed-bucket histogram, which it sends back to the parent to be merged.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { RangekvClient } from '../client/index.js';
import { kvProto } from '../proto/grpc-definitions.js';
import type { KVClient } from '../proto/generated/rangekv/v1/KV.js';
import type { RequestHeader } from '../proto/generated/rangekv/v1/RequestHeader.js';
import type { Route } from '../proto/generated/rangekv/v1/Route.js';
import { benchKey, parseToWorker, type ConnectSpec, type FromWorker, type LoadOp, type LoadTarget, type RunResult, type ToWorker } from './kv-load-message.js';
import { EtcdClient } from './support/etcd-client.js';
import { LatencyHistogram } from './support/latency-histogram.js';

/** One operation against one system: resolves true when a get found a value (puts: always true). */
type OpFn = (key: Uint8Array, value: Uint8Array) => Promise<boolean>;

interface RawRangekv {
  readonly stub: KVClient;
  readonly route: Route;
  readonly clientId: Uint8Array;
  nextSeq: number;
  readonly inflightSeqs: Set<number>;
}

const clients = new Map<string, RangekvClient>();
const raws = new Map<string, RawRangekv>();
let etcd: EtcdClient | undefined;
const keyCache: Buffer[] = [];

function send(m: FromWorker): void {
  process.send?.(m);
}

async function connect(spec: ConnectSpec): Promise<void> {
  for (const c of spec.rangekv) {
    clients.set(c.name, await RangekvClient.connect({ addresses: c.addresses }));
    const KV = kvProto().rangekv.v1.KV;
    const stub = new KV(c.leaderAddress, grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0 });
    const loc = await new Promise<Route>((resolve, reject) => {
      stub.Locate({ key: Buffer.alloc(0), limit: 1 }, { deadline: Date.now() + 5_000 }, (err, res) => {
        const r = res?.ranges[0];
        if (err !== null || r === undefined) reject(err ?? new Error('Locate found no range'));
        else resolve({ rangeId: r.rangeId, epoch: { confVersion: r.epoch?.confVersion ?? '0', version: r.epoch?.version ?? '0' } });
      });
    });
    raws.set(c.name, { stub, route: loc, clientId: randomBytes(16), nextSeq: 1, inflightSeqs: new Set() });
  }
  if (spec.etcdLeaderAddress !== null) etcd = new EtcdClient(spec.etcdLeaderAddress);
}

function unaryPromise<Res>(start: (cb: (err: grpc.ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => start((err, res) => (err !== null ? reject(err) : res === undefined ? reject(new Error('empty answer')) : resolve(res))));
}

/** Raw gRPC to our leader with the same header our client sends (route + exactly-once identity). */
function rawOps(r: RawRangekv): { put: OpFn; get: OpFn } {
  return {
    put: async (key, value) => {
      const seq = r.nextSeq++;
      r.inflightSeqs.add(seq);
      let first = seq;
      for (const s of r.inflightSeqs) if (s < first) first = s;
      const header: RequestHeader = { route: r.route, clientId: r.clientId, seq: String(seq), firstIncompleteSeq: String(first) };
      try {
        await unaryPromise((cb) => r.stub.Put({ header, key, value }, { deadline: Date.now() + 10_000 }, cb));
      } finally {
        r.inflightSeqs.delete(seq);
      }
      return true;
    },
    get: async (key) => {
      const res = await unaryPromise<{ found: boolean }>((cb) => r.stub.Get({ header: { route: r.route }, key }, { deadline: Date.now() + 10_000 }, cb));
      return res.found;
    },
  };
}

function opFor(target: LoadTarget, op: LoadOp): OpFn {
  switch (target.system) {
    case 'rangekv': {
      const c = clients.get(target.cluster);
      if (c === undefined) throw new Error(`no client for cluster ${target.cluster}`);
      return op === 'put'
        ? async (k, v) => {
            await c.put(k, v);
            return true;
          }
        : async (k) => (await c.get(k)) !== undefined;
    }
    case 'rangekv-raw': {
      const r = raws.get(target.cluster);
      if (r === undefined) throw new Error(`no raw stub for cluster ${target.cluster}`);
      return rawOps(r)[op];
    }
    case 'etcd': {
      const e = etcd;
      if (e === undefined) throw new Error('no etcd client');
      return op === 'put'
        ? async (k, v) => {
            await e.put(k, v);
            return true;
          }
        : async (k) => e.get(k);
    }
  }
}

function keyOf(i: number): Buffer {
  let k = keyCache[i];
  if (k === undefined) keyCache[i] = k = benchKey(i);
  return k;
}

async function sleepUntilWall(atMs: number): Promise<void> {
  const wait = atMs - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

async function run(m: Extract<ToWorker, { type: 'run' }>): Promise<RunResult> {
  const fn = opFor(m.target, m.op);
  const value = randomBytes(m.valueBytes);
  const hist = new LatencyHistogram();
  let ops = 0;
  let errors = 0;
  let misses = 0;
  let firstError: string | null = null;
  await sleepUntilWall(m.startAtWallMs);
  const startMs = performance.now();
  const measureFromMs = startMs + m.warmupMs;
  const measureToMs = measureFromMs + m.durationMs;
  const slot = async (): Promise<void> => {
    for (;;) {
      const s = performance.now();
      if (s >= measureToMs) return;
      const key = keyOf(randomInt(m.keyCount));
      try {
        const found = await fn(key, value);
        const e = performance.now();
        if (e >= measureFromMs && e <= measureToMs) {
          hist.recordUs((e - s) * 1000);
          ops++;
          if (!found) misses++;
        }
      } catch (err) {
        const e = performance.now();
        if (e >= measureFromMs && e <= measureToMs) errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, slot));
  return { type: 'result', id: m.id, ops, errors, firstError, measuredMs: m.durationMs, histogram: hist.toJson(), misses };
}

async function preload(m: Extract<ToWorker, { type: 'preload' }>): Promise<RunResult> {
  const fn = opFor(m.target, 'put');
  const value = randomBytes(m.valueBytes);
  let next = m.from;
  let errors = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const slot = async (): Promise<void> => {
    while (next < m.to) {
      const i = next++;
      // A failed write is retried: every key must end up with a value.
      for (let attempt = 0; ; attempt++) {
        try {
          await fn(keyOf(i), value);
          break;
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
          if (attempt >= 5) throw err;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, slot));
  return { type: 'result', id: m.id, ops: m.to - m.from, errors, firstError, measuredMs: performance.now() - t0, histogram: new LatencyHistogram().toJson(), misses: 0 };
}

let exiting = false;

/** Closes every client and exits normally (so that a --cpu-prof profile gets written). */
async function shutdown(): Promise<void> {
  if (exiting) return;
  exiting = true;
  for (const c of clients.values()) await c.close();
  for (const r of raws.values()) r.stub.close();
  etcd?.close();
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(0), 50);
}

process.on('message', (raw: unknown) => {
  let m: ToWorker;
  try {
    m = parseToWorker(raw);
  } catch (e) {
    send({ type: 'failed', message: (e as Error).message });
    return;
  }
  const fail = (e: unknown): void => send({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  switch (m.type) {
    case 'connect':
      connect(m.spec).then(() => send({ type: 'ready' }), fail);
      break;
    case 'run':
      run(m).then(send, fail);
      break;
    case 'preload':
      preload(m).then(send, fail);
      break;
    case 'exit':
      void shutdown();
      break;
  }
});
// The parent going away (Ctrl-C, crash) or stopping it ends this process too.
process.on('disconnect', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
