import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { RangekvClient } from '../../../client/rangekv-client.js';
import { main } from '../../../cluster/cli/cli.js';
import type { CliIo } from '../../../cluster/cli/cli-context.js';
import { freePorts } from '../../../cluster/cli/free-ports.js';
import { clusterConfigToJson, localClusterConfig } from '../../../cluster/config/cluster-config.js';

/** The compiled CLI, found from the package root whether this file runs from source or from dist/. */
const cliPath = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'cluster', 'cli', 'cli.js');
})();

/** Runs the CLI in-process with captured output. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io: CliIo & { out: string; err: string } = {
    out: '',
    err: '',
    stdout: (t) => void (io.out += t),
    stderr: (t) => void (io.err += t),
    env: {},
    shutdownSignal: () => new Promise<string>(() => undefined),
  };
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

/**
 * A cluster started as the README says for production: certificates made with `rangekv cert`
 * (a CA, a node certificate per store naming its store id, client certificates `root` and
 * `alice`), and one `rangekv start --tls-*` process per store (the compiled CLI in dist/).
 */
export class TlsCluster {
  readonly procs: ChildProcess[] = [];
  readonly logs: string[] = [];

  private constructor(
    readonly root: string,
    readonly certs: string,
    readonly clusterId: string,
    readonly configPath: string,
    readonly addresses: readonly string[],
  ) {}

  static async start(opts: { nodes?: number; splitKeys?: readonly string[]; logLevel?: string } = {}): Promise<TlsCluster> {
    const nodes = opts.nodes ?? 3;
    const root = mkdtempSync(join(tmpdir(), 'rangekv-tls-'));
    const certs = join(root, 'certs');
    const must = async (...argv: string[]): Promise<void> => {
      const r = await runCli(...argv);
      if (r.code !== 0) throw new Error(`rangekv ${argv.join(' ')}: ${r.err}`);
    };
    await must('cert', 'create-ca', '--certs-dir', certs);
    for (let s = 1; s <= nodes; s++) await must('cert', 'create-node', '127.0.0.1', 'localhost', '--store-id', String(s), '--certs-dir', certs);
    for (const u of ['root', 'alice']) await must('cert', 'create-client', u, '--certs-dir', certs);
    const ports = await freePorts(nodes);
    const addresses = ports.map((p) => `127.0.0.1:${p}`);
    const clusterId = `tls-${process.pid}-${Date.now()}`;
    const config = clusterConfigToJson(localClusterConfig({ clusterId, stores: nodes, basePort: 7001, splitKeys: opts.splitKeys ?? [] })) as { stores: { storeId: number; address: string }[] };
    config.stores = config.stores.map((s, i) => ({ ...s, address: addresses[i]! }));
    const configPath = join(root, 'cluster.json');
    writeFileSync(configPath, JSON.stringify(config));
    const c = new TlsCluster(root, certs, clusterId, configPath, addresses);
    for (let s = 1; s <= nodes; s++) c.startStore(s, opts.logLevel ?? 'info');
    const client = await c.client();
    try {
      for (let i = 0; ; i++) {
        try {
          await client.put('warm', 'up', { timeoutMs: 2_000 });
          break;
        } catch (e) {
          if (i > 30) {
            await c.stop();
            throw new Error(`cluster did not come up: ${String(e)}\n${c.logs.join('\n')}`);
          }
        }
      }
    } finally {
      await client.close();
    }
    return c;
  }

  private startStore(s: number, logLevel: string): void {
    const args = [cliPath, 'start', '--config', this.configPath, '--store-id', String(s), '--data-dir', this.dataDir(s), '--log-level', logLevel];
    args.push('--tls-cert', join(this.certs, `node.${s}.crt`), '--tls-key', join(this.certs, `node.${s}.key`), '--tls-ca', join(this.certs, 'ca.crt'));
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.logs[s - 1] = '';
    p.stdout!.on('data', (c: Buffer) => (this.logs[s - 1] += c.toString()));
    p.stderr!.on('data', (c: Buffer) => (this.logs[s - 1] += c.toString()));
    this.procs[s - 1] = p;
  }

  dataDir(s: number): string {
    return join(this.root, `store-${s}`);
  }

  file(name: string, dir = this.certs): Buffer {
    return readFileSync(join(dir, name));
  }

  /** TLS credentials: the CA, and `user`'s certificate (e.g. 'client.root', 'node.1') if given. */
  credentials(user?: string): grpc.ChannelCredentials {
    const ca = this.file('ca.crt');
    return user === undefined ? grpc.credentials.createSsl(ca) : grpc.credentials.createSsl(ca, this.file(`${user}.key`), this.file(`${user}.crt`));
  }

  client(user?: string, addresses: readonly string[] = this.addresses): Promise<RangekvClient> {
    const ca = this.file('ca.crt');
    return RangekvClient.connect({ addresses: [...addresses], tls: user === undefined ? { ca } : { ca, cert: this.file(`${user}.crt`), key: this.file(`${user}.key`) } });
  }

  /** Which stores' processes have exited (they never should on their own). */
  exited(): number[] {
    return this.procs.flatMap((p, i) => (p.exitCode !== null || p.signalCode !== null ? [i + 1] : []));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGTERM');
          }),
      ),
    );
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
