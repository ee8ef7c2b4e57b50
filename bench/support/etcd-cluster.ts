import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EtcdClient } from './etcd-client.js';
import { freePorts } from '../../cluster/cli/free-ports.js';
import { sleepMs, waitForTcp, type ProcessSet } from './processes.js';

export interface EtcdClusterOptions {
  readonly members: number;
  readonly dir: string;
}

export interface EtcdCluster {
  readonly version: string;
  readonly clientAddresses: readonly string[];
  readonly leaderAddress: string;
  readonly leaderName: string;
  readonly logPaths: readonly string[];
  readonly processes: readonly ChildProcess[];
}

/** Where Debian's etcd-server package puts the binary. */
const debianEtcdPath = '/usr/bin/etcd';

function findEtcd(): string | undefined {
  if (existsSync(debianEtcdPath)) return debianEtcdPath;
  const r = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p.length > 0 ? p : undefined;
}

/**
 * The etcd binary, installing Debian's etcd-server package (3.4.x on bookworm) when it is missing.
 * Returns undefined, with the reason, when it is missing and cannot be installed (not root, no apt).
 */
export function ensureEtcd(log: (line: string) => void): { path: string; version: string } | { missing: string } {
  let path = findEtcd();
  if (path === undefined) {
    if (process.getuid?.() !== 0) return { missing: 'etcd is not installed and installing it needs root: apt-get install -y etcd-server' };
    log('etcd not found: installing Debian package etcd-server (apt-get update && apt-get install -y etcd-server)...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', 'etcd-server'], { stdio: ['ignore', 'ignore', 'inherit'], env }) : update;
    if (install.status !== 0) return { missing: `apt-get install etcd-server failed (exit ${install.status})` };
    path = findEtcd();
    if (path === undefined) return { missing: 'etcd-server installed but no etcd binary found' };
  }
  const out = execFileSync(path, ['--version'], { encoding: 'utf8' });
  const version = /etcd Version:\s*(\S+)/.exec(out)?.[1] ?? 'unknown';
  return { path, version };
}

/**
 * Starts `members` etcd members on 127.0.0.1 (a fresh cluster, default durability: the WAL is
 * fsynced on every append) and waits for a leader that accepts writes.
 */
export async function startEtcdCluster(etcdPath: string, version: string, o: EtcdClusterOptions, procs: ProcessSet): Promise<EtcdCluster> {
  const dir = join(o.dir, 'etcd');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ports = await freePorts(2 * o.members);
  const names = Array.from({ length: o.members }, (_, i) => `m${i + 1}`);
  const clientUrl = (i: number): string => `http://127.0.0.1:${ports[2 * i]!}`;
  const peerUrl = (i: number): string => `http://127.0.0.1:${ports[2 * i + 1]!}`;
  const initialCluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',');
  const token = `rangekv-bench-${process.pid}-${Date.now()}`;
  const processes: ChildProcess[] = [];
  const logPaths: string[] = [];
  const clientAddresses = names.map((_, i) => `127.0.0.1:${ports[2 * i]!}`);
  await Promise.all(
    names.map(async (name, i) => {
      const dataDir = join(dir, name);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const logPath = join(dir, `${name}.log`);
      logPaths.push(logPath);
      const args = [
        '--name', name,
        '--data-dir', dataDir,
        '--listen-client-urls', clientUrl(i),
        '--advertise-client-urls', clientUrl(i),
        '--listen-peer-urls', peerUrl(i),
        '--initial-advertise-peer-urls', peerUrl(i),
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', token,
        '--logger', 'zap',
        '--log-outputs', 'stderr',
      ];
      const p = procs.spawnLogged(`etcd ${name}`, etcdPath, args, logPath);
      processes.push(p);
      await waitForTcp(clientAddresses[i]!, p, 30_000, `etcd ${name}`);
    }),
  );
  const leader = await findEtcdLeader(clientAddresses, names, 30_000);
  const c = new EtcdClient(leader.address);
  try {
    await c.put(Buffer.from('bench-ready'), Buffer.from('ready'), 30_000);
  } finally {
    c.close();
  }
  return { version, clientAddresses, leaderAddress: leader.address, leaderName: leader.name, logPaths, processes };
}

/** The member every member agrees leads (Maintenance.Status: `leader` is a member id, `header.member_id` the answerer's). */
async function findEtcdLeader(addresses: readonly string[], names: readonly string[], timeoutMs: number): Promise<{ address: string; name: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const statuses = await Promise.all(
      addresses.map(async (a) => {
        const c = new EtcdClient(a);
        try {
          return await c.status();
        } catch {
          return undefined;
        } finally {
          c.close();
        }
      }),
    );
    const leaderIds = new Set(statuses.map((s) => s?.leader ?? '0'));
    const [leaderId] = [...leaderIds];
    if (leaderIds.size === 1 && leaderId !== undefined && leaderId !== '0') {
      const i = statuses.findIndex((s) => s?.header?.memberId === leaderId);
      if (i >= 0) return { address: addresses[i]!, name: names[i]! };
    }
    await sleepMs(200);
  }
  throw new Error('etcd elected no leader in time');
}
