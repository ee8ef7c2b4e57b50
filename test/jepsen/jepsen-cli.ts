/**
 * Entry point of `npm run jepsen -- --workload register --nemesis kill,partition --time 60 ...`
 * (see jepsen-command.ts for the options, jepsen-runner.ts for what a run does). The last line is
 * the verdict; the exit code is the checker's (0 valid, 1 invalid, 2 unknown) or 3 (error).
 */
import { CommanderError } from 'commander';
import { parseJepsenArgs } from './jepsen-command.js';
import { JepsenConfigError, runJepsen } from './jepsen-runner.js';
import { EXIT_CODE_ERROR } from './verdict.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseJepsenArgs(process.argv.slice(2), (program) =>
      program.configureOutput({ writeOut: (text) => process.stdout.write(text), writeErr: (text) => process.stderr.write(text), outputError: () => undefined }),
    );
  } catch (error: unknown) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      process.stdout.write(`ERROR jepsen: ${error.message.replace(/^error: /, '')}\n`);
      return EXIT_CODE_ERROR;
    }
    throw error;
  }
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  say(`jepsen: ${options.workload} × ${options.nemeses.join(',') || 'none'} on ${options.nodeCount} ${options.cluster} nodes for ${options.timeS}s, concurrency ${options.concurrency}, seed ${options.seed}`);
  try {
    const result = await runJepsen({ ...options, say });
    const checkerLine = result.summary.checker?.verdictLine ?? result.summary.error ?? '';
    say(`${result.verdict.toUpperCase()} jepsen: ${options.workload} × ${options.nemeses.join(',') || 'none'} seed ${options.seed}: ${checkerLine} (${result.runDir})`);
    return result.exitCode;
  } catch (error: unknown) {
    if (error instanceof JepsenConfigError) {
      say(`ERROR jepsen: ${error.message}`);
      return EXIT_CODE_ERROR;
    }
    throw error;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.stdout.write(`ERROR jepsen: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_CODE_ERROR;
  },
);
