/**
 * A demo that cannot lie (issue 9, item 6): it refuses, before printing anything or starting a
 * node, to start on ports someone else holds, or on a data directory holding another layout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../../cluster/cli/free-ports.js';
import { runDemo, type DemoOptions } from '../../cluster/cli/local-demo.js';
import { clusterConfigToJson, localClusterConfig } from '../../cluster/config/cluster-config.js';

const cliPath = new URL('../../dist/cluster/cli/cli.js', import.meta.url).pathname;

function options(dataDir: string, over: Partial<DemoOptions>, out: string[]): DemoOptions {
  return { cliPath, nodes: 3, basePort: 0, dataDir, splitKeys: ['m'], logLevel: 'warn', out: (l) => void out.push(l), stopSignal: new Promise(() => undefined), selfTest: true, ...over };
}

describe('the demo refuses to start when it could only lie', () => {
  it('a port in use: a clear error naming it, nothing printed, nothing started', async () => {
    const [port] = await freePorts(1);
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(port! + 1, '127.0.0.1', () => r()));
    const dir = mkdtempSync(join(tmpdir(), 'rangekv-demo-ports-'));
    const out: string[] = [];
    try {
      await expect(runDemo(options(dir, { basePort: port! }, out))).rejects.toThrow(new RegExp(`port ${port! + 1} on 127.0.0.1 is already in use`));
      expect(out).toEqual([]);
    } finally {
      squatter.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a data directory of another layout: refused with how to start fresh', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rangekv-demo-layout-'));
    const out: string[] = [];
    try {
      const before = localClusterConfig({ clusterId: 'rangekv-demo-1234abcd', stores: 3, basePort: 7001, splitKeys: ['m'] });
      writeFileSync(join(dir, 'cluster.json'), JSON.stringify(clusterConfigToJson(before)));
      await expect(runDemo(options(dir, { nodes: 5, splitKeys: ['g', 'p'] }, out))).rejects.toThrow(/holds a cluster of 3 nodes split at "m".*would corrupt it.*remove/);
      await expect(runDemo(options(dir, { nodes: 3, splitKeys: ['g'] }, out))).rejects.toThrow(/holds a cluster of 3 nodes/);
      expect(out).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
