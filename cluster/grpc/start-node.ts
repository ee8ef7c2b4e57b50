import type { NodeOptions, RunningNode } from '../config/node-options.js';
import { Node } from '../node/node.js';
import { noFaultPoints } from '../ports/fault-points.js';
import { exitProcess, realClock, realRng, realTimers } from '../ports/real-ports.js';
import type { StoreId } from '../../proto/range-descriptor.js';
import { GrpcNetwork } from './grpc-network.js';
import { clientInflightRequestsMaxDefault } from './security/client-admission.js';
import { resolveOptions } from '../node/resolved-options.js';
import { insecureNetwork, type NetworkSecurity } from './network-security.js';

/**
 * A node process as production runs it: real clock, timers and randomness, gRPC, crash-only exit.
 * `security` defaults to plaintext for tests; `rangekv start` always passes it explicitly.
 */
export async function startNode(options: NodeOptions, security: NetworkSecurity = insecureNetwork): Promise<RunningNode> {
  const self = options.cluster.stores.find((s) => s.storeId === options.storeId);
  const peers = new Map<StoreId, string>();
  for (const s of options.cluster.stores) if (s.storeId !== options.storeId) peers.set(s.storeId, options.peerAddressOverrides?.get(s.storeId) ?? s.address);
  const network = new GrpcNetwork({
    clusterId: options.cluster.clusterId,
    storeId: options.storeId,
    listenAddress: options.listenAddress ?? self?.address ?? '127.0.0.1:0',
    peers,
    logger: options.logger.child({ storeId: options.storeId }),
    security,
    clientInflightRequestsMax: options.clientInflightRequestsMax ?? clientInflightRequestsMaxDefault(resolveOptions(options).inflightRequestsMax),
  });
  return Node.start(options, { clock: realClock, timers: realTimers, rng: realRng(), faults: noFaultPoints, network, exit: exitProcess });
}
