/**
 * Entry point of `npm run check -- --model <m> <history.jsonl>`; see check-command.ts.
 * A crash inside a checker (a bug, never bad input) exits 3 with an ERROR verdict line.
 */
import { readFileSync } from 'node:fs';
import { runCheckCommand } from './check-command.js';
import { EXIT_CODE_ERROR } from './verdict.js';

try {
  process.exitCode = runCheckCommand(process.argv.slice(2), {
    write: (text) => process.stdout.write(text),
    writeError: (text) => process.stderr.write(text),
    readFile: (path) => readFileSync(path === '-' ? 0 : path, 'utf8'),
  });
} catch (error: unknown) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.stdout.write(`ERROR check: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = EXIT_CODE_ERROR;
}
