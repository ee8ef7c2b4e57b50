/**
 * The check command: reads a history file, runs one checker, prints the details and then a
 * one-line verdict as the very last line.
 *
 *   check --model register|set|bank|list-append [options] <history.jsonl | ->
 *
 * Exit codes: 0 valid, 1 invalid, 2 unknown (budget exhausted, nothing to judge),
 * 3 error (malformed history, unreadable file, bad command line). The verdict line starts with
 * VALID, INVALID, UNKNOWN or ERROR.
 *
 * Kept apart from check-cli.ts (the process entry point) so tests can run it in-process.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { HistoryError, parseHistoryJsonl } from './history.js';
import { EXIT_CODE_ERROR, exitCodeOf } from './verdict.js';
import type { ConsistencyModel } from './checkers/list-append.js';
import { REGISTER_MAX_STATES_PER_KEY_DEFAULT } from './checkers/register.js';
import { CHECK_MODELS, runChecker, type CheckModel } from './run-checker.js';

export interface CheckIo {
  /** Standard output: details, JSON and the verdict line. */
  readonly write: (text: string) => void;
  /** Standard error: usage messages. */
  readonly writeError: (text: string) => void;
  /** Reads a whole file as UTF-8; "-" means standard input. */
  readonly readFile: (path: string) => string;
}

const CONSISTENCY_MODELS: readonly ConsistencyModel[] = ['serializable', 'strict-serializable', 'snapshot-isolation'];

/** The options as commander parses them. */
interface CommandOptions {
  readonly model: CheckModel;
  readonly maxStates: number;
  readonly total?: number;
  readonly consistency: ConsistencyModel;
  readonly pendingAsInfo: boolean;
  readonly json: boolean;
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError('expected a positive integer');
  return value;
}

function integer(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError('expected an integer');
  return value;
}

/** Parses argv (without "node script"), runs the check, returns the process exit code. */
export function runCheckCommand(argv: readonly string[], io: CheckIo): number {
  // Filled by the commander action; an object so the type checker does not narrow it to null.
  const parsed: { request: { options: CommandOptions; path: string } | null } = { request: null };
  const program = new Command('check')
    .description('Check a JSON Lines history against a consistency model. Exit 0 valid, 1 invalid, 2 unknown, 3 error.')
    .addOption(new Option('--model <model>', 'the model to check against').choices(CHECK_MODELS).makeOptionMandatory())
    .option('--max-states <count>', 'register: search budget per key, in memoized states', positiveInteger, REGISTER_MAX_STATES_PER_KEY_DEFAULT)
    .option('--total <amount>', 'bank: the total of all balances (default: the sum of the first ok read)', integer)
    .addOption(new Option('--consistency <model>', 'list-append: the consistency model to judge by').choices(CONSISTENCY_MODELS).default('serializable'))
    .option('--pending-as-info', 'treat operations that never completed as info (outcome unknown) instead of rejecting the history', false)
    .option('--json', 'print the full result as JSON before the verdict line', false)
    .argument('<history>', 'history file (JSON Lines), or - for standard input')
    .exitOverride()
    // Usage errors come back as the ERROR verdict line, so commander need not print them too.
    .configureOutput({ writeOut: (text) => io.write(text), writeErr: (text) => io.writeError(text), outputError: () => undefined })
    .action((path: string, options: CommandOptions) => {
      parsed.request = { options, path };
    });

  try {
    program.parse([...argv], { from: 'user' });
  } catch (error: unknown) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0; // --help
      io.write(`ERROR check: ${error.message.replace(/^error: /, '')}\n`);
      return EXIT_CODE_ERROR;
    }
    throw error;
  }
  const request = parsed.request;
  if (request === null) {
    io.write('ERROR check: nothing to do\n');
    return EXIT_CODE_ERROR;
  }
  const { options, path } = request;

  let text: string;
  try {
    text = io.readFile(path);
  } catch (error: unknown) {
    io.write(`ERROR check: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_CODE_ERROR;
  }
  try {
    const history = parseHistoryJsonl(text, { pendingAtEnd: options.pendingAsInfo ? 'info' : 'reject' });
    const { report, result } = runChecker(history, {
      model: options.model,
      maxStatesPerKey: options.maxStates,
      consistencyModel: options.consistency,
      ...(options.total === undefined ? {} : { totalBalance: options.total }),
    });
    for (const line of report.details) io.write(`${line}\n`);
    if (options.json) io.write(`${JSON.stringify(result, null, 2)}\n`);
    io.write(`${report.verdictLine}\n`);
    return exitCodeOf(report.verdict);
  } catch (error: unknown) {
    if (error instanceof HistoryError) {
      io.write(`ERROR ${options.model}: malformed history (${error.code}) in ${path}: ${error.message}\n`);
      return EXIT_CODE_ERROR;
    }
    throw error;
  }
}
