import * as grpc from '@grpc/grpc-js';
import { kvProto } from '../../../proto/grpc-definitions.js';
import { KvError, kvErrorFromServiceError } from '../../../proto/kv-error.js';
import type { KVClient } from '../../../proto/generated/rangekv/v1/KV.js';

/**
 * A deliberately thin KV client for integration tests: one node, raw requests, typed errors. The
 * product client (client/) adds routing and retries; tests of the node itself want to see
 * exactly what one node answers.
 */
export class TestKvClient {
  private readonly client: KVClient;

  constructor(
    readonly address: string,
    credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {
    const Ctor = kvProto().rangekv.v1.KV;
    this.client = new Ctor(address, credentials, { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 200 });
  }

  call<Res>(method: 'Get' | 'BatchGet' | 'Put' | 'Delete' | 'Scan' | 'CompareAndSwap' | 'Locate', request: object, timeoutMs = 3000): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const fn = this.client[method].bind(this.client) as unknown as (
        req: object,
        md: grpc.Metadata,
        opts: grpc.CallOptions,
        cb: (err: grpc.ServiceError | null, res?: Res) => void,
      ) => grpc.ClientUnaryCall;
      fn(request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err !== null) reject(kvErrorFromServiceError(err));
        else if (res === undefined) reject(new KvError('INTERNAL', 'empty answer'));
        else resolve(res);
      });
    });
  }

  async put(key: string, value: string, extra: object = {}, timeoutMs?: number): Promise<{ version: string; header: { sessionToken: Buffer } }> {
    return this.call('Put', { key: Buffer.from(key), value: Buffer.from(value), ...extra }, timeoutMs);
  }

  async get(key: string, extra: object = {}, timeoutMs?: number): Promise<string | null> {
    const r = await this.call<{ found: boolean; kv: { value: Buffer } | null }>('Get', { key: Buffer.from(key), ...extra }, timeoutMs);
    return r.found && r.kv !== null ? r.kv.value.toString() : null;
  }

  close(): void {
    this.client.close();
  }
}

/** Retries `f` until it succeeds or `timeoutMs` passes (for waiting out elections). */
export async function eventually<T>(f: () => Promise<T>, timeoutMs: number, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await f();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
  throw last instanceof Error ? last : new Error(`eventually timed out: ${String(last)}`);
}
