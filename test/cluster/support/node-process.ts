/**
 * Child-process entry for integration tests and the fault harness: runs one rangekv node from a
 * JSON description (argv[2], base64) and prints `READY <address>` once it serves. SIGTERM/SIGINT
 * stop it gracefully; SIGKILL is the crash the tests want.
 */
import pino from 'pino';
import { parseClusterConfig } from '../../../cluster/config/cluster-config.js';
import { startNode } from '../../../cluster/grpc/start-node.js';
import { insecureNetwork } from '../../../cluster/grpc/network-security.js';
import { ReloadableTlsIdentity } from '../../../cluster/grpc/tls-credentials.js';
import type { FaultSwitches } from '../../../cluster/config/node-options.js';
import { storeId, type StoreId } from '../../../proto/range-descriptor.js';

export interface NodeProcessSpec {
  readonly cluster: unknown;
  readonly storeId: number;
  readonly dataDir: string;
  readonly peerOverrides?: Record<string, string>;
  readonly tickMs?: number;
  readonly electionTimeoutTicks?: number;
  readonly leaseReads?: boolean;
  readonly logLevel?: string;
  readonly faults?: FaultSwitches;
  readonly logTruncateThresholdEntries?: number;
  readonly logRetainEntries?: number;
  readonly inflightRequestsMax?: number;
  /** Exit when stdin closes: the node dies with its parent even if the parent was SIGKILLed. */
  readonly exitOnStdinClose?: boolean;
  /** Mutual TLS with these files (as `rangekv start --tls-*`); plaintext without. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string; readonly admins?: readonly string[] };
}

const spec = JSON.parse(Buffer.from(process.argv[2] ?? '', 'base64').toString('utf8')) as NodeProcessSpec;
const logger = pino({ level: spec.logLevel ?? 'info' });
const overrides = new Map<StoreId, string>();
for (const [k, v] of Object.entries(spec.peerOverrides ?? {})) overrides.set(storeId(Number(k)), v);
const node = await startNode({
  cluster: parseClusterConfig(spec.cluster),
  storeId: storeId(spec.storeId),
  dataDir: spec.dataDir,
  logger,
  peerAddressOverrides: overrides,
  ...(spec.tickMs !== undefined ? { tickMs: spec.tickMs } : {}),
  ...(spec.electionTimeoutTicks !== undefined ? { electionTimeoutTicks: spec.electionTimeoutTicks } : {}),
  ...(spec.leaseReads !== undefined ? { leaseReads: spec.leaseReads } : {}),
  ...(spec.faults !== undefined ? { faults: spec.faults } : {}),
  ...(spec.logTruncateThresholdEntries !== undefined ? { logTruncateThresholdEntries: spec.logTruncateThresholdEntries } : {}),
  ...(spec.logRetainEntries !== undefined ? { logRetainEntries: spec.logRetainEntries } : {}),
  ...(spec.inflightRequestsMax !== undefined ? { inflightRequestsMax: spec.inflightRequestsMax } : {}),
}, spec.tls === undefined ? insecureNetwork : { mode: 'tls', identity: new ReloadableTlsIdentity(spec.tls), adminNames: new Set(spec.tls.admins ?? ['root']) });
process.stdout.write(`READY ${node.address}\n`);
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  void node.stop(signal).then(() => process.exit(0));
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
if (spec.exitOnStdinClose === true) {
  process.stdin.on('end', () => stop('stdin closed'));
  process.stdin.on('close', () => stop('stdin closed'));
  process.stdin.resume();
}
