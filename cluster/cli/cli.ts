#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { RangekvClient } from '../../client/rangekv-client.js';
import { fromHex, toBytes, toHex, toText } from '../../client/bytes.js';
import { readConsistencies, type ReadConsistency } from '../../client/call-options.js';
import { isAddress, type ClientTls } from '../../client/client-options.js';
import type { KeyValue } from '../../client/results.js';
import { registerCert } from './cli-cert.js';
import { registerDemo } from './cli-demo.js';
import { ConfigError, loadClusterConfig } from '../config/cluster-config.js';
import { KvError } from '../../proto/kv-error.js';
import type { NodeOptions } from '../config/node-options.js';
import { exitCodes, type CliContext, type CliDeps, type CliIo, type CommandRegistrar } from './cli-context.js';
import { storeId, type StoreId } from '../../proto/range-descriptor.js';
import { insecureNetwork, type NetworkSecurity } from '../grpc/network-security.js';
import { ReloadableTlsIdentity } from '../grpc/tls-credentials.js';

/**
 * `rangekv`: the command line. `main(argv, io)` is the whole program, testable in-process: it
 * prints only through `io` and returns the exit code.
 *
 * Exit codes: 0 ok; 1 the database answered with an error (its code is printed); 2 usage error
 * (bad flags, bad config file); 3 nothing to show (`kv get` of an absent key, `kv cas` that did
 * not swap).
 */
export { exitCodes, type CliContext, type CliDeps, type CliIo, type CommandRegistrar } from './cli-context.js';

/** The node is loaded only by `start`, so `kv` commands do not pay for the storage engine. */
const defaultDeps: CliDeps = { startNode: async (options, security) => (await import('../grpc/start-node.js')).startNode(options, security) };

export const defaultAddress = '127.0.0.1:7001';

export const commandRegistrars: CommandRegistrar[] = [registerStart, registerKv, registerDemo, registerCert];

export async function main(argv: readonly string[], io: CliIo, deps: CliDeps = defaultDeps, registrars: readonly CommandRegistrar[] = commandRegistrars): Promise<number> {
  const ctx: CliContext = { io, deps, exitCode: exitCodes.ok };
  const program = new Command('rangekv')
    .description('rangekv: a strongly consistent, range-partitioned, Raft-replicated key-value database')
    .addHelpText('after', `\nExit codes: 0 ok, 1 database error (its code is printed), 2 usage error, 3 no result (kv get: absent key; kv cas: not swapped).`);
  configure(program, io);
  for (const r of registrars) r(program, ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    if (e instanceof UsageError || e instanceof ConfigError) {
      io.stderr(`error: ${e.message}\n`);
      return exitCodes.usage;
    }
    if (e instanceof KvError) {
      io.stderr(`error: ${e.code}: ${e.message}\n`);
      if (e.code === 'OUTCOME_UNKNOWN') io.stderr('note: the write may or may not have taken effect\n');
      return exitCodes.databaseError;
    }
    io.stderr(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return exitCodes.databaseError;
  }
  return ctx.exitCode;
}

/** A mistake in how the command was called, found after parsing (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Every command prints through io, and never exits the process itself. */
function configure(cmd: Command, io: CliIo): Command {
  return cmd
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
}

function subcommand(parent: Command, nameAndArgs: string, io: CliIo): Command {
  return configure(parent.command(nameAndArgs), io);
}

// -------------------------------------------------------------------------------------------------
// rangekv start

interface StartFlags {
  readonly config: string;
  readonly storeId: number;
  readonly dataDir: string;
  readonly listen?: string;
  readonly peer: readonly { readonly storeId: number; readonly address: string }[];
  readonly logLevel: string;
  readonly tickMs?: number;
  readonly leaseReads?: boolean;
  readonly clientInflightMax?: number;
  readonly insecure?: boolean;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  readonly admins: readonly string[];
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function registerStart(program: Command, ctx: CliContext): void {
  subcommand(program, 'start', ctx.io)
    .description('run one store of a cluster (a node) until SIGINT or SIGTERM')
    .requiredOption('--config <path>', 'cluster layout file (JSON: clusterId, stores, ranges; see cluster/config/cluster-config.ts)')
    .requiredOption('--store-id <n>', "this node's store id (one of the config's stores)", positiveInt)
    .requiredOption('--data-dir <dir>', "directory of this store's database (created if missing)")
    .option('--listen <host:port>', "address to listen on (default: the store's address in the config)", address)
    .option('--peer <storeId=host:port>', "reach another store at this address instead of the config's (repeatable)", collectPeer, [])
    .addOption(new Option('--log-level <level>', 'log level').choices(logLevels).default('info'))
    .option('--tick-ms <ms>', 'raft tick length (default 100)', positiveInt)
    .option('--lease-reads', 'serve linearizable reads from a leader lease')
    .option('--client-inflight-max <n>', 'requests one client (certificate name, else IP address) may have in flight on this node (default 1000)', positiveInt)
    .option('--tls-cert <file>', "this node's certificate (rangekv cert create-node)")
    .option('--tls-key <file>', "this node's private key")
    .option('--tls-ca <file>', "the cluster's CA certificate (rangekv cert create-ca)")
    .option('--admins <names>', 'client certificate names allowed to use the Admin API', nameList, ['root'])
    .option('--insecure', 'plaintext and no authentication: anyone who can reach the port controls the cluster (demos and tests only)')
    .addHelpText('after', '\nExamples:\n  rangekv start --config cluster.json --store-id 1 --data-dir ./data/1 --tls-cert certs/node.1.crt --tls-key certs/node.1.key --tls-ca certs/ca.crt\n  rangekv start --config cluster.json --store-id 1 --data-dir ./data/1 --insecure')
    .action(async (flags: StartFlags) => {
      ctx.exitCode = await runStart(flags, ctx);
    });
}

async function runStart(f: StartFlags, ctx: CliContext): Promise<number> {
  const cluster = loadClusterConfig(f.config);
  const id = storeId(f.storeId);
  if (!cluster.stores.some((s) => s.storeId === id)) throw new UsageError(`store ${id} is not in ${f.config} (stores: ${cluster.stores.map((s) => s.storeId).join(', ')})`);
  const peers = new Map<StoreId, string>();
  for (const p of f.peer) {
    const peerId = storeId(p.storeId);
    if (!cluster.stores.some((s) => s.storeId === peerId)) throw new UsageError(`--peer names store ${peerId}, which is not in ${f.config}`);
    peers.set(peerId, p.address);
  }
  // The node's child loggers add storeId and rangeId themselves.
  const logger = pino({ level: f.logLevel }, ctx.io.logDestination ?? pino.destination(1));
  const options: NodeOptions = {
    cluster,
    storeId: id,
    dataDir: f.dataDir,
    logger,
    ...(f.listen !== undefined ? { listenAddress: f.listen } : {}),
    ...(peers.size > 0 ? { peerAddressOverrides: peers } : {}),
    ...(f.tickMs !== undefined ? { tickMs: f.tickMs } : {}),
    ...(f.leaseReads === true ? { leaseReads: true } : {}),
    ...(f.clientInflightMax !== undefined ? { clientInflightRequestsMax: f.clientInflightMax } : {}),
  };
  const security = networkSecurity(f);
  const stopRequested = ctx.io.shutdownSignal();
  const node = await ctx.deps.startNode(options, security);
  if (security.mode === 'tls') {
    const identity = security.identity;
    ctx.io.onReloadSignal?.(() => {
      try {
        const { validTo } = identity.reload();
        logger.info({ cert: identity.files.certFile, validTo }, 'certificates reloaded (SIGHUP)');
      } catch (e) {
        logger.error({ err: e }, 'certificates not reloaded (SIGHUP); the current ones stay in use');
      }
    });
  }
  const mode = security.mode === 'tls' ? 'mutual TLS' : 'INSECURE: plaintext, no authentication';
  ctx.io.stderr(`rangekv: store ${node.storeId} of cluster ${cluster.clusterId} serving on ${node.address} (${mode}; Ctrl-C to stop)\n`);
  const signal = await stopRequested;
  ctx.io.stderr(`rangekv: ${signal}: stopping store ${node.storeId}\n`);
  await node.stop(signal);
  return exitCodes.ok;
}

/** `--insecure`, or all three `--tls-*` files: a node never runs in plaintext by accident. */
function networkSecurity(f: StartFlags): NetworkSecurity {
  const tls = [f.tlsCert, f.tlsKey, f.tlsCa];
  const given = tls.filter((x) => x !== undefined).length;
  if (f.insecure === true) {
    if (given > 0) throw new UsageError('--insecure and --tls-* exclude each other');
    return insecureNetwork;
  }
  if (given !== 3) {
    throw new UsageError('give --tls-cert, --tls-key and --tls-ca (see `rangekv cert --help`), or --insecure to run without TLS and authentication');
  }
  return { mode: 'tls', identity: new ReloadableTlsIdentity({ certFile: f.tlsCert!, keyFile: f.tlsKey!, caFile: f.tlsCa! }), adminNames: new Set(f.admins) };
}

function nameList(v: string): string[] {
  const names = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new InvalidArgumentError('expected comma-separated names');
  return names;
}

// -------------------------------------------------------------------------------------------------
// rangekv kv …

interface ClientFlags {
  readonly addresses?: readonly string[];
  readonly consistency?: ReadConsistency;
  readonly timeoutMs?: number;
  readonly hex?: boolean;
  readonly json?: boolean;
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
}

function registerKv(program: Command, ctx: CliContext): void {
  const io = ctx.io;
  const kv = subcommand(program, 'kv', io).description('read and write keys (keys and values are UTF-8 text, or hex with --hex)');

  withClientFlags(subcommand(kv, 'get <key>', io))
    .description('print the key\'s value as "key<TAB>value" (exit code 3 when the key has none)')
    .action(async (key: string, flags: ClientFlags) => {
      const k = input(key, flags);
      ctx.exitCode = await withClient(flags, ctx, async (client) => {
        const kv = await client.get(k, readOptions(flags));
        if (kv === undefined) {
          if (flags.json === true) io.stdout(`${JSON.stringify({ key: show(k, flags), found: false })}\n`);
          return exitCodes.noResult;
        }
        io.stdout(flags.json === true ? `${JSON.stringify(kvJson(kv, flags, false))}\n` : `${show(kv.key, flags)}\t${show(kv.value, flags)}\n`);
        return exitCodes.ok;
      });
    });

  withClientFlags(subcommand(kv, 'put <key> <value>', io))
    .description('set the key to the value')
    .action(async (key: string, value: string, flags: ClientFlags) => {
      const k = input(key, flags);
      const v = input(value, flags, true);
      ctx.exitCode = await withClient(flags, ctx, async (client) => {
        const r = await client.put(k, v, callOptions(flags));
        io.stdout(flags.json === true ? `${JSON.stringify({ version: r.version.toString() })}\n` : 'OK\n');
        return exitCodes.ok;
      });
    });

  withClientFlags(subcommand(kv, 'delete <key>', io))
    .description('remove the key (succeeds whether or not it existed; prints which)')
    .action(async (key: string, flags: ClientFlags) => {
      const k = input(key, flags);
      ctx.exitCode = await withClient(flags, ctx, async (client) => {
        const r = await client.delete(k, callOptions(flags));
        io.stdout(flags.json === true ? `${JSON.stringify({ deleted: r.deleted, version: r.version.toString() })}\n` : r.deleted ? 'deleted\n' : 'not found\n');
        return exitCodes.ok;
      });
    });

  withClientFlags(subcommand(kv, 'scan', io))
    .description('print the keys of [start, end) in order, one "key<TAB>value" per line')
    .option('--start <key>', 'first key (inclusive; default: the start of the keyspace)')
    .option('--end <key>', 'end key (exclusive; default: the end of the keyspace)')
    .option('--limit <n>', 'print at most this many keys', positiveInt)
    .option('--page-size <n>', 'keys fetched per request (default 256)', positiveInt)
    .option('--reverse', 'descending key order')
    .option('--keys-only', 'print keys only')
    .action(async (flags: ClientFlags & { start?: string; end?: string; limit?: number; pageSize?: number; reverse?: boolean; keysOnly?: boolean }) => {
      const start = flags.start === undefined ? undefined : input(flags.start, flags, true);
      const end = flags.end === undefined ? undefined : input(flags.end, flags, true);
      ctx.exitCode = await withClient(flags, ctx, async (client) => {
        const rows = client.scan({
          ...readOptions(flags),
          ...(start !== undefined ? { start } : {}),
          ...(end !== undefined ? { end } : {}),
          ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
          ...(flags.pageSize !== undefined ? { limitPerPage: flags.pageSize } : {}),
          reverse: flags.reverse === true,
          keysOnly: flags.keysOnly === true,
        });
        for await (const kv of rows) {
          if (flags.json === true) io.stdout(`${JSON.stringify(kvJson(kv, flags, flags.keysOnly === true))}\n`);
          else io.stdout(flags.keysOnly === true ? `${show(kv.key, flags)}\n` : `${show(kv.key, flags)}\t${show(kv.value, flags)}\n`);
        }
        return exitCodes.ok;
      });
    });

  withClientFlags(subcommand(kv, 'cas <key> [new-value]', io))
    .description('compare-and-swap: write new-value only if the current value is as expected (exit code 3 when it is not)')
    .option('--expect <value>', 'the value the key must have')
    .option('--expect-absent', 'the key must not exist')
    .option('--delete', 'delete the key instead of writing a new value')
    .addHelpText('after', '\nExamples:\n  rangekv kv cas counter 2 --expect 1\n  rangekv kv cas lock me --expect-absent\n  rangekv kv cas lock --expect me --delete')
    .action(async (key: string, newValue: string | undefined, flags: ClientFlags & { expect?: string; expectAbsent?: boolean; delete?: boolean }) => {
      if ((flags.expect === undefined) === (flags.expectAbsent !== true)) throw new UsageError('give exactly one of --expect <value> and --expect-absent');
      if (flags.delete === true && newValue !== undefined) throw new UsageError('--delete takes no new value');
      if (flags.delete !== true && newValue === undefined) throw new UsageError('missing new-value (or --delete)');
      const k = input(key, flags);
      const expected = flags.expect === undefined ? null : input(flags.expect, flags, true);
      const next = newValue === undefined ? null : input(newValue, flags, true);
      ctx.exitCode = await withClient(flags, ctx, async (client) => {
        const r = await client.compareAndSwap(k, expected, next, callOptions(flags));
        if (flags.json === true) {
          io.stdout(`${JSON.stringify({ succeeded: r.succeeded, current: r.current === undefined ? null : show(r.current, flags), version: r.version.toString() })}\n`);
        } else {
          io.stdout(r.succeeded ? 'swapped\n' : `not swapped: current ${r.current === undefined ? 'absent' : `value ${show(r.current, flags)}`}\n`);
        }
        return r.succeeded ? exitCodes.ok : exitCodes.noResult;
      });
    });
}

function withClientFlags(cmd: Command): Command {
  return cmd
    .option('--addresses <list>', `comma-separated node addresses (default: $RANGEKV_ADDRESSES, else ${defaultAddress})`, addressList)
    .addOption(new Option('--consistency <level>', 'read consistency (reads only; default linearizable)').choices(readConsistencies))
    .option('--timeout-ms <ms>', 'time allowed for the call, retries included (default 10000)', positiveInt)
    .option('--hex', 'keys and values are given and printed as hex')
    .option('--json', 'print JSON (one object per line)')
    .option('--tls-ca <file>', "the cluster's CA certificate: connect with TLS (default: $RANGEKV_TLS_CA; plaintext without)")
    .option('--tls-cert <file>', 'this client\'s certificate (default: $RANGEKV_TLS_CERT)')
    .option('--tls-key <file>', 'this client\'s private key (default: $RANGEKV_TLS_KEY)');
}

/** The client's TLS files, from flags or the environment; undefined: plaintext. */
function clientTls(flags: ClientFlags, env: CliIo['env']): ClientTls | undefined {
  const ca = flags.tlsCa ?? env['RANGEKV_TLS_CA'];
  const cert = flags.tlsCert ?? env['RANGEKV_TLS_CERT'];
  const key = flags.tlsKey ?? env['RANGEKV_TLS_KEY'];
  if (ca === undefined) {
    if (cert !== undefined || key !== undefined) throw new UsageError('--tls-cert and --tls-key need --tls-ca');
    return undefined;
  }
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const read = (path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new UsageError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return { ca: read(ca), ...(cert !== undefined && key !== undefined ? { cert: read(cert), key: read(key) } : {}) };
}

async function withClient(flags: ClientFlags, ctx: CliContext, body: (client: RangekvClient) => Promise<number>): Promise<number> {
  const addresses = flags.addresses ?? addressListFrom(ctx.io.env['RANGEKV_ADDRESSES'] ?? defaultAddress, 'RANGEKV_ADDRESSES');
  const tls = clientTls(flags, ctx.io.env);
  const client = await RangekvClient.connect({ addresses, ...(flags.timeoutMs !== undefined ? { timeoutMs: flags.timeoutMs } : {}), ...(tls !== undefined ? { tls } : {}) });
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

function callOptions(flags: ClientFlags): { timeoutMs?: number } {
  return flags.timeoutMs !== undefined ? { timeoutMs: flags.timeoutMs } : {};
}

function readOptions(flags: ClientFlags): { timeoutMs?: number; consistency?: ReadConsistency } {
  return { ...callOptions(flags), ...(flags.consistency !== undefined ? { consistency: flags.consistency } : {}) };
}

/** A key or value from the command line: UTF-8 text, or hex with --hex. Keys must not be empty. */
function input(s: string, flags: ClientFlags, emptyAllowed = false): Uint8Array {
  let b: Uint8Array;
  if (flags.hex === true) {
    if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new UsageError(`not an even-length hex string: ${JSON.stringify(s)}`);
    b = fromHex(s);
  } else {
    b = toBytes(s);
  }
  if (!emptyAllowed && b.length === 0) throw new UsageError('keys must not be empty');
  return b;
}

function show(b: Uint8Array, flags: ClientFlags): string {
  return flags.hex === true ? toHex(b) : toText(b);
}

function kvJson(kv: KeyValue, flags: ClientFlags, keysOnly: boolean): Record<string, string | boolean> {
  return keysOnly ? { key: show(kv.key, flags), version: kv.version.toString() } : { key: show(kv.key, flags), value: show(kv.value, flags), version: kv.version.toString() };
}

// -------------------------------------------------------------------------------------------------
// Flag parsers (a bad value is a usage error)

function positiveInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function address(v: string): string {
  if (!isAddress(v)) throw new InvalidArgumentError('expected host:port');
  return v;
}

function addressList(v: string): string[] {
  try {
    return addressListFrom(v, '--addresses');
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function addressListFrom(v: string, what: string): string[] {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw new UsageError(`${what}: no address given`);
  for (const a of list) if (!isAddress(a)) throw new UsageError(`${what}: not a host:port address: ${JSON.stringify(a)}`);
  return list;
}

function collectPeer(v: string, previous: readonly { storeId: number; address: string }[]): { storeId: number; address: string }[] {
  const m = /^(\d+)=(.+)$/.exec(v);
  if (m === null || !isAddress(m[2]!) || Number(m[1]) <= 0 || !Number.isSafeInteger(Number(m[1]))) throw new InvalidArgumentError('expected storeId=host:port');
  return [...previous, { storeId: Number(m[1]), address: m[2]! }];
}

// -------------------------------------------------------------------------------------------------
// The process

/** The real process's io: stdout/stderr, its environment, and SIGINT/SIGTERM. */
export function processIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    shutdownSignal: () =>
      new Promise<string>((resolve) => {
        // One stop, however many signals ask for it: Ctrl-C reaches every process of the terminal's
        // group and a supervisor (the demo) may send SIGTERM too. The handler stays installed, so a
        // second signal cannot kill the process halfway through its graceful stop.
        let stopping = false;
        const on = (signal: NodeJS.Signals): void => {
          if (stopping) return;
          stopping = true;
          resolve(signal);
        };
        process.on('SIGINT', on);
        process.on('SIGTERM', on);
      }),
    onReloadSignal: (handler) => void process.on('SIGHUP', handler),
  };
}

function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const code = await main(process.argv.slice(2), processIo());
  process.exitCode = code;
  // Let output drain and handles close; if something still holds the loop open, leave anyway.
  setTimeout(() => process.exit(code), 2_000).unref();
}
