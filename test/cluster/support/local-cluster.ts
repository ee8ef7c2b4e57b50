import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterConfigToJson, localClusterConfig, type ClusterConfig } from '../../../cluster/config/cluster-config.js';
import type { FaultSwitches } from '../../../cluster/config/node-options.js';
import type { NodeProcessSpec } from './node-process.js';
import { freePorts } from '../../../cluster/cli/free-ports.js';
import { TestKvClient } from './test-kv-client.js';

export interface LocalClusterOptions {
  readonly nodes?: number;
  readonly splitKeys?: readonly string[];
  readonly tickMs?: number;
  readonly electionTimeoutTicks?: number;
  readonly leaseReads?: boolean;
  readonly faults?: FaultSwitches;
  readonly logTruncateThresholdEntries?: number;
  readonly logRetainEntries?: number;
  readonly inflightRequestsMax?: number;
  readonly logLevel?: string;
}

interface Member {
  readonly storeId: number;
  readonly address: string;
  readonly dataDir: string;
  proc: ChildProcess | undefined;
  log: WriteStream;
}

/**
 * Real node processes on 127.0.0.1 for integration tests: start, kill -9, SIGSTOP/SIGCONT,
 * restart from the same data directory, and stop everything (always — call `stop()` in afterAll).
 * The children run the compiled node (dist/), which `npm test` builds first.
 */
export class LocalCluster {
  readonly members = new Map<number, Member>();
  private readonly clients = new Map<number, TestKvClient>();

  private constructor(
    readonly config: ClusterConfig,
    readonly dir: string,
    private readonly opts: LocalClusterOptions,
  ) {}

  static async start(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
    const n = opts.nodes ?? 3;
    const ports = await freePorts(n);
    const config = localClusterConfig({ clusterId: `test-${process.pid}-${Date.now()}`, stores: n, basePort: 0, splitKeys: opts.splitKeys ?? ['m'] });
    const withPorts: ClusterConfig = { ...config, stores: config.stores.map((s, i) => ({ ...s, address: `127.0.0.1:${ports[i]!}` })) };
    const dir = mkdtempSync(join(tmpdir(), 'rangekv-it-'));
    const c = new LocalCluster(withPorts, dir, opts);
    for (const s of withPorts.stores) {
      c.members.set(s.storeId, { storeId: s.storeId, address: s.address, dataDir: join(dir, `store-${s.storeId}`), proc: undefined, log: createWriteStream(join(dir, `store-${s.storeId}.log`), { flags: 'a' }) });
    }
    try {
      await Promise.all([...c.members.keys()].map((id) => c.startMember(id)));
    } catch (e) {
      c.stop();
      throw e;
    }
    return c;
  }

  address(storeId: number): string {
    return this.member(storeId).address;
  }

  client(storeId: number): TestKvClient {
    let c = this.clients.get(storeId);
    if (c === undefined) this.clients.set(storeId, (c = new TestKvClient(this.address(storeId))));
    return c;
  }

  private member(storeId: number): Member {
    const m = this.members.get(storeId);
    if (m === undefined) throw new Error(`no store ${storeId}`);
    return m;
  }

  /** Starts (or restarts) a store's process from its data directory; resolves when it serves. */
  startMember(storeId: number): Promise<void> {
    const m = this.member(storeId);
    if (m.proc !== undefined) throw new Error(`store ${storeId} is running`);
    const spec: NodeProcessSpec = {
      cluster: clusterConfigToJson(this.config),
      storeId,
      dataDir: m.dataDir,
      tickMs: this.opts.tickMs ?? 50,
      electionTimeoutTicks: this.opts.electionTimeoutTicks ?? 10,
      logLevel: this.opts.logLevel ?? 'info',
      ...(this.opts.leaseReads !== undefined ? { leaseReads: this.opts.leaseReads } : {}),
      ...(this.opts.faults !== undefined ? { faults: this.opts.faults } : {}),
      ...(this.opts.logTruncateThresholdEntries !== undefined ? { logTruncateThresholdEntries: this.opts.logTruncateThresholdEntries } : {}),
      ...(this.opts.logRetainEntries !== undefined ? { logRetainEntries: this.opts.logRetainEntries } : {}),
      ...(this.opts.inflightRequestsMax !== undefined ? { inflightRequestsMax: this.opts.inflightRequestsMax } : {}),
    };
    const entry = join(distDir(), 'test', 'cluster', 'support', 'node-process.js');
    // RANGEKV_NODE_FLAGS: extra node flags for the children, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const flags = (process.env['RANGEKV_NODE_FLAGS'] ?? '').split(' ').filter((f) => f.length > 0);
    const proc = spawn(process.execPath, [...flags, entry, Buffer.from(JSON.stringify(spec)).toString('base64')], { stdio: ['ignore', 'pipe', 'pipe'] });
    m.proc = proc;
    proc.stderr?.on('data', (chunk: Buffer) => {
      if (!m.log.writableEnded) m.log.write(chunk);
    });
    return new Promise<void>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error(`store ${storeId} did not start in 20 s (log: ${join(this.dir, `store-${storeId}.log`)})`)), 20_000);
      proc.stdout?.on('data', (chunk: Buffer) => {
        if (!m.log.writableEnded) m.log.write(chunk);
        if (buffered !== '\u0000') {
          buffered += chunk.toString();
          if (buffered.includes('READY ')) {
            buffered = '\u0000';
            clearTimeout(timer);
            resolve();
          }
        }
      });
      proc.once('exit', (code, signal) => {
        if (m.proc === proc) m.proc = undefined;
        if (buffered !== '\u0000') {
          clearTimeout(timer);
          reject(new Error(`store ${storeId} exited during start (code ${code}, signal ${signal})`));
        }
      });
    });
  }

  /** kill -9: the process dies with whatever it had not made durable. */
  async kill(storeId: number): Promise<void> {
    const m = this.member(storeId);
    const proc = m.proc;
    if (proc === undefined) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGKILL');
    await exited;
    m.proc = undefined;
    this.clients.get(storeId)?.close();
    this.clients.delete(storeId);
  }

  /** What the store's process logged so far (pino JSON lines). */
  logOf(storeId: number): string {
    return readFileSync(join(this.dir, `store-${storeId}.log`), 'utf8');
  }

  pause(storeId: number): void {
    this.member(storeId).proc?.kill('SIGSTOP');
  }

  resume(storeId: number): void {
    this.member(storeId).proc?.kill('SIGCONT');
  }

  isRunning(storeId: number): boolean {
    return this.member(storeId).proc !== undefined;
  }

  /**
   * Stops every process it started (SIGKILL after SIGCONT: tests do not need graceful shutdown here)
   * and removes the data — unless RANGEKV_KEEP_TEST_DATA is set, which keeps the stores and their
   * logs in the rangekv-it-* directory under the temp dir, to read after a failure.
   */
  stop(keepData = false): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    for (const m of this.members.values()) {
      if (m.proc !== undefined) {
        m.proc.kill('SIGCONT');
        m.proc.kill('SIGKILL');
        m.proc = undefined;
      }
      m.log.end();
    }
    if (!keepData && process.env['RANGEKV_KEEP_TEST_DATA'] === undefined) rmSync(this.dir, { recursive: true, force: true });
  }
}

function distDir(): string {
  // This file runs from source (vitest) or from dist/; the children always run the compiled code.
  const here = dirname(fileURLToPath(import.meta.url));
  const marker = `${join('test', 'cluster', 'support')}`;
  const root = here.endsWith(marker) ? here.slice(0, -marker.length) : here;
  return root.endsWith(`dist/`) || root.endsWith('dist') ? root : join(root, 'dist');
}
