import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { exitCodes, main, type CliDeps, type CliIo } from '../../cluster/cli/cli.js';
import { KvError } from '../../proto/kv-error.js';
import type { NodeOptions, RunningNode } from '../../cluster/config/node-options.js';
import { storeId } from '../../proto/range-descriptor.js';
import { FakeKvCluster } from './fakes/fake-kv-cluster.js';

/** An in-memory io: captured output, a chosen environment, and a stop signal the test fires. */
class TestIo implements CliIo {
  out = '';
  err = '';
  logs = '';
  private fire: ((s: string) => void) | undefined;
  private readonly signal = new Promise<string>((r) => (this.fire = r));
  readonly logDestination = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      this.logs += chunk.toString();
      done();
    },
  });

  constructor(readonly env: Record<string, string | undefined> = {}) {}

  stdout(t: string): void {
    this.out += t;
  }

  stderr(t: string): void {
    this.err += t;
  }

  shutdownSignal(): Promise<string> {
    return this.signal;
  }

  sendSignal(name: string): void {
    this.fire?.(name);
  }
}

async function run(argv: string[], env: Record<string, string | undefined> = {}, deps?: CliDeps): Promise<{ code: number; io: TestIo }> {
  const io = new TestIo(env);
  const code = await main(argv, io, deps);
  return { code, io };
}

describe('rangekv CLI: usage', () => {
  it('--help prints usage and exits 0, at every level', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.io.out).toContain('Usage: rangekv');
    expect(top.io.out).toContain('start');
    expect(top.io.out).toContain('kv');
    expect(top.io.out).toContain('Exit codes');
    const scan = await run(['kv', 'scan', '--help']);
    expect(scan.code).toBe(0);
    expect(scan.io.out).toContain('--reverse');
    expect(scan.io.out).toContain('RANGEKV_ADDRESSES');
    const start = await run(['start', '--help']);
    expect(start.io.out).toContain('--peer <storeId=host:port>');
  });

  it.each([
    [[], 'no command'],
    [['frobnicate'], 'unknown command'],
    [['kv', 'get'], 'missing argument'],
    [['kv', 'get', 'k', '--timeout-ms', 'soon'], 'bad number'],
    [['kv', 'get', 'k', '--timeout-ms', '0'], 'zero timeout'],
    [['kv', 'get', 'k', '--addresses', 'nowhere'], 'bad address'],
    [['kv', 'get', 'k', '--consistency', 'eventual'], 'bad consistency'],
    [['kv', 'get', 'zz', '--hex', '--addresses', '127.0.0.1:1'], 'bad hex'],
    [['kv', 'get', '', '--addresses', '127.0.0.1:1'], 'empty key'],
    [['kv', 'cas', 'k', 'v', '--addresses', '127.0.0.1:1'], 'cas without an expectation'],
    [['kv', 'cas', 'k', 'v', '--expect', 'a', '--expect-absent', '--addresses', '127.0.0.1:1'], 'cas with two expectations'],
    [['kv', 'cas', 'k', 'v', '--expect', 'a', '--delete', '--addresses', '127.0.0.1:1'], 'cas --delete with a value'],
    [['kv', 'put', 'k', 'v', '--bogus'], 'unknown option'],
    [['start', '--store-id', '1', '--data-dir', '/tmp/x'], 'start without --config'],
    [['start', '--config', 'c.json', '--store-id', 'one', '--data-dir', '/tmp/x'], 'bad store id'],
    [['start', '--config', 'c.json', '--store-id', '1', '--data-dir', '/tmp/x', '--peer', '2:host'], 'bad peer'],
  ])('%j is a usage error (%s): exit 2', async (argv) => {
    const { code, io } = await run(argv, { RANGEKV_ADDRESSES: '127.0.0.1:1' });
    expect(code).toBe(exitCodes.usage);
    expect(io.err.length).toBeGreaterThan(0);
  });

  it('a bad RANGEKV_ADDRESSES is a usage error', async () => {
    const { code, io } = await run(['kv', 'get', 'k'], { RANGEKV_ADDRESSES: 'not-an-address' });
    expect(code).toBe(exitCodes.usage);
    expect(io.err).toContain('RANGEKV_ADDRESSES');
  });
});

describe('rangekv kv against a (fake) cluster', () => {
  let cluster: FakeKvCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  async function fake(): Promise<{ c: FakeKvCluster; env: Record<string, string> }> {
    cluster = await FakeKvCluster.start({
      stores: 2,
      ranges: [
        { id: 1, start: '', end: 'm', stores: [1, 2], leader: 1 },
        { id: 2, start: 'm', end: '', stores: [1, 2], leader: 2 },
      ],
    });
    return { c: cluster, env: { RANGEKV_ADDRESSES: cluster.addresses.join(',') } };
  }

  it('put, get, delete, with text output and exit codes', async () => {
    const { c, env } = await fake();
    expect((await run(['kv', 'put', 'hello', 'world'], env)).io.out).toBe('OK\n');
    expect(c.value('hello')).toBe('world');
    const got = await run(['kv', 'get', 'hello'], env);
    expect([got.code, got.io.out]).toEqual([0, 'hello\tworld\n']);
    expect((await run(['kv', 'delete', 'hello'], env)).io.out).toBe('deleted\n');
    expect((await run(['kv', 'delete', 'hello'], env)).io.out).toBe('not found\n');
    const missing = await run(['kv', 'get', 'hello'], env);
    expect([missing.code, missing.io.out]).toEqual([exitCodes.noResult, '']);
  });

  it('--addresses overrides the environment', async () => {
    const { c } = await fake();
    const r = await run(['kv', 'put', 'k', 'v', '--addresses', c.addresses.join(',')], { RANGEKV_ADDRESSES: 'bad' });
    expect(r.code).toBe(0);
    expect(c.value('k')).toBe('v');
  });

  it('scan prints key<TAB>value lines in order, across ranges, with bounds, limit, reverse and keys-only', async () => {
    const { c, env } = await fake();
    for (const k of ['a', 'b', 'n', 'z']) c.seed(k, k.toUpperCase());
    expect((await run(['kv', 'scan', '--page-size', '1'], env)).io.out).toBe('a\tA\nb\tB\nn\tN\nz\tZ\n');
    expect((await run(['kv', 'scan', '--start', 'b', '--end', 'z'], env)).io.out).toBe('b\tB\nn\tN\n');
    expect((await run(['kv', 'scan', '--reverse', '--limit', '3', '--keys-only'], env)).io.out).toBe('z\nn\nb\n');
    expect((await run(['kv', 'scan', '--consistency', 'follower', '--limit', '1'], env)).io.out).toBe('a\tA\n');
  });

  it('--json prints one JSON object per line; --hex reads and prints bytes as hex', async () => {
    const { c, env } = await fake();
    c.seed('a', 'A');
    const j = await run(['kv', 'get', 'a', '--json'], env);
    expect(JSON.parse(j.io.out)).toMatchObject({ key: 'a', value: 'A' });
    expect((await run(['kv', 'put', '00ff', 'c0ffee', '--hex'], env)).code).toBe(0);
    expect((await run(['kv', 'get', '00ff', '--hex'], env)).io.out).toBe('00ff\tc0ffee\n');
    const lines = (await run(['kv', 'scan', '--json', '--hex'], env)).io.out.trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { key: string }).key)).toEqual(['00ff', '61']);
    expect(JSON.parse((await run(['kv', 'get', 'nope', '--json'], env)).io.out)).toEqual({ key: 'nope', found: false });
  });

  it('cas swaps (exit 0) or reports what it found (exit 3)', async () => {
    const { c, env } = await fake();
    expect((await run(['kv', 'cas', 'lock', 'me', '--expect-absent'], env)).io.out).toBe('swapped\n');
    const lost = await run(['kv', 'cas', 'lock', 'you', '--expect-absent'], env);
    expect([lost.code, lost.io.out]).toEqual([exitCodes.noResult, 'not swapped: current value me\n']);
    expect((await run(['kv', 'cas', 'lock', '--expect', 'me', '--delete'], env)).code).toBe(0);
    expect(c.value('lock')).toBeUndefined();
  });

  it('a database error exits 1 and prints its code', async () => {
    const { c, env } = await fake();
    c.inject({ method: 'Put', action: { kind: 'error', error: new KvError('INVALID_ARGUMENT', 'value too large') } });
    const r = await run(['kv', 'put', 'k', 'v'], env);
    expect(r.code).toBe(exitCodes.databaseError);
    expect(r.io.err).toContain('INVALID_ARGUMENT');
  });

  it('a write whose outcome is unknown says so', async () => {
    const { c, env } = await fake();
    c.inject({ method: 'Put', times: Infinity, action: { kind: 'outcome-unknown', apply: false } });
    const r = await run(['kv', 'put', 'k', 'v', '--timeout-ms', '200'], env);
    expect(r.code).toBe(exitCodes.databaseError);
    expect(r.io.err).toContain('OUTCOME_UNKNOWN');
    expect(r.io.err).toContain('may or may not have taken effect');
  });

  it('an unreachable cluster exits 1 with UNAVAILABLE', async () => {
    const r = await run(['kv', 'get', 'k', '--timeout-ms', '300', '--addresses', '127.0.0.1:1']);
    expect(r.code).toBe(exitCodes.databaseError);
    expect(r.io.err).toContain('UNAVAILABLE');
  });
});

describe('rangekv start', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function configFile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'rangekv-cli-'));
    dirs.push(dir);
    const path = join(dir, 'cluster.json');
    writeFileSync(
      path,
      JSON.stringify({
        clusterId: 'test',
        stores: [
          { storeId: 1, address: '127.0.0.1:7001' },
          { storeId: 2, address: '127.0.0.1:7002' },
        ],
        ranges: [{ rangeId: 1, start: '', end: '', stores: [1, 2] }],
      }),
    );
    return path;
  }

  /** A startNode that records its options and how it was stopped. */
  function fakeNode(): { deps: CliDeps; started: NodeOptions[]; stopped: string[] } {
    const started: NodeOptions[] = [];
    const stopped: string[] = [];
    return {
      started,
      stopped,
      deps: {
        startNode: async (o: NodeOptions): Promise<RunningNode> => {
          started.push(o);
          o.logger.info({ event: 'started' }, 'fake node up');
          return { storeId: o.storeId, address: o.listenAddress ?? '127.0.0.1:7001', stop: async (why: string) => void stopped.push(why) };
        },
      },
    };
  }

  it('builds the node options from the flags, runs until a signal, then stops the node and exits 0', async () => {
    const config = configFile();
    const f = fakeNode();
    const io = new TestIo();
    const done = main(
      ['start', '--config', config, '--store-id', '2', '--data-dir', '/tmp/rangekv-2', '--listen', '127.0.0.1:9002', '--peer', '1=127.0.0.1:9101', '--log-level', 'debug', '--tick-ms', '50', '--lease-reads', '--insecure'],
      io,
      f.deps,
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(f.started).toHaveLength(1);
    expect(f.stopped).toEqual([]);
    io.sendSignal('SIGTERM');
    expect(await done).toBe(0);
    expect(f.stopped).toEqual(['SIGTERM']);
    const o = f.started[0]!;
    expect(o.storeId).toBe(2);
    expect(o.cluster.clusterId).toBe('test');
    expect(o.dataDir).toBe('/tmp/rangekv-2');
    expect(o.listenAddress).toBe('127.0.0.1:9002');
    expect([...(o.peerAddressOverrides ?? new Map())]).toEqual([[storeId(1), '127.0.0.1:9101']]);
    expect(o.tickMs).toBe(50);
    expect(o.leaseReads).toBe(true);
    expect(o.logger.level).toBe('debug');
    expect(io.logs).toContain('fake node up');
    expect(io.err).toContain('serving on 127.0.0.1:9002');
  });

  it('a signal during start-up is not lost', async () => {
    const config = configFile();
    const f = fakeNode();
    const io = new TestIo();
    io.sendSignal('SIGINT');
    expect(await main(['start', '--config', config, '--store-id', '1', '--data-dir', '/tmp/x', '--insecure'], io, f.deps)).toBe(0);
    expect(f.stopped).toEqual(['SIGINT']);
  });

  it('config problems are usage errors (exit 2)', async () => {
    const f = fakeNode();
    expect((await run(['start', '--config', '/nonexistent/cluster.json', '--store-id', '1', '--data-dir', '/tmp/x'], {}, f.deps)).code).toBe(exitCodes.usage);
    const config = configFile();
    const r = await run(['start', '--config', config, '--store-id', '9', '--data-dir', '/tmp/x'], {}, f.deps);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.io.err).toContain('store 9 is not in');
    expect((await run(['start', '--config', config, '--store-id', '1', '--data-dir', '/tmp/x', '--peer', '7=127.0.0.1:1'], {}, f.deps)).code).toBe(exitCodes.usage);
    expect(f.started).toHaveLength(0);
  });

  it('a node that fails to start exits 1 with its error code', async () => {
    const config = configFile();
    const deps: CliDeps = {
      startNode: async () => {
        throw new KvError('STORAGE_FAILED', 'disk full');
      },
    };
    const r = await run(['start', '--config', config, '--store-id', '1', '--data-dir', '/tmp/x', '--insecure'], {}, deps);
    expect(r.code).toBe(exitCodes.databaseError);
    expect(r.io.err).toContain('STORAGE_FAILED');
  });
});
