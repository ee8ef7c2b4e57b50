/**
 * The harness's driver for real rangekv nodes. Each node is a process of
 * test/cluster/support/node-process.js (the node with its test-only fault switches), whose peer
 * addresses are the harness's link proxies, so partitions cut its raft traffic and forwarding.
 * Several ranges (split between the workloads' keys) with 3 replicas each, spread over the nodes.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { createCa, createClientCert, createNodeCert } from '../../../cluster/grpc/security/certificates.js';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { clusterConfigToJson, localClusterConfig, type ClusterConfig } from '../../../cluster/config/cluster-config.js';
import type { FaultSwitches } from '../../../cluster/config/node-options.js';
import { SeededRng } from '../../../raft/index.js';
import { adminCall } from '../../cluster/support/test-admin-client.js';
import { TestKvClient } from '../../cluster/support/test-kv-client.js';
import type { NodeProcessSpec as NodeSpecJson } from '../../cluster/support/node-process.js';
import type { ClusterCallOptions, ClusterDriver, ClusterDriverOptions, ClusterNode, ClusterSetup, MembershipChange, NodeProcessSpec } from '../cluster-driver.js';
import type { KvClient } from '../kv-client.js';
import { RangekvKvClient } from './rangekv-kv-client.js';

/** Test-only faults of the node, by --bug name (each breaks a guarantee the README promises). */
export const RANGEKV_BUGS: Readonly<Record<string, FaultSwitches>> = {
  'stale-reads': { staleReads: true },
  'ack-before-commit': { ackBeforeCommit: true },
  'skip-dedup': { skipDedup: true },
};

/** Split keys between the workloads' key names (r0, r1, … and s0, s1, …): four ranges. */
const splitKeys = ['r3', 'r6', 's'];
const healthKeys = ['health-r0', 'r4-health', 'r7-health', 's0-health'];

interface LocateAnswer {
  ranges: { rangeId: string; leaderStoreId: string; replicas: { storeId: string; learner: boolean }[] }[];
}

export class RangekvClusterDriver implements ClusterDriver {
  readonly name = 'rangekv';
  private nodes: readonly ClusterNode[] = [];
  private config: ClusterConfig | undefined;
  private readonly clients: KvClient[] = [];
  private readonly probes = new Map<number, TestKvClient>();
  private readonly rng: SeededRng;

  /** With TLS: the certificates made for this run (a CA, a node certificate per store, `root`). */
  private certsDir: string | undefined;

  constructor(
    private readonly faults: FaultSwitches,
    seed: number,
    /** Run the nodes with mutual TLS, as the README's production start does. */
    private readonly tls = false,
  ) {
    this.rng = new SeededRng(seed);
  }

  private certs(setup: ClusterSetup): string {
    if (this.certsDir !== undefined) return this.certsDir;
    const dir = join(setup.runDir, 'certs');
    createCa(dir, { overwrite: true });
    for (const n of setup.nodes) createNodeCert(dir, ['127.0.0.1', 'localhost', n.host], { storeIds: [n.index + 1], overwrite: true });
    createClientCert(dir, 'root', { overwrite: true });
    this.certsDir = dir;
    return dir;
  }

  /** What clients, probes and nemeses dial with: the root client certificate under TLS. */
  private credentials(): grpc.ChannelCredentials | undefined {
    const dir = this.certsDir;
    if (dir === undefined) return undefined;
    const file = (name: string): Buffer => readFileSync(join(dir, name));
    return grpc.credentials.createSsl(file('ca.crt'), file('client.root.key'), file('client.root.crt'));
  }

  private address(node: ClusterNode): string {
    return `${node.host}:${node.peerPort}`;
  }

  private clusterConfig(setup: ClusterSetup): ClusterConfig {
    if (this.config !== undefined) return this.config;
    const base = localClusterConfig({ clusterId: `jepsen-${setup.seed}`, stores: setup.nodes.length, basePort: 0, splitKeys, replicas: 3 });
    this.config = { ...base, stores: base.stores.map((s, i) => ({ ...s, address: this.address(setup.nodes[i]!) })) };
    return this.config;
  }

  nodeProcessSpec(setup: ClusterSetup, node: ClusterNode): NodeProcessSpec {
    this.nodes = setup.nodes;
    const peerOverrides: Record<string, string> = {};
    node.peerAddresses.forEach((a, j) => {
      if (a !== null) peerOverrides[String(j + 1)] = a;
    });
    const spec: NodeSpecJson = {
      cluster: clusterConfigToJson(this.clusterConfig(setup)),
      storeId: node.index + 1,
      dataDir: node.dataDir,
      peerOverrides,
      tickMs: 100,
      electionTimeoutTicks: 10,
      logLevel: 'info',
      faults: this.faults,
      exitOnStdinClose: true,
      ...(this.tls ? { tls: { certFile: join(this.certs(setup), `node.${node.index + 1}.crt`), keyFile: join(this.certs(setup), `node.${node.index + 1}.key`), caFile: join(this.certs(setup), 'ca.crt') } } : {}),
    };
    return {
      command: process.execPath,
      args: [nodeProcessScript(), Buffer.from(JSON.stringify(spec)).toString('base64')],
      cwd: setup.runDir,
      exitsOnStdinClose: true,
    };
  }

  async start(setup: ClusterSetup, options: ClusterCallOptions): Promise<void> {
    this.nodes = setup.nodes;
    if (!(await this.awaitHealthy(options))) throw new Error(`rangekv: the cluster did not serve through every node within ${options.timeoutMs} ms`);
  }

  client(nodeIndex: number): KvClient {
    const rng = this.rng.fork();
    const credentials = this.credentials();
    const c = new RangekvKvClient(this.address(this.node(nodeIndex)), { duplicateWriteFraction: 0.1, random: () => rng.float(), ...(credentials !== undefined ? { credentials } : {}) });
    this.clients.push(c);
    return c;
  }

  /** Every node serves a linearizable write and read of every range (through its gateway). */
  async awaitHealthy(options: ClusterCallOptions): Promise<boolean> {
    const deadline = Date.now() + options.timeoutMs;
    const pending = new Set(this.nodes.map((n) => n.index));
    while (pending.size > 0 && Date.now() < deadline && !options.signal.aborted) {
      for (const i of [...pending]) {
        try {
          const c = this.probe(i);
          // One key in each of the four ranges: a write and a read through this node's gateway.
          for (const key of healthKeys) {
            await c.put(key, String(i), {}, 1000);
            await c.get(key, {}, 1000);
          }
          pending.delete(i);
        } catch {
          // not yet
        }
      }
      if (pending.size > 0) await sleep(200);
    }
    return pending.size === 0;
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
    for (const p of this.probes.values()) p.close();
    this.probes.clear();
  }

  async leaderOf(key: string, options: ClusterCallOptions): Promise<number | null> {
    const loc = await this.locate(key, options);
    const leader = Number(loc?.leaderStoreId ?? '0');
    return leader > 0 ? leader - 1 : null;
  }

  async replicasOf(key: string, options: ClusterCallOptions): Promise<readonly number[]> {
    const loc = await this.locate(key, options);
    return loc === undefined ? this.nodes.map((n) => n.index) : loc.replicas.map((r) => Number(r.storeId) - 1);
  }

  async transferLeader(key: string, toNode: number, options: ClusterCallOptions): Promise<void> {
    const loc = await this.locate(key, options);
    if (loc === undefined) throw new Error(`no range found for ${key}`);
    await this.admin('TransferLeader', { rangeId: loc.rangeId, toStoreId: String(toNode + 1) }, options);
  }

  /** Adds a replica (as a learner, then promoted), removes one, or moves one (add, then swap). */
  async changeMembership(change: MembershipChange, options: ClusterCallOptions): Promise<void> {
    const loc = await this.locate(change.key, options);
    if (loc === undefined) throw new Error(`no range found for ${change.key}`);
    const rangeId = loc.rangeId;
    if (change.addNode !== null) {
      const store = String(change.addNode + 1);
      const existing = loc.replicas.find((r) => r.storeId === store);
      if (existing === undefined) await this.admin('ChangeReplicas', { rangeId, changes: [{ op: 'ADD_LEARNER', storeId: store }] }, options);
      const promote = existing === undefined || existing.learner ? [{ op: 'ADD_VOTER', storeId: store }] : [];
      const remove = change.removeNode !== null ? [{ op: 'REMOVE', storeId: String(change.removeNode + 1) }] : [];
      if (promote.length + remove.length > 0) await this.admin('ChangeReplicas', { rangeId, changes: [...promote, ...remove] }, options);
    } else if (change.removeNode !== null) {
      await this.admin('ChangeReplicas', { rangeId, changes: [{ op: 'REMOVE', storeId: String(change.removeNode + 1) }] }, options);
    }
  }

  private async locate(key: string, options: ClusterCallOptions): Promise<LocateAnswer['ranges'][number] | undefined> {
    for (const n of this.nodes) {
      if (options.signal.aborted) break;
      try {
        const r = await this.probe(n.index).call<LocateAnswer>('Locate', { key: Buffer.from(key), limit: 1 }, Math.min(1000, options.timeoutMs));
        if (r.ranges[0] !== undefined) return r.ranges[0];
      } catch {
        // try the next node
      }
    }
    return undefined;
  }

  private async admin(method: 'TransferLeader' | 'ChangeReplicas', request: object, options: ClusterCallOptions): Promise<void> {
    let last: unknown;
    for (const n of this.nodes) {
      if (options.signal.aborted) break;
      try {
        await adminCall(this.address(n), method, request, options.timeoutMs, this.credentials());
        return;
      } catch (e) {
        last = e;
        if ((e as { code?: string }).code === 'INVALID_ARGUMENT') throw e;
      }
    }
    throw last instanceof Error ? last : new Error(`admin ${method} failed`);
  }

  private probe(i: number): TestKvClient {
    let c = this.probes.get(i);
    if (c === undefined) this.probes.set(i, (c = new TestKvClient(this.address(this.node(i)), this.credentials())));
    return c;
  }

  private node(i: number): ClusterNode {
    const n = this.nodes[i];
    if (n === undefined) throw new Error(`no node ${i}`);
    return n;
  }
}

export async function createRangekvClusterDriver(o: ClusterDriverOptions): Promise<ClusterDriver> {
  if (o.nodeCount < 3) throw new Error('the rangekv driver needs at least 3 nodes');
  let faults: FaultSwitches = {};
  if (o.bug !== null) {
    const f = RANGEKV_BUGS[o.bug];
    if (f === undefined) throw new Error(`unknown rangekv bug ${o.bug}; choose one of ${Object.keys(RANGEKV_BUGS).join(', ')}`);
    faults = f;
  }
  return new RangekvClusterDriver(faults, 0x5eed, o.tls === true);
}

/** The compiled node entry (the harness runs from dist/; under vitest this file runs from source). */
function nodeProcessScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, '..', '..', 'cluster', 'support', 'node-process.js');
  if (existsSync(sibling)) return sibling;
  const repo = join(here, '..', '..', '..');
  const compiled = join(repo, 'dist', 'test', 'cluster', 'support', 'node-process.js');
  if (existsSync(compiled)) return compiled;
  throw new Error('compiled node not found: run npm run build');
}
