import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { kvProto } from '../../../proto/grpc-definitions.js';
import { KvError as NodeKvError, kvErrorFromServiceError } from '../../../proto/kv-error.js';
import type { KVClient } from '../../../proto/generated/rangekv/v1/KV.js';
import type { JsonValue } from '../json-value.js';
import { kvFailed, kvUnknown, type CasResult, type KvCallOptions, type KvClient, type KvError } from '../kv-client.js';

type Method = 'Get' | 'Put' | 'Delete' | 'CompareAndSwap';

export interface RangekvKvClientOptions {
  /**
   * Re-send this fraction of writes once more, with the same client id and seq, a little after
   * they completed — as a duplicated or late-retried request would arrive. The exactly-once table
   * must answer them without applying them again (the skip-dedup fault switch breaks that).
   */
  readonly duplicateWriteFraction: number;
  readonly random: () => number;
  /** TLS to the node (a cluster run with --tls); plaintext without. */
  readonly credentials?: grpc.ChannelCredentials;
}

/**
 * The harness's client for one rangekv node: raw gRPC to that node only (requests carry no route,
 * so the node acts as the gateway: a minority-side node is really exercised), JSON values encoded
 * deterministically, every write with an exactly-once client id and seq.
 *
 * Outcomes: a request is sent only once the connection is READY, so failing to connect is a certain
 * failure; after sending, anything but a typed, definite answer from the node is unknown.
 */
export class RangekvKvClient implements KvClient {
  private readonly stub: KVClient;
  private readonly clientId = randomBytes(16);
  private nextSeq = 1;
  private readonly inflightSeqs = new Set<number>();
  private closed = false;

  constructor(
    readonly address: string,
    private readonly options: RangekvKvClientOptions,
  ) {
    const Ctor = kvProto().rangekv.v1.KV;
    this.stub = new Ctor(address, options.credentials ?? grpc.credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 500,
      'grpc.keepalive_time_ms': 10_000,
    });
  }

  async get(key: string, options: KvCallOptions): Promise<JsonValue> {
    const res = await this.call<{ found: boolean; kv: { value: Buffer } | null }>('Get', { key: Buffer.from(key) }, options, true);
    if (!res.found || res.kv === null) return null;
    return decodeValue(res.kv.value);
  }

  async put(key: string, value: JsonValue, options: KvCallOptions): Promise<void> {
    await this.write('Put', { key: Buffer.from(key), value: encodeValue(value) }, options);
  }

  /**
   * succeeded=false is the state machine's answer at apply time: the compare did not match, and
   * `found`/`currentValue` is the value it found then (the linearization point), so the mismatch
   * and that value go into the history. A value that is not JSON (none of ours) is left unsaid.
   */
  async cas(key: string, expected: JsonValue, next: JsonValue, options: KvCallOptions): Promise<CasResult> {
    const req = {
      key: Buffer.from(key),
      ...(expected === null ? {} : { expectedValue: encodeValue(expected) }),
      newValue: encodeValue(next),
    };
    const res = await this.write<{ succeeded: boolean; found: boolean; currentValue: Buffer | null }>('CompareAndSwap', req, options);
    if (res.succeeded) return { swapped: true };
    if (!res.found) return { swapped: false, current: null };
    const current = res.currentValue === null ? undefined : tryDecodeValue(res.currentValue);
    return current === undefined ? { swapped: false } : { swapped: false, current };
  }

  async delete(key: string, options: KvCallOptions): Promise<void> {
    await this.write('Delete', { key: Buffer.from(key) }, options);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stub.close();
  }

  private async write<Res>(method: Method, body: object, options: KvCallOptions): Promise<Res> {
    const seq = this.nextSeq++;
    this.inflightSeqs.add(seq);
    const header = () => ({ clientId: this.clientId, seq: String(seq), firstIncompleteSeq: String(Math.min(...this.inflightSeqs)) });
    try {
      const res = await this.call<Res>(method, { ...body, header: header() }, options, false);
      if (this.options.random() < this.options.duplicateWriteFraction) {
        // A late duplicate of this completed write (same seq), sent while other writes go on.
        const dupHeader = header();
        setTimeout(() => {
          if (this.closed) return;
          const fn = this.stub[method].bind(this.stub) as unknown as (req: object, o: grpc.CallOptions, cb: () => void) => void;
          fn({ ...body, header: dupHeader }, { deadline: Date.now() + 2000 }, () => undefined);
        }, 20 + Math.floor(this.options.random() * 200));
      }
      return res;
    } finally {
      this.inflightSeqs.delete(seq);
    }
  }

  private call<Res>(method: Method, request: object, options: KvCallOptions, readOnly: boolean): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (options.signal.aborted) return reject(kvFailed('REJECTED', 'aborted before sending'));
      // Send only on a ready connection: then a failure to connect certainly sent nothing.
      this.stub.waitForReady(Date.now() + 1000, (err) => {
        if (err !== undefined && err !== null) return reject(kvFailed('CONNECTION_REFUSED', `${this.address}: ${err.message}`));
        if (options.signal.aborted) return reject(kvFailed('REJECTED', 'aborted before sending'));
        const fn = this.stub[method].bind(this.stub) as unknown as (req: object, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => grpc.ClientUnaryCall;
        const call = fn(request, new grpc.Metadata(), {}, (e, r) => {
          options.signal.removeEventListener('abort', onAbort);
          if (e === null && r !== undefined) resolve(r);
          else reject(toHarnessError(e === null ? new NodeKvError('INTERNAL', 'empty answer') : kvErrorFromServiceError(e), readOnly));
        });
        const onAbort = (): void => call.cancel();
        options.signal.addEventListener('abort', onAbort, { once: true });
      });
    });
  }
}

/** A node's error as the harness sees it: certain failure, or unknown outcome. */
function toHarnessError(e: NodeKvError, readOnly: boolean): KvError {
  const detail = `${e.code}: ${e.message}`;
  // A read has no effect whatever happened: any failure is a failure.
  if (readOnly) return kvFailed(e.code === 'NOT_LEADER' ? 'NOT_LEADER' : 'UNAVAILABLE', detail);
  if (!e.transportFailure && e.definitelyNotApplied) {
    return kvFailed(e.code === 'NOT_LEADER' ? 'NOT_LEADER' : e.code === 'INVALID_ARGUMENT' ? 'INVALID_ARGUMENT' : 'REJECTED', detail);
  }
  if (e.code === 'OUTCOME_UNKNOWN') return kvUnknown('OUTCOME_UNKNOWN', detail);
  return kvUnknown(e.transportFailure ? 'CONNECTION_LOST' : 'BAD_RESPONSE', detail);
}

/** JSON, with object keys sorted, so the same value is always the same bytes (CAS compares bytes). */
export function encodeValue(v: JsonValue): Buffer {
  return Buffer.from(JSON.stringify(sortKeys(v)));
}

function sortKeys(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, JsonValue>)[k]!);
    return out;
  }
  return v;
}

function decodeValue(b: Buffer): JsonValue {
  return JSON.parse(b.toString('utf8')) as JsonValue;
}

function tryDecodeValue(b: Buffer): JsonValue | undefined {
  try {
    return decodeValue(b);
  } catch {
    return undefined;
  }
}
