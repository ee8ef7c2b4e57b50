import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * A minimal etcd v3 gRPC client for the benchmark: KV.Put, KV.Range and Maintenance.Status over the
 * hand-written bench/etcd/etcd-kv.proto. Raw stubs, no retries, no load balancing: requests go to
 * the one endpoint given (the benchmark points it at the leader).
 */

export interface EtcdPutRequest {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface EtcdRangeRequest {
  readonly key: Uint8Array;
  /** false = linearizable (etcd's default: a ReadIndex round before the read). */
  readonly serializable: boolean;
}

export interface EtcdRangeResponse {
  readonly kvs: readonly { readonly key: Buffer; readonly value: Buffer }[];
}

export interface EtcdStatusResponse {
  readonly header: { readonly memberId: string } | null;
  /** Member id (decimal) of the leader as this member sees it; "0" when none. */
  readonly leader: string;
  readonly version: string;
}

type Unary<Req, Res> = (request: Req, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, res?: Res) => void) => grpc.ClientUnaryCall;

interface KvStub extends grpc.Client {
  Put: Unary<EtcdPutRequest, unknown>;
  Range: Unary<EtcdRangeRequest, EtcdRangeResponse>;
}

interface MaintenanceStub extends grpc.Client {
  Status: Unary<Record<string, never>, EtcdStatusResponse>;
}

interface EtcdPackage {
  readonly etcdserverpb: {
    readonly KV: new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => KvStub;
    readonly Maintenance: new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => MaintenanceStub;
  };
}

let loaded: EtcdPackage | undefined;

/** bench/etcd/etcd-kv.proto, found from here whether running from source or from dist/. */
function protoPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'bench', 'etcd', 'etcd-kv.proto');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('cannot find bench/etcd/etcd-kv.proto');
}

function etcdPackage(): EtcdPackage {
  if (loaded === undefined) {
    const def = protoLoader.loadSync(protoPath(), { longs: String, enums: String, defaults: true, oneofs: true });
    // The loader's result is untyped; EtcdPackage describes exactly the services the .proto declares.
    loaded = grpc.loadPackageDefinition(def) as unknown as EtcdPackage;
  }
  return loaded;
}

function call<Req, Res>(fn: Unary<Req, Res>, stub: grpc.Client, request: Req, deadlineMs: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn.call(stub, request, { deadline: Date.now() + deadlineMs }, (err, res) => {
      if (err !== null) reject(err);
      else if (res === undefined) reject(new Error('etcd: empty answer'));
      else resolve(res);
    });
  });
}

export class EtcdClient {
  private readonly kv: KvStub;
  private readonly maintenance: MaintenanceStub;

  constructor(readonly address: string) {
    const pkg = etcdPackage().etcdserverpb;
    // Same channel settings as our client's pool, minus what etcd has no use for.
    const options: grpc.ChannelOptions = { 'grpc.enable_retries': 0, 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5_000 };
    this.kv = new pkg.KV(address, grpc.credentials.createInsecure(), options);
    // The Maintenance stub shares the KV stub's channel, so it opens no second connection.
    this.maintenance = new pkg.Maintenance(address, grpc.credentials.createInsecure(), { ...options, channelOverride: this.kv.getChannel() });
  }

  async put(key: Uint8Array, value: Uint8Array, deadlineMs = 10_000): Promise<void> {
    await call(this.kv.Put, this.kv, { key, value }, deadlineMs);
  }

  /** Linearizable get of one key: true when it has a value. */
  async get(key: Uint8Array, deadlineMs = 10_000): Promise<boolean> {
    const r = await call(this.kv.Range, this.kv, { key, serializable: false }, deadlineMs);
    return r.kvs.length > 0;
  }

  status(deadlineMs = 2_000): Promise<EtcdStatusResponse> {
    return call(this.maintenance.Status, this.maintenance, {}, deadlineMs);
  }

  close(): void {
    this.kv.close();
  }
}
