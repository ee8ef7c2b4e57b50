import type { Command } from 'commander';
import type pino from 'pino';
import type { NodeOptions, RunningNode } from '../config/node-options.js';
import type { NetworkSecurity } from '../grpc/network-security.js';

export const exitCodes = Object.freeze({ ok: 0, databaseError: 1, usage: 2, noResult: 3 });

export interface CliIo {
  /** Writes to standard output (text as given; lines end with \n). */
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Resolves with the signal's name once the process is asked to stop (SIGINT/SIGTERM). Called by
   * `start` before the node starts, so that a stop request during start-up is not lost.
   */
  shutdownSignal(): Promise<string>;
  /** Calls `handler` on every SIGHUP (a node then reloads its certificates); absent where there are no signals. */
  onReloadSignal?(handler: () => void): void;
  /** Where `start` writes the node's logs (default: standard output). */
  readonly logDestination?: pino.DestinationStream;
}

/** What the commands call out to; tests replace them. */
export interface CliDeps {
  startNode(options: NodeOptions, security: NetworkSecurity): Promise<RunningNode>;
}

/** State shared by the commands of one run. */
export interface CliContext {
  readonly io: CliIo;
  readonly deps: CliDeps;
  exitCode: number;
}

/** Adds one command (with its subcommands) to the program. `rangekv demo` plugs in as one more. */
export type CommandRegistrar = (program: Command, ctx: CliContext) => void;

