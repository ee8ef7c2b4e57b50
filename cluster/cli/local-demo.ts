import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { RangekvClient } from '../../client/rangekv-client.js';
import { clusterConfigToJson, loadClusterConfig, localClusterConfig, type ClusterConfig } from '../config/cluster-config.js';
import { adminProto } from '../../proto/grpc-definitions.js';
import { canBind, freePorts } from './free-ports.js';

export interface DemoOptions {
  /** The `rangekv` CLI script to run each node with (`<cli> start ...`). */
  readonly cliPath: string;
  readonly nodes: number;
  /** First port; the nodes take consecutive ports. 0 picks free ports. */
  readonly basePort: number;
  readonly dataDir: string;
  readonly splitKeys: readonly string[];
  readonly logLevel: string;
  readonly out: (line: string) => void;
  /** Resolves when the demo should stop (Ctrl-C); the demo then stops its nodes and resolves. */
  readonly stopSignal: Promise<void>;
  /**
   * Instead of running until stopped: write and read back one key in every range through the
   * client, print what happened, stop the cluster and reject if any of it failed. A fresh machine's
   * proof that the quick start works (CI runs it).
   */
  readonly selfTest?: boolean;
}

/**
 * `rangekv demo` (what `npm start` runs): a local cluster of `nodes` processes on 127.0.0.1, each a
 * real `rangekv start`, with the keyspace cut at `splitKeys`. Prints how to reach it and stops
 * every process it started when told to (Ctrl-C), gracefully (SIGTERM), then by force.
 */
export async function runDemo(o: DemoOptions): Promise<void> {
  const dataDir = resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const ports = o.basePort === 0 ? await freePorts(o.nodes) : Array.from({ length: o.nodes }, (_, i) => o.basePort + i);
  // Before anything is printed or started: a port in use would let us talk to someone else's cluster.
  const taken = (await Promise.all(ports.map(async (p) => ((await canBind(p, '127.0.0.1')) ? undefined : p)))).filter((p) => p !== undefined);
  if (taken.length > 0) {
    throw new DemoError(`port${taken.length > 1 ? 's' : ''} ${taken.join(', ')} on 127.0.0.1 ${taken.length > 1 ? 'are' : 'is'} already in use (another rangekv demo?): stop it, or pass --port <first port> (0 picks free ports)`);
  }
  const configPath = join(dataDir, 'cluster.json');
  const config = demoLayout(configPath, o, ports);
  writeFileSync(configPath, `${JSON.stringify(clusterConfigToJson(config), null, 2)}\n`);
  const procs: ChildProcess[] = [];
  const stopAll = async (): Promise<void> => {
    const exits = procs.map((p) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r()))));
    for (const p of procs) p.kill('SIGTERM');
    const forced = setTimeout(() => {
      for (const p of procs) p.kill('SIGKILL');
    }, 5000);
    await Promise.all(exits);
    clearTimeout(forced);
  };
  try {
    await Promise.all(
      config.stores.map(async (s) => {
        const dir = join(dataDir, `store-${s.storeId}`);
        const log = createWriteStream(join(dataDir, `store-${s.storeId}.log`), { flags: 'a' });
        // The demo is a local playground: plaintext, and it says so in its banner.
        const args = [o.cliPath, 'start', '--config', configPath, '--store-id', String(s.storeId), '--data-dir', dir, '--log-level', o.logLevel, '--insecure'];
        const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        procs.push(p);
        p.stdout?.pipe(log);
        p.stderr?.pipe(log);
        await waitUntilServing(s.address, p, 20_000);
      }),
    );
  } catch (e) {
    await stopAll();
    throw e;
  }
  const addresses = config.stores.map((s) => s.address).join(',');
  o.out(`rangekv demo: ${o.nodes} nodes on 127.0.0.1, ranges split at ${o.splitKeys.map((k) => JSON.stringify(k)).join(', ') || '(none)'}`);
  for (const s of config.stores) o.out(`  store ${s.storeId}  ${s.address}  log ${join(dataDir, `store-${s.storeId}.log`)}`);
  o.out(`data and cluster config in ${dataDir}`);
  o.out('INSECURE: plaintext, no authentication (--insecure); for production see the README: rangekv cert and --tls-*');
  o.out('');
  o.out('try it from another terminal:');
  o.out(`  export RANGEKV_ADDRESSES=${addresses}`);
  o.out('  npx rangekv kv put hello world');
  o.out('  npx rangekv kv get hello');
  o.out('  npx rangekv kv scan');
  o.out('or from TypeScript: RangekvClient.connect({ addresses: process.env.RANGEKV_ADDRESSES.split(",") })');
  o.out('');
  if (o.selfTest === true) {
    try {
      await selfTest(config.stores.map((s) => s.address), config.clusterId, o.splitKeys, o.out);
    } finally {
      await stopAll();
      o.out('stopped.');
    }
    return;
  }
  o.out('Ctrl-C stops the cluster (data is kept; run again to restart it).');
  const died = new Promise<string>((r) => {
    for (const p of procs) p.once('exit', (code, signal) => r(`a node exited (code ${code}, signal ${signal})`));
  });
  const why = await Promise.race([o.stopSignal.then(() => undefined), died]);
  o.out(`stopping (${why ?? 'stop requested'})...`);
  await stopAll();
  o.out('stopped.');
  if (why !== undefined) throw new DemoError(`${why}; its log is in ${dataDir}`);
}

/**
 * One put and one linearizable get per range: a range's own start key is always inside it, and the
 * first range (which starts at the empty key, not a writable one) gets the single byte 0x00.
 */
async function selfTest(addresses: readonly string[], clusterId: string, splitKeys: readonly string[], out: (line: string) => void): Promise<void> {
  // First: every address is a node of the cluster we started, not something else on that port.
  for (const a of addresses) {
    const found = await clusterIdAt(a);
    if (found !== clusterId) throw new DemoError(`self-test: ${a} answers as cluster ${JSON.stringify(found)}, not the ${JSON.stringify(clusterId)} this demo started`);
  }
  out(`self-test: all ${addresses.length} nodes are cluster ${clusterId}`);
  const client = await RangekvClient.connect({ addresses: [...addresses] });
  try {
    const keys = ['\u0000', ...splitKeys].filter((k, i, all) => i === 0 || k !== all[i - 1]);
    for (const key of keys) {
      const value = `written at ${new Date().toISOString()}`;
      const started = performance.now();
      await client.put(key, value);
      const read = await client.get(key);
      const got = read === undefined ? undefined : Buffer.from(read.value).toString('utf8');
      if (got !== value) throw new Error(`self-test: read ${JSON.stringify(got)} back from ${JSON.stringify(key)}, wrote ${JSON.stringify(value)}`);
      out(`self-test: put+get ${JSON.stringify(key)} ok in ${(performance.now() - started).toFixed(1)} ms`);
    }
    out('self-test passed');
  } finally {
    await client.close();
  }
}

/** Resolves once the node accepts TCP connections (it binds only after its store is open and ranges loaded). */
async function waitUntilServing(address: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const [host, portText] = [address.slice(0, address.lastIndexOf(':')), address.slice(address.lastIndexOf(':') + 1)];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`node at ${address} exited with code ${proc.exitCode} during start`);
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(Number(portText), host, () => {
        s.end();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node at ${address} did not start within ${timeoutMs} ms`);
}

/** A demo that cannot go on, with the reason a user can act on (the CLI prints it and exits non-zero). */
export class DemoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoError';
  }
}

/**
 * The cluster this data directory holds, or a new one. A directory records its layout (cluster.json:
 * a cluster id of its own, stores and ranges) the first time; a later start with another layout
 * is refused — the stores' databases hold the old ranges, and new ones beside them would overlap.
 * Ports may change from run to run (they are not part of the data).
 */
function demoLayout(configPath: string, o: DemoOptions, ports: readonly number[]): ClusterConfig {
  const addressed = (c: ClusterConfig): ClusterConfig => ({ ...c, stores: c.stores.map((s, i) => ({ ...s, address: `127.0.0.1:${ports[i]!}` })) });
  const wanted = localClusterConfig({ clusterId: `rangekv-demo-${randomBytes(4).toString('hex')}`, stores: o.nodes, basePort: 0, splitKeys: o.splitKeys });
  if (!existsSync(configPath)) return addressed(wanted);
  let existing: ClusterConfig;
  try {
    existing = loadClusterConfig(configPath);
  } catch (e) {
    throw new DemoError(`${configPath} is not a cluster layout (${e instanceof Error ? e.message : String(e)}): remove the data directory to start fresh`);
  }
  const layout = (c: ClusterConfig): string => JSON.stringify({ stores: c.stores.map((s) => s.storeId), ranges: (clusterConfigToJson({ ...c, clusterId: '' }) as { ranges: unknown }).ranges });
  if (layout(existing) !== layout(wanted)) {
    const splits = existing.initialRanges.slice(1).map((r) => JSON.stringify(Buffer.from(r.start).toString('utf8')));
    throw new DemoError(
      `the data directory ${dirname(configPath)} holds a cluster of ${existing.stores.length} nodes split at ${splits.join(', ') || '(none)'}; ` +
        `starting it with ${o.nodes} nodes split at ${o.splitKeys.map((k) => JSON.stringify(k)).join(', ') || '(none)'} would corrupt it. ` +
        `Start it as it was, or start fresh: remove ${dirname(configPath)}, or pass --data-dir <another directory>`,
    );
  }
  return addressed(existing);
}

/** The cluster id a node at `address` reports (Admin Status), or a description of why none came. */
async function clusterIdAt(address: string): Promise<string> {
  const Admin = adminProto().rangekv.v1.Admin;
  const client = new Admin(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve) => {
      client.Status({}, { deadline: Date.now() + 5_000 }, (err, res) => resolve(err !== null ? `(no answer: ${err.message})` : (res?.clusterId ?? '(none)')));
    });
  } finally {
    client.close();
  }
}
