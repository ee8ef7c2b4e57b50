import * as grpc from '@grpc/grpc-js';
import type { KVClient } from '../proto/generated/rangekv/v1/KV.js';
import { kvProto } from '../proto/grpc-definitions.js';

export interface ChannelPoolOptions {
  /** Ping an idle connection this often, so a dead peer is noticed before a write is sent on it. */
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
  /** Reconnect backoff bounds: a node that comes back is found again within the max. */
  readonly reconnectBackoffInitialMs: number;
  readonly reconnectBackoffMaxMs: number;
  /** Largest answer accepted (a scan page). */
  readonly receiveMessageBytesMax: number;
  /** TLS (CA, and this client's certificate and key if it has one); null: plaintext. */
  readonly tls: { readonly ca: Buffer; readonly cert: Buffer | null; readonly key: Buffer | null } | null;
}

/** One gRPC channel (and KV stub) per address, created on first use; `close` closes them all. */
export class ChannelPool {
  private readonly stubs = new Map<string, KVClient>();
  private closed = false;

  private readonly credentials: grpc.ChannelCredentials;

  constructor(private readonly options: ChannelPoolOptions) {
    const t = options.tls;
    this.credentials = t === null ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(t.ca, t.key, t.cert);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The stub for `address`; undefined once the pool is closed. */
  stub(address: string): KVClient | undefined {
    if (this.closed) return undefined;
    let s = this.stubs.get(address);
    if (s === undefined) {
      const o = this.options;
      const KV = kvProto().rangekv.v1.KV;
      s = new KV(address, this.credentials, {
        'grpc.keepalive_time_ms': o.keepaliveTimeMs,
        'grpc.keepalive_timeout_ms': o.keepaliveTimeoutMs,
        'grpc.keepalive_permit_without_calls': 1,
        'grpc.initial_reconnect_backoff_ms': o.reconnectBackoffInitialMs,
        'grpc.max_reconnect_backoff_ms': o.reconnectBackoffMaxMs,
        'grpc.max_receive_message_length': o.receiveMessageBytesMax,
        // The client does its own retries with exactly-once sequence numbers; gRPC's would not know them.
        'grpc.enable_retries': 0,
      });
      this.stubs.set(address, s);
    }
    return s;
  }

  close(): void {
    this.closed = true;
    for (const s of this.stubs.values()) s.close();
    this.stubs.clear();
  }
}
