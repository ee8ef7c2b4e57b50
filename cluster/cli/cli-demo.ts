import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { runDemo } from './local-demo.js';

/**
 * `rangekv demo` (what `npm start` runs): a local cluster of real node processes on 127.0.0.1,
 * started with one command and stopped with Ctrl-C.
 */
export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('start a local cluster (3 nodes on 127.0.0.1 by default) and keep it running until Ctrl-C')
    .option('--nodes <n>', 'number of nodes', count, 3)
    .option('--port <n>', 'first port (the nodes take consecutive ports)', port, 7001)
    .option('--data-dir <dir>', 'where the nodes keep their data (default: .demo-data in this checkout)', defaultDataDir())
    .option('--split <keys>', 'comma-separated split keys', 'm')
    .option('--log-level <level>', 'log level of the nodes', 'info')
    .option('--self-test', 'write and read one key per range, then stop the cluster and exit (non-zero on failure)', false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) })
    .action(async (flags: { nodes: number; port: number; dataDir: string; split: string; logLevel: string; selfTest: boolean }) => {
      await runDemo({
        cliPath: fileURLToPath(new URL('./cli.js', import.meta.url)),
        nodes: flags.nodes,
        basePort: flags.port,
        dataDir: flags.dataDir,
        splitKeys: flags.split.split(',').filter((k) => k.length > 0),
        logLevel: flags.logLevel,
        out: (line) => ctx.io.stdout(`${line}\n`),
        stopSignal: ctx.io.shutdownSignal().then(() => undefined),
        selfTest: flags.selfTest,
      });
    });
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1 || n > 9) throw new InvalidArgumentError('must be between 1 and 9');
  return n;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0 picks free ports)');
  return n;
}

/**
 * The demo's data lives in the checkout it runs from (git-ignored), never in a directory every
 * checkout on the machine would share: the package root is the nearest directory with a package.json.
 */
function defaultDataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, '.demo-data');
}
