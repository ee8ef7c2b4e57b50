/**
 * The README's quick start, as a new user runs it: `npm start` brings up a local cluster, the CLI
 * writes and reads a key, and Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
 * stops everything.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('quick start', () => {
  it('npm start comes up, a put and a get work through the CLI, Ctrl-C shuts it down', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rangekv-quickstart-'));
    const npm = spawn('npm', ['start', '--', '--port', '0', '--data-dir', dataDir], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    npm.stdout.on('data', (c: Buffer) => (out += c.toString()));
    npm.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
    try {
      const addresses = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${out}`)), 90_000);
        const check = (): void => {
          const m = /export RANGEKV_ADDRESSES=(\S+)/.exec(out);
          if (m !== null) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        };
        npm.stdout.on('data', check);
        void exited.then(() => reject(new Error(`npm start exited early:\n${out}`)));
      });
      const env = { ...process.env, RANGEKV_ADDRESSES: addresses };
      const put = await run('npx', ['rangekv', 'kv', 'put', 'hello', 'world'], { env, timeout: 30_000 });
      expect(put.stdout.trim()).toBe('OK');
      const get = await run('npx', ['rangekv', 'kv', 'get', 'hello'], { env, timeout: 30_000 });
      expect(get.stdout.trim()).toBe('hello\tworld');
    } finally {
      if (npm.pid !== undefined) process.kill(-npm.pid, 'SIGINT');
    }
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    if (code === 'hung' && npm.pid !== undefined) process.kill(-npm.pid, 'SIGKILL');
    expect(code).not.toBe('hung');
    expect(out).toContain('stopped.');
    // One graceful stop per node, though Ctrl-C reached them and the demo sent SIGTERM as well.
    for (const s of [1, 2, 3]) expect(readFileSync(join(dataDir, `store-${s}.log`), 'utf8')).toContain('"msg":"store closed"');
    rmSync(dataDir, { recursive: true, force: true });
  }, 180_000);

  it('demo --self-test (what CI runs after npm test) writes and reads a key in every range, then exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rangekv-selftest-'));
    try {
      const r = await run(process.execPath, ['dist/cluster/cli/cli.js', 'demo', '--self-test', '--port', '0', '--data-dir', dataDir, '--split', 'g,p'], {
        timeout: 90_000,
      });
      const ok = r.stdout.split('\n').filter((l) => /^self-test: put\+get .* ok in/.test(l));
      expect(ok.map((l) => /put\+get (\S+)/.exec(l)?.[1])).toEqual(['"\\u0000"', '"g"', '"p"']);
      expect(r.stdout).toMatch(/self-test: all 3 nodes are cluster rangekv-demo-[0-9a-f]{8}/);
      expect(r.stdout).toContain('self-test passed');
      expect(r.stdout).toContain('stopped.');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
