import { mathRandomRng } from './rng.js';
import type { BatchGetRequest } from '../proto/generated/rangekv/v1/BatchGetRequest.js';
import type { BatchGetResponse__Output } from '../proto/generated/rangekv/v1/BatchGetResponse.js';
import type { RequestHeader } from '../proto/generated/rangekv/v1/RequestHeader.js';
import { KvError } from '../proto/kv-error.js';
import { compareBytes } from '../proto/range-descriptor.js';
import { RangeCache } from './routing/range-cache.js';
import { RetryPolicy } from './routing/retry-policy.js';
import { StoreAddressBook } from './routing/store-address-book.js';
import { parseBatchGetAnswer, parseCompareAndSwapAnswer, parseDeleteAnswer, parseGetAnswer, parseLocateAnswer, parsePutAnswer, type Answer, type LocateAnswer } from './answers.js';
import { keyBytes, toBytes, type BytesInput } from './bytes.js';
import { CallContext, type CallKind } from './call-context.js';
import { consistencyToWire, readConsistencies, type CallOptions, type ReadConsistency, type ReadOptions, type ScanOptions } from './call-options.js';
import { ChannelPool } from './channel-pool.js';
import { positive, positiveInt, resolveClientOptions, type RangekvClientOptions, type ResolvedClientOptions } from './client-options.js';
import { RequestExecutor, type FailureVerdict } from './request-executor.js';
import type { CompareAndSwapResult, DeleteResult, KeyValue, PutResult } from './results.js';
import { Router, type ReplicaChoice, type Target } from './router.js';
import { scanPages } from './scan.js';
import { SessionTracker } from './session-tracker.js';
import { attemptUnary, kvMethods, type UnaryMethod } from './unary-attempt.js';
import { WriteSequencer } from './write-sequencer.js';

/**
 * The rangekv client. Routes each request straight to the leader of its key's range (learnt by
 * Locate and kept in a range cache), follows NOT_LEADER / EPOCH_MISMATCH answers, fails over to
 * other replicas or any node as a gateway, and retries with backoff within each call's deadline.
 *
 * Writes are exactly-once: each carries this client's id and a sequence number that its retries
 * reuse, so a retried write is answered with its original result. A write whose outcome cannot be
 * learnt before its deadline rejects with KvError OUTCOME_UNKNOWN — it may or may not have taken
 * effect — and is never retried after that. Every other rejection of a write means it certainly
 * did not take effect.
 *
 * All failures are KvError (proto/kv-error.ts).
 */
export class RangekvClient {
  private readonly options: ResolvedClientOptions;
  private readonly pool: ChannelPool;
  private readonly cache: RangeCache;
  private readonly book = new StoreAddressBook();
  private readonly router: Router;
  private readonly executor: RequestExecutor;
  private readonly sequencer: WriteSequencer;
  private readonly session = new SessionTracker();
  private readonly nowMs: () => number;
  private closed = false;
  /** Calls in flight, aborted by close() so that they stop at once. */
  private readonly inflight = new Set<CallContext>();
  private readonly forgetCall = (ctx: CallContext): void => {
    this.inflight.delete(ctx);
  };

  private constructor(options: RangekvClientOptions) {
    this.options = resolveClientOptions(options);
    const o = this.options;
    const rng = options.rng ?? mathRandomRng;
    this.nowMs = options.nowMs ?? (() => performance.now());
    // Every client instance is its own exactly-once identity: a random id, never reused (a restarted
    // client that reused its id could be answered with its previous incarnation's results).
    this.sequencer = new WriteSequencer();
    this.pool = new ChannelPool({
      keepaliveTimeMs: o.keepaliveTimeMs,
      keepaliveTimeoutMs: o.keepaliveTimeoutMs,
      reconnectBackoffInitialMs: 100,
      reconnectBackoffMaxMs: 2_000,
      receiveMessageBytesMax: o.receiveMessageBytesMax,
      tls: o.tls,
    });
    this.cache = new RangeCache({ rangesMax: o.rangeCacheRangesMax });
    this.router = new Router(this.cache, this.book, rng, (address, key, end, limit, ctx) => this.locateOn(address, key, end, limit, ctx), {
      seeds: o.addresses,
      locateRangesMax: o.locateRangesMax,
      locatePagesMax: 8,
    });
    this.executor = new RequestExecutor(this.pool, this.router, new RetryPolicy(o.retry, rng), this.session, this.sequencer, {
      attemptTimeoutMs: o.attemptTimeoutMs,
      connectTimeoutMs: o.connectTimeoutMs,
      immediateRetriesMax: 3,
    });
  }

  /**
   * Creates a client and warms its range cache with one Locate (best effort: an unreachable
   * cluster is not an error here — calls will retry until their deadlines).
   */
  static async connect(options: RangekvClientOptions): Promise<RangekvClient> {
    const client = new RangekvClient(options);
    const o = client.options;
    await client.call('connect', 'read', { timeoutMs: Math.min(o.timeoutMs, o.connectTimeoutMs + o.attemptTimeoutMs) }, (ctx) =>
      client.router.fill({ mode: 'at', key: new Uint8Array(0), prefetchEnd: Uint8Array.of(0xff) }, ctx),
    );
    return client;
  }

  /** This client's exactly-once identity (16 bytes). */
  get clientId(): Uint8Array {
    return this.sequencer.clientId;
  }

  /** The session token merged from every answer so far (sent with every request). */
  get sessionToken(): Uint8Array {
    return this.session.current;
  }

  /** Merges in a session token from elsewhere (e.g. another client of the same user). */
  observeSessionToken(token: Uint8Array): void {
    this.session.observe(token);
  }

  /** The key's value, or undefined when it has none. */
  async get(key: BytesInput, options: ReadOptions = {}): Promise<KeyValue | undefined> {
    const k = keyBytes(key);
    const consistency = this.consistencyOf(options);
    return this.call('get', 'read', options, async (ctx) => {
      const r = await this.executor.execute(
        {
          routing: { mode: 'at', key: k },
          replicas: replicasFor(consistency),
          seq: undefined,
          method: kvMethods.get,
          build: (_t, header) => ({ header, key: k, consistency: consistencyToWire(consistency) }),
          parse: parseGetAnswer,
        },
        ctx,
      );
      return r.value;
    });
  }

  /** Values of several keys, in the order asked (undefined for absent keys); split by range and sent in parallel. */
  async batchGet(keys: readonly BytesInput[], options: ReadOptions = {}): Promise<(KeyValue | undefined)[]> {
    const ks = keys.map(keyBytes);
    const consistency = this.consistencyOf(options);
    return this.call('batchGet', 'read', options, (ctx) => this.batchGetIn(ctx, ks, consistency));
  }

  private async batchGetIn(ctx: CallContext, ks: readonly Uint8Array[], consistency: ReadConsistency): Promise<(KeyValue | undefined)[]> {
    const results: (KeyValue | undefined)[] = new Array<KeyValue | undefined>(ks.length).fill(undefined);
    if (ks.length === 0) return results;
    // Route in key order so that the first cache miss prefetches the ranges of all the others.
    let pending = ks.map((_, i) => i).sort((a, b) => compareBytes(ks[a]!, ks[b]!));
    const prefetchEnd = successor(ks[pending[pending.length - 1]!]!);
    const choice = replicasFor(consistency);
    for (;;) {
      this.executor.checkContinue(ctx);
      const groups = new Map<string, { target: Target; indices: number[] }>();
      for (const i of pending) {
        const target = await this.router.target({ mode: 'at', key: ks[i]!, prefetchEnd }, choice, ctx);
        const groupKey = target.kind === 'routed' ? `${target.address}/${target.range.rangeId}` : `${target.address}/gateway`;
        let g = groups.get(groupKey);
        if (g === undefined) groups.set(groupKey, (g = { target, indices: [] }));
        g.indices.push(i);
      }
      ctx.attempts++;
      const outcomes = await Promise.all(
        [...groups.values()].map(async (g) => {
          const groupKeys = g.indices.map((i) => ks[i]!);
          const method: UnaryMethod<BatchGetRequest, BatchGetResponse__Output> = kvMethods.batchGet;
          const result = await this.executor.attempt(
            g.target,
            {
              seq: undefined,
              method,
              build: (_t: Target, header: RequestHeader) => ({ header, keys: groupKeys, consistency: consistencyToWire(consistency) }),
              parse: (out: BatchGetResponse__Output): Answer<(KeyValue | undefined)[]> => parseBatchGetAnswer(out, groupKeys.length),
            },
            ctx,
          );
          return { g, result };
        }),
      );
      const verdicts: Extract<FailureVerdict, { kind: 'retry' }>[] = [];
      const next: number[] = [];
      for (const { g, result } of outcomes) {
        if (result.ok) {
          this.executor.accept(g.target, result.value.header, choice);
          g.indices.forEach((i, j) => (results[i] = result.value.value[j]));
          continue;
        }
        const verdict = this.executor.judge(g.target, result.failure, ctx);
        if (verdict.kind === 'final') throw verdict.error;
        verdicts.push(verdict);
        next.push(...g.indices);
      }
      if (next.length === 0) return results;
      pending = next.sort((a, b) => compareBytes(ks[a]!, ks[b]!));
      await this.executor.pause(ctx, verdicts);
    }
  }

  async put(key: BytesInput, value: BytesInput, options: CallOptions = {}): Promise<PutResult> {
    const k = keyBytes(key);
    const v = toBytes(value);
    return this.write('put', k, options, kvMethods.put, (header) => ({ header, key: k, value: v }), parsePutAnswer);
  }

  async delete(key: BytesInput, options: CallOptions = {}): Promise<DeleteResult> {
    const k = keyBytes(key);
    return this.write('delete', k, options, kvMethods.delete, (header) => ({ header, key: k }), parseDeleteAnswer);
  }

  /**
   * Writes `next` iff the key's current value equals `expected`. `expected` null: only if the key
   * does not exist; `next` null: delete the key when the comparison succeeds.
   */
  async compareAndSwap(key: BytesInput, expected: BytesInput | null, next: BytesInput | null, options: CallOptions = {}): Promise<CompareAndSwapResult> {
    const k = keyBytes(key);
    const e = expected === null ? undefined : toBytes(expected);
    const n = next === null ? new Uint8Array(0) : toBytes(next);
    return this.write(
      'compareAndSwap',
      k,
      options,
      kvMethods.compareAndSwap,
      (header) => ({ header, key: k, ...(e === undefined ? {} : { expectedValue: e }), newValue: n, deleteOnMatch: next === null }),
      parseCompareAndSwapAnswer,
    );
  }

  /**
   * The keys of [start, end) in order (descending with `reverse`), fetched page by page across
   * ranges. `timeoutMs` applies to each page. Options are checked here; failures surface while iterating.
   */
  scan(options: ScanOptions = {}): AsyncIterable<KeyValue> {
    this.assertOpen();
    const start = toBytes(options.start ?? new Uint8Array(0));
    const end = toBytes(options.end ?? new Uint8Array(0));
    const limitPerPage = positiveInt(options.limitPerPage ?? this.options.scanLimitPerPage, 'limitPerPage');
    const limit = options.limit === undefined ? Infinity : positiveInt(options.limit, 'limit');
    const consistency = this.consistencyOf(options);
    if (options.timeoutMs !== undefined) positive(options.timeoutMs, 'timeoutMs');
    const plan = { start, end, reverse: options.reverse ?? false, keysOnly: options.keysOnly ?? false, limitPerPage, limit, consistency };
    if (end.length > 0 && compareBytes(start, end) >= 0) return emptyIterable();
    return scanPages(this.executor, () => this.context('scan', 'read', options), plan);
  }

  /** Closes every connection; calls in flight fail (writes among them with OUTCOME_UNKNOWN). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pool.close();
    for (const ctx of [...this.inflight]) ctx.abort();
  }

  private async write<Req, Out, T>(name: string, key: Uint8Array, options: CallOptions, method: UnaryMethod<Req, Out>, build: (header: RequestHeader) => Req, parse: (out: Out) => Answer<T>): Promise<T> {
    return this.call(name, 'write', options, async (ctx) => {
      const seq = this.sequencer.begin();
      try {
        const r = await this.executor.execute({ routing: { mode: 'at', key }, replicas: 'leader', seq, method, build: (_t, header) => build(header), parse }, ctx);
        return r.value;
      } finally {
        this.sequencer.end(seq);
      }
    });
  }

  private async call<T>(name: string, kind: CallKind, options: CallOptions, body: (ctx: CallContext) => Promise<T>): Promise<T> {
    const ctx = this.context(name, kind, options);
    try {
      return await body(ctx);
    } finally {
      ctx.dispose();
    }
  }

  private context(name: string, kind: CallKind, options: CallOptions): CallContext {
    this.assertOpen();
    const timeoutMs = options.timeoutMs === undefined ? this.options.timeoutMs : positive(options.timeoutMs, 'timeoutMs');
    const ctx = new CallContext(name, kind, timeoutMs, options.signal, this.nowMs, this.forgetCall);
    this.inflight.add(ctx);
    return ctx;
  }

  private consistencyOf(options: ReadOptions): ReadConsistency {
    const c = options.consistency ?? this.options.consistency;
    if (!readConsistencies.includes(c)) throw new KvError('INVALID_ARGUMENT', `unknown consistency ${String(c)}`);
    return c;
  }

  private assertOpen(): void {
    if (this.closed) throw new KvError('INVALID_ARGUMENT', 'the client is closed');
  }

  private async locateOn(address: string, key: Uint8Array, end: Uint8Array, limit: number, ctx: CallContext): Promise<LocateAnswer | undefined> {
    const stub = this.pool.stub(address);
    if (stub === undefined) return undefined;
    const result = await attemptUnary(stub, address, kvMethods.locate, { key, end, limit }, {
      connectByWallMs: ctx.wallDeadline(this.options.connectTimeoutMs),
      answerByWallMs: ctx.wallDeadline(this.options.attemptTimeoutMs),
      cancellation: ctx.cancellation,
    });
    if (!result.ok) {
      if (result.failure.kind !== 'rejected') ctx.avoid.add(address);
      return undefined;
    }
    try {
      return parseLocateAnswer(result.value);
    } catch {
      return undefined;
    }
  }
}

function replicasFor(c: ReadConsistency): ReplicaChoice {
  return c === 'linearizable' ? 'leader' : 'any';
}

function successor(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

function emptyIterable(): AsyncIterable<KeyValue> {
  return {
    [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }),
  };
}
