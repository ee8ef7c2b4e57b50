import type { StoreId } from '../../proto/range-descriptor.js';
import type { AdminApi, KvApi } from '../api/service-types.js';
import type { InternalApi } from '../transport/internal-api.js';
import type { PeerCalls } from '../transport/peer-calls.js';
import type { PeerTransport } from '../transport/peer-transport.js';

/** The node's links to its peers: raft traffic out, and calls on their public services. */
export interface PeerLinks {
  readonly transport: PeerTransport;
  readonly calls: PeerCalls;
}

/** Everything a node serves. */
export interface NodeServices {
  readonly kv: KvApi;
  readonly admin: AdminApi;
  readonly internal: InternalApi;
}

/**
 * The node's only way onto the network. Production: grpc/grpc-network.ts (a gRPC server and
 * clients); the whole-cluster simulator plugs every node into its fake network instead.
 */
export interface NodeNetwork {
  /**
   * Opens the links to the peer stores. `onPeerUnreachable` hears when a link to a peer broke or
   * could not be opened (its replicas are probably unreachable).
   */
  connect(onPeerUnreachable: (store: StoreId) => void): PeerLinks;
  /** Starts serving the node's services; resolves with the address (host:port) it listens on. */
  serve(services: NodeServices): Promise<string>;
  /** Stops accepting calls; resolves once in-flight ones finished or `graceMs` passed. */
  drain(graceMs: number): Promise<void>;
  /** Closes the server and every link at once. */
  close(): void;
}
