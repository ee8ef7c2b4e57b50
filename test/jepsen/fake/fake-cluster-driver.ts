/**
 * The fake cluster: N real processes of fake-kv-server.ts (node n1 is the primary holding the
 * data, the others forward to it through the harness's proxies). Correct, it is linearizable; with
 * bug "stale-reads" followers serve reads from a lagging copy. It proves the harness end to end
 * before the real node exists.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterCallOptions, ClusterDriver, ClusterDriverOptions, ClusterNode, ClusterSetup, NodeProcessSpec } from '../cluster-driver.js';
import type { KvClient } from '../kv-client.js';
import { FakeKvClient } from './fake-kv-client.js';
import type { FakeHealth } from './fake-kv-protocol.js';
import { resolveFakeServerScript } from './fake-server-script.js';

export const FAKE_BUGS = ['stale-reads'] as const;
export type FakeBug = (typeof FAKE_BUGS)[number];

export function isFakeBug(value: string): value is FakeBug {
  return (FAKE_BUGS as readonly string[]).includes(value);
}

export interface FakeClusterOptions {
  readonly serverScript: string;
  readonly bug: FakeBug | null;
  readonly syncIntervalMs?: number;
  readonly forwardTimeoutMs?: number;
  readonly lifetimeMsMax?: number;
}

const PROBE_TIMEOUT_MS = 500;
const PROBE_INTERVAL_MS = 50;

export class FakeClusterDriver implements ClusterDriver {
  readonly name = 'fake';
  private nodes: readonly ClusterNode[] = [];
  private readonly clients: FakeKvClient[] = [];
  /** One per node for probes and admin calls. */
  private readonly adminClients = new Map<number, FakeKvClient>();

  constructor(private readonly options: FakeClusterOptions) {}

  nodeProcessSpec(setup: ClusterSetup, node: ClusterNode): NodeProcessSpec {
    this.nodes = setup.nodes;
    return {
      command: process.execPath,
      args: [
        this.options.serverScript,
        '--index', String(node.index),
        '--host', node.host,
        '--client-port', String(node.clientPort),
        '--peer-port', String(node.peerPort),
        `--peers=${node.peerAddresses.map((a) => a ?? '-').join(',')}`,
        '--data-dir', node.dataDir,
        '--bug', this.options.bug ?? 'none',
        '--sync-interval-ms', String(this.options.syncIntervalMs ?? 300),
        '--forward-timeout-ms', String(this.options.forwardTimeoutMs ?? 1000),
        '--lifetime-ms-max', String(this.options.lifetimeMsMax ?? 3_600_000),
        '--exit-on-stdin-close',
      ],
      cwd: setup.runDir,
      exitsOnStdinClose: true,
    };
  }

  async start(setup: ClusterSetup, options: ClusterCallOptions): Promise<void> {
    this.nodes = setup.nodes;
    const healthy = await this.awaitHealthy(options);
    if (!healthy) throw new Error(`fake cluster: not every node answered /health within ${options.timeoutMs} ms`);
  }

  client(nodeIndex: number): KvClient {
    const client = new FakeKvClient(this.node(nodeIndex).host, this.node(nodeIndex).clientPort);
    this.clients.push(client);
    return client;
  }

  /** Every node answers /health, and a read through every node reaches the primary. */
  async awaitHealthy(options: ClusterCallOptions): Promise<boolean> {
    const deadlineMs = Date.now() + options.timeoutMs;
    const pending = new Set(this.nodes.map((n) => n.index));
    while (pending.size > 0 && Date.now() < deadlineMs && !options.signal.aborted) {
      for (const index of [...pending]) {
        const client = this.fakeClient(index);
        try {
          const signal = AbortSignal.any([options.signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]);
          await client.health({ signal });
          await client.get('jepsen/probe', { signal });
          pending.delete(index);
        } catch {
          // not yet
        }
      }
      if (pending.size > 0) await sleep(PROBE_INTERVAL_MS);
    }
    return pending.size === 0;
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
    await Promise.all([...this.adminClients.values()].map((c) => c.close()));
    this.adminClients.clear();
  }

  /** The primary always leads. */
  leaderOf(): Promise<number | null> {
    return Promise.resolve(0);
  }

  async setClockOffsetMs(nodeIndex: number, offsetMs: number, options: ClusterCallOptions): Promise<void> {
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
    await this.fakeClient(nodeIndex).setClockOffsetMs(offsetMs, { signal });
  }

  /** /health of one node (clock tests read its wall clock). */
  health(nodeIndex: number, options: ClusterCallOptions): Promise<FakeHealth> {
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
    return this.fakeClient(nodeIndex).health({ signal });
  }

  private fakeClient(nodeIndex: number): FakeKvClient {
    const existing = this.adminClients.get(nodeIndex);
    if (existing !== undefined) return existing;
    const node = this.node(nodeIndex);
    const client = new FakeKvClient(node.host, node.clientPort);
    this.adminClients.set(nodeIndex, client);
    return client;
  }

  private node(nodeIndex: number): ClusterNode {
    const node = this.nodes[nodeIndex];
    if (node === undefined) throw new RangeError(`fake cluster has no node ${nodeIndex}`);
    return node;
  }
}

export async function createFakeClusterDriver(options: ClusterDriverOptions): Promise<FakeClusterDriver> {
  if (options.tls === true) throw new Error('fake cluster: no TLS (use --cluster rangekv)');
  if (options.bug !== null && !isFakeBug(options.bug)) {
    throw new Error(`fake cluster: unknown bug "${options.bug}" (known: ${FAKE_BUGS.join(', ')})`);
  }
  const serverScript = await resolveFakeServerScript(options.scratchDir);
  return new FakeClusterDriver({ serverScript, bug: options.bug });
}
