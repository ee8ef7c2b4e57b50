import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { RangekvClient } from '../../client/rangekv-client.js';
import { clusterConfigToJson, localClusterConfig } from '../config/cluster-config.js';
import { freePorts } from './free-ports.js';

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
  const cfg = localClusterConfig({ clusterId: 'rangekv-demo', stores: o.nodes, basePort: 0, splitKeys: o.splitKeys });
  const config = { ...cfg, stores: cfg.stores.map((s, i) => ({ ...s, address: `127.0.0.1:${ports[i]!}` })) };
  const configPath = join(dataDir, 'cluster.json');
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
      await selfTest(config.stores.map((s) => s.address), o.splitKeys, o.out);
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
  const why = await Promise.race([o.stopSignal.then(() => 'stop requested'), died]);
  o.out(`stopping (${why})...`);
  await stopAll();
  o.out('stopped.');
}

/**
 * One put and one linearizable get per range: a range's own start key is always inside it, and the
 * first range (which starts at the empty key, not a writable one) gets the single byte 0x00.
 */
async function selfTest(addresses: readonly string[], splitKeys: readonly string[], out: (line: string) => void): Promise<void> {
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

