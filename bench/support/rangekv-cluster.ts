import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { clusterConfigToJson, localClusterConfig } from '../../cluster/config/cluster-config.js';
import { kvProto } from '../../proto/grpc-definitions.js';
import type { LocateResponse__Output } from '../../proto/generated/rangekv/v1/LocateResponse.js';
import { RangekvClient } from '../../client/index.js';
import { freePorts } from '../../cluster/cli/free-ports.js';
import { sleepMs, waitForTcp, type ProcessSet } from './processes.js';

export interface RangekvClusterOptions {
  readonly name: string;
  readonly nodes: number;
  /** Parent directory; the cluster's data, config and logs go in `<dir>/<name>`. */
  readonly dir: string;
  readonly leaseReads: boolean;
  /** Extra flags for each node's `node` process (e.g. --cpu-prof). */
  readonly nodeExecArgv: readonly string[];
  readonly logLevel: string;
}

export interface RangekvCluster {
  readonly name: string;
  readonly addresses: readonly string[];
  readonly leaderAddress: string;
  readonly leaderStoreId: number;
  readonly logPaths: readonly string[];
  readonly processes: readonly ChildProcess[];
}

/** The compiled `rangekv` CLI (dist/cluster/cli/cli.js), next to this file's compiled form. */
function cliPath(): string {
  return fileURLToPath(new URL('../../cluster/cli/cli.js', import.meta.url));
}

/**
 * Starts a local cluster of real `rangekv start` processes on 127.0.0.1 (one range over the whole
 * keyspace, replicated on every node — the same shape as an etcd cluster) and waits until its range
 * has a leader that serves writes.
 */
export async function startRangekvCluster(o: RangekvClusterOptions, procs: ProcessSet): Promise<RangekvCluster> {
  const dir = join(o.dir, o.name);
  mkdirSync(dir, { recursive: true });
  const ports = await freePorts(o.nodes);
  const base = localClusterConfig({ clusterId: `bench-${o.name}`, stores: o.nodes, basePort: 0, splitKeys: [] });
  const config = { ...base, stores: base.stores.map((s, i) => ({ ...s, address: `127.0.0.1:${ports[i]!}` })) };
  const configPath = join(dir, 'cluster.json');
  writeFileSync(configPath, `${JSON.stringify(clusterConfigToJson(config), null, 2)}\n`);
  const processes: ChildProcess[] = [];
  const logPaths: string[] = [];
  await Promise.all(
    config.stores.map(async (s) => {
      const logPath = join(dir, `store-${s.storeId}.log`);
      logPaths.push(logPath);
      const args = [
        ...o.nodeExecArgv,
        cliPath(),
        'start',
        '--config',
        configPath,
        '--store-id',
        String(s.storeId),
        '--data-dir',
        join(dir, `store-${s.storeId}`),
        '--log-level',
        o.logLevel,
        ...(o.leaseReads ? ['--lease-reads'] : []),
        '--insecure',
      ];
      const p = procs.spawnLogged(`${o.name} store ${s.storeId}`, process.execPath, args, logPath);
      processes.push(p);
      await waitForTcp(s.address, p, 30_000, `${o.name} store ${s.storeId}`);
    }),
  );
  const addresses = config.stores.map((s) => s.address);
  // A write through the client proves a leader exists and serves; Locate then names it.
  const client = await RangekvClient.connect({ addresses, timeoutMs: 30_000 });
  try {
    await client.put('bench-ready', 'ready', { timeoutMs: 30_000 });
  } finally {
    await client.close();
  }
  const leader = await locateLeader(addresses, 10_000);
  return { name: o.name, addresses, leaderAddress: leader.address, leaderStoreId: leader.storeId, logPaths, processes };
}

/** The store leading the range of the empty key, and its address, as the nodes see it. */
export async function locateLeader(addresses: readonly string[], timeoutMs: number): Promise<{ storeId: number; address: string }> {
  const deadline = Date.now() + timeoutMs;
  const KV = kvProto().rangekv.v1.KV;
  while (Date.now() < deadline) {
    for (const a of addresses) {
      const stub = new KV(a, grpc.credentials.createInsecure());
      try {
        const r = await new Promise<LocateResponse__Output | undefined>((resolve) => {
          stub.Locate({ key: Buffer.alloc(0), limit: 1 }, { deadline: Date.now() + 1_000 }, (err, res) => resolve(err === null ? res : undefined));
        });
        const leader = Number(r?.ranges[0]?.leaderStoreId ?? '0');
        const address = r?.stores.find((s) => Number(s.storeId) === leader)?.address;
        if (leader !== 0 && address !== undefined) return { storeId: leader, address };
      } finally {
        stub.close();
      }
    }
    await sleepMs(200);
  }
  throw new Error('no rangekv leader found');
}

/** One `activity` line a node logs every 10 s (cluster/node.ts logActivity). */
export interface ActivityLine {
  readonly timeMs: number;
  readonly storeId: number;
  readonly turnsPerSec: number;
  readonly commitsPerSec: number;
  readonly commitMsAvg: number;
  readonly readiesPerCommit: number;
  readonly proposalsPerSec: number;
  readonly messagesInPerSec: number;
  readonly messagesOutPerSec: number;
  readonly droppedMessages: number;
}

/** The activity lines in a node's log (JSON lines from pino; anything else is skipped). */
export function readActivity(logPath: string): ActivityLine[] {
  const out: ActivityLine[] = [];
  let text: string;
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.includes('"activity"')) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    const o = v as Record<string, unknown>;
    if (o['msg'] !== 'activity') continue;
    const n = (k: string): number => (typeof o[k] === 'number' ? (o[k] as number) : NaN);
    out.push({
      timeMs: n('time'),
      storeId: n('storeId'),
      turnsPerSec: n('turnsPerSec'),
      commitsPerSec: n('commitsPerSec'),
      commitMsAvg: n('commitMsAvg'),
      readiesPerCommit: n('readiesPerCommit'),
      proposalsPerSec: n('proposalsPerSec'),
      messagesInPerSec: n('messagesInPerSec'),
      messagesOutPerSec: n('messagesOutPerSec'),
      droppedMessages: n('droppedMessages'),
    });
  }
  return out;
}
