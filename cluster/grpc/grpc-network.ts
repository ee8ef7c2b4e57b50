import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { adminProto, internalProto, kvProto } from '../../proto/grpc-definitions.js';
import type { StoreId } from '../../proto/range-descriptor.js';
import type { NodeNetwork, NodeServices, PeerLinks } from '../ports/node-network.js';
import { GrpcPeerCalls } from './grpc-peer-calls.js';
import { GrpcTransport } from './grpc-transport.js';
import { internalHandlers } from './internal-grpc.js';
import { adminHandlers, kvHandlers } from './service-bindings.js';
import { accessPolicy, callerIdentity, channelCredentials, serverCredentials, type NetworkSecurity } from './network-security.js';
import { KvError } from '../../proto/kv-error.js';
import { ClientAdmission } from './security/client-admission.js';
import type { PeerIdentity } from './security/peer-identity.js';
import { adminRefusal } from './security/access-policy.js';
import { realClock } from '../ports/real-ports.js';
import { LogLimiter } from '../util/log-limiter.js';
import { withMalformedRequests } from './request-decoding.js';

export interface GrpcNetworkOptions {
  readonly clusterId: string;
  readonly storeId: StoreId;
  /** host:port to listen on (port 0: any free port). */
  readonly listenAddress: string;
  /** Address to dial for each peer store. */
  readonly peers: ReadonlyMap<StoreId, string>;
  readonly logger: Logger;
  /** Plaintext and open, or mutual TLS with per-call authorization. */
  readonly security: NetworkSecurity;
  /** Client API and admin calls one client may have in flight here (see ClientAdmission). */
  readonly clientInflightRequestsMax: number;
}

/** Calls (streams) in flight on one client connection; beyond it the client's extra calls wait. */
const maxConcurrentStreamsPerConnection = 1_000;
/** A connection with no call in flight for this long is closed. */
const connectionIdleMsMax = 5 * 60_000;

/** The node on a real network: one gRPC server for its services, gRPC clients to its peers. */
export class GrpcNetwork implements NodeNetwork {
  private server: grpc.Server | undefined;
  private links: { transport: GrpcTransport; calls: GrpcPeerCalls } | undefined;
  /** Calls refused for their caller's certificate (admin without an admin certificate, internal without a node one). */
  refusedCalls = 0;
  /** Calls refused because their client already had its share of the node in flight. */
  clientOverloads = 0;
  private readonly refusalLogs = new LogLimiter(realClock);
  readonly clients: ClientAdmission;

  constructor(private readonly o: GrpcNetworkOptions) {
    this.clients = new ClientAdmission(o.clientInflightRequestsMax);
  }

  connect(onPeerUnreachable: (store: StoreId) => void): PeerLinks {
    const credentials = (store: StoreId): grpc.ChannelCredentials => channelCredentials(this.o.security, store);
    const transport = new GrpcTransport({ clusterId: this.o.clusterId, storeId: this.o.storeId, peers: this.o.peers, logger: this.o.logger, onUnreachable: onPeerUnreachable, credentials });
    const calls = new GrpcPeerCalls(this.o.peers, credentials);
    this.links = { transport, calls };
    return this.links;
  }

  async serve(services: NodeServices): Promise<string> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': 64 << 20,
      'grpc.max_send_message_length': 64 << 20,
      // Bounded per connection: streams in flight on one connection, and how long a connection
      // with no call may stay open (clients and peers reconnect transparently).
      'grpc.max_concurrent_streams': maxConcurrentStreamsPerConnection,
      'grpc.max_connection_idle_ms': connectionIdleMsMax,
    });
    const policy = accessPolicy(this.o.security);
    const refused = (error: KvError, details: Record<string, unknown>): void => {
      this.refusedCalls++;
      const allowed = this.refusalLogs.allow(error.code);
      if (allowed !== undefined) this.o.logger.warn({ ...details, code: error.code, reason: error.message, suppressed: allowed.suppressed }, 'call refused');
    };
    const admitClient = (call: grpc.ServerUnaryCall<unknown, unknown>, identity: PeerIdentity): KvError | (() => void) => {
      const admitted = this.clients.admit(identity, call.getPeer());
      if (admitted instanceof KvError) {
        this.clientOverloads++;
        const allowed = this.refusalLogs.allow('client-overloaded');
        if (allowed !== undefined) this.o.logger.warn({ peer: call.getPeer(), reason: admitted.message, suppressed: allowed.suppressed }, 'client over its in-flight share; call refused');
      }
      return admitted;
    };
    const kvAdmission = (call: grpc.ServerUnaryCall<unknown, unknown>): KvError | (() => void) => admitClient(call, callerIdentity(call));
    const adminAdmission = (call: grpc.ServerUnaryCall<unknown, unknown>): KvError | (() => void) => {
      const identity = callerIdentity(call);
      const refusal = adminRefusal(policy, identity);
      if (refusal !== undefined) {
        refused(refusal, { peer: call.getPeer(), service: 'admin' });
        return refusal;
      }
      return admitClient(call, identity);
    };
    server.addService(withMalformedRequests(kvProto().rangekv.v1.KV.service), kvHandlers(services.kv, this.o.logger, kvAdmission));
    server.addService(withMalformedRequests(adminProto().rangekv.v1.Admin.service), adminHandlers(services.admin, this.o.logger, adminAdmission));
    server.addService(withMalformedRequests(internalProto().rangekv.internal.v1.Internal.service), internalHandlers(services.internal, { policy, refused }));
    const address = this.o.listenAddress;
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, serverCredentials(this.o.security), (err, p) => (err === null ? resolve(p) : reject(err)));
    });
    this.server = server;
    return `${address.slice(0, address.lastIndexOf(':'))}:${port}`;
  }

  async drain(graceMs: number): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    await Promise.race([new Promise<void>((resolve) => server.tryShutdown(() => resolve())), new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref())]);
  }

  close(): void {
    this.server?.forceShutdown();
    this.server = undefined;
    this.links?.transport.close();
    this.links?.calls.close();
  }
}
