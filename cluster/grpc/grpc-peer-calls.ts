import * as grpc from '@grpc/grpc-js';
import type { AdminClient } from '../../proto/generated/rangekv/v1/Admin.js';
import type { KVClient } from '../../proto/generated/rangekv/v1/KV.js';
import { adminProto, kvProto } from '../../proto/grpc-definitions.js';
import { KvError, kvErrorFromServiceError } from '../../proto/kv-error.js';
import type { StoreId } from '../../proto/range-descriptor.js';
import type { AdminMethod, KvMethod, PeerCalls } from '../transport/peer-calls.js';
import { deadlineToGrpc } from './grpc-deadline.js';

type UnaryFn<Req, Res> = (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => grpc.ClientUnaryCall;

const channelOptions: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.max_receive_message_length': 64 << 20,
};

/** PeerCalls over gRPC: one KV and one Admin client per peer store, made on first use. */
export class GrpcPeerCalls implements PeerCalls {
  private readonly kvClients = new Map<StoreId, KVClient>();
  private readonly adminClients = new Map<StoreId, AdminClient>();

  /** `addresses`: what this node dials to reach each store (may be the fault harness's proxies). */
  constructor(
    private readonly addresses: ReadonlyMap<StoreId, string>,
    private readonly credentials: (store: StoreId) => grpc.ChannelCredentials = () => grpc.credentials.createInsecure(),
  ) {}

  kv<Req, Res>(store: StoreId, method: KvMethod, request: Req, deadlineAtMs: number): Promise<Res> {
    const client = this.client(this.kvClients, store, (a) => new (kvProto().rangekv.v1.KV)(a, this.credentials(store), channelOptions));
    if (client === undefined) return Promise.reject(new KvError('UNAVAILABLE', `no address for store ${store}`));
    return call<Req, Res>(client[method].bind(client) as unknown as UnaryFn<Req, Res>, request, deadlineAtMs);
  }

  admin<Req, Res>(store: StoreId, method: AdminMethod, request: Req, deadlineAtMs: number): Promise<Res> {
    const client = this.client(this.adminClients, store, (a) => new (adminProto().rangekv.v1.Admin)(a, this.credentials(store), channelOptions));
    if (client === undefined) return Promise.reject(new KvError('UNAVAILABLE', `no address for store ${store}`));
    return call<Req, Res>(client[method].bind(client) as unknown as UnaryFn<Req, Res>, request, deadlineAtMs);
  }

  private client<C>(clients: Map<StoreId, C>, store: StoreId, make: (address: string) => C): C | undefined {
    let c = clients.get(store);
    if (c !== undefined) return c;
    const address = this.addresses.get(store);
    if (address === undefined) return undefined;
    c = make(address);
    clients.set(store, c);
    return c;
  }

  close(): void {
    for (const c of this.kvClients.values()) c.close();
    for (const c of this.adminClients.values()) c.close();
    this.kvClients.clear();
    this.adminClients.clear();
  }
}

function call<Req, Res>(fn: UnaryFn<Req, Res>, request: Req, deadlineAtMs: number): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    fn(request, new grpc.Metadata(), { deadline: deadlineToGrpc(deadlineAtMs) }, (err, res) => {
      if (err !== null) reject(kvErrorFromServiceError(err));
      else if (res === undefined) reject(new KvError('INTERNAL', 'empty answer'));
      else resolve(res);
    });
  });
}
