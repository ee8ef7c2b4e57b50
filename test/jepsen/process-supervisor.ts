/**
 * Starts, kills, pauses and restarts the processes of a test, and makes sure every one it started
 * is stopped: on a normal end (stopAll), on an error (process 'exit' guard), on SIGINT/SIGTERM of
 * the harness (signal guard), and at a hard deadline. It only ever signals processes it spawned,
 * by their PID, and only while Node has not reaped them (so a recycled PID is never hit).
 *
 * Each process writes stdout and stderr to `<logDir>/<name>.stdout.log` / `.stderr.log`, appended
 * across restarts with a marker line per start, straight from the child's file descriptors (nothing
 * passes through the harness, so logs survive the harness dying).
 *
 * A harness killed with SIGKILL runs no guard. For that case a child may opt into a lifeline
 * (`stdinLifeline`): its stdin is a pipe the harness holds open, and a child that exits when its
 * stdin closes dies with the harness. The fake node does; the real node should offer the same flag.
 *
 * Children run in their own process group (detached), so a Ctrl-C in the terminal reaches the
 * harness only, which then stops them itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { faketimeEnv } from './faketime.js';

export interface ProcessSpec {
  /** Unique within the supervisor; also the log file stem ("n1"). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the harness's environment. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Run under libfaketime (LD_PRELOAD) with this per-process control file. */
  readonly faketime?: { readonly libraryPath: string; readonly controlFile: string };
  /** Keep the child's stdin as a pipe held open by the harness (see the module comment). */
  readonly stdinLifeline?: boolean;
}

export type ProcessState = 'not-started' | 'running' | 'paused' | 'exited';

export interface ProcessExit {
  readonly name: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the supervisor killed or stopped it; false for a process that died by itself. */
  readonly expected: boolean;
}

export type SupervisorErrorCode = 'UNKNOWN_PROCESS' | 'DUPLICATE_NAME' | 'ALREADY_RUNNING' | 'NOT_RUNNING' | 'SPAWN_FAILED' | 'CLOSED' | 'EXIT_TIMEOUT';

export class SupervisorError extends Error {
  constructor(
    readonly code: SupervisorErrorCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'SupervisorError';
  }
}

export interface ProcessSupervisorOptions {
  readonly logDir: string;
  /** Wall time from construction after which every process is killed and onDeadline runs. */
  readonly hardDeadlineMs?: number;
  readonly onDeadline?: () => void;
  /** stop(): SIGTERM, then SIGKILL after this long. */
  readonly stopGraceMs?: number;
  /** Bound on waiting for a signalled process to exit. */
  readonly exitWaitMs?: number;
  readonly onExit?: (exit: ProcessExit) => void;
}

interface Managed {
  readonly spec: ProcessSpec;
  child: ChildProcess | null;
  state: ProcessState;
  starts: number;
  /** Set when the supervisor signals it to die, so its exit is expected. */
  dying: boolean;
  exited: Promise<ProcessExit> | null;
}

const STOP_GRACE_MS_DEFAULT = 2000;
const EXIT_WAIT_MS_DEFAULT = 5000;

export class ProcessSupervisor {
  private readonly processes = new Map<string, Managed>();
  private readonly logDir: string;
  private readonly stopGraceMs: number;
  private readonly exitWaitMs: number;
  private readonly deadlineTimer: NodeJS.Timeout | null;
  private closed = false;
  private guardsInstalled: (() => void) | null = null;
  private readonly exits: ProcessExit[] = [];

  constructor(private readonly options: ProcessSupervisorOptions) {
    this.logDir = options.logDir;
    mkdirSync(this.logDir, { recursive: true });
    this.stopGraceMs = options.stopGraceMs ?? STOP_GRACE_MS_DEFAULT;
    this.exitWaitMs = options.exitWaitMs ?? EXIT_WAIT_MS_DEFAULT;
    if (options.hardDeadlineMs === undefined) {
      this.deadlineTimer = null;
    } else {
      this.deadlineTimer = setTimeout(() => {
        this.killAllNow();
        options.onDeadline?.();
      }, options.hardDeadlineMs);
      this.deadlineTimer.unref();
    }
  }

  /** Registers a process without starting it. */
  add(spec: ProcessSpec): void {
    this.assertOpen();
    if (this.processes.has(spec.name)) throw new SupervisorError('DUPLICATE_NAME', `a process named ${spec.name} already exists`);
    this.processes.set(spec.name, { spec, child: null, state: 'not-started', starts: 0, dying: false, exited: null });
  }

  /** Spawns the process; resolves with its PID once it is running. */
  async start(name: string): Promise<number> {
    this.assertOpen();
    const managed = this.get(name);
    if (managed.state === 'running' || managed.state === 'paused') {
      throw new SupervisorError('ALREADY_RUNNING', `${name} is running (pid ${String(managed.child?.pid)})`);
    }
    const spec = managed.spec;
    managed.starts += 1;
    const stdoutPath = this.logPath(name, 'stdout');
    const stderrPath = this.logPath(name, 'stderr');
    const marker = `--- harness: start #${managed.starts} of ${name} at ${new Date().toISOString()}: ${spec.command} ${spec.args.join(' ')}\n`;
    appendFileSync(stdoutPath, marker);
    appendFileSync(stderrPath, marker);
    const stdoutFd = openSync(stdoutPath, 'a');
    const stderrFd = openSync(stderrPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env, ...(spec.faketime === undefined ? {} : faketimeEnv(spec.faketime.libraryPath, spec.faketime.controlFile)) },
        stdio: [spec.stdinLifeline === true ? 'pipe' : 'ignore', stdoutFd, stderrFd],
        detached: true,
      });
    } finally {
      closeSync(stdoutFd);
      closeSync(stderrFd);
    }
    managed.child = child;
    managed.dying = false;
    managed.state = 'running';
    // The lifeline pipe is never written; errors on it (EPIPE when the child exits) are expected.
    child.stdin?.on('error', () => undefined);
    managed.exited = new Promise<ProcessExit>((resolve) => {
      child.once('exit', (code, signal) => {
        const exit: ProcessExit = { name, pid: child.pid ?? -1, code, signal, expected: managed.dying };
        if (managed.child === child) {
          managed.state = 'exited';
          managed.child = null;
        }
        this.exits.push(exit);
        this.options.onExit?.(exit);
        resolve(exit);
      });
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        managed.state = 'exited';
        managed.child = null;
        reject(new SupervisorError('SPAWN_FAILED', `${name}: ${spec.command}: ${error.message}`));
      });
    });
    // Later 'error' events (a signal that could not be delivered) must not crash the harness; the
    // 'exit' event is what tells the supervisor a process is gone.
    child.on('error', () => undefined);
    return child.pid ?? -1;
  }

  /** kill -9; resolves once it has exited. A no-op for a process that is not running. */
  async kill(name: string): Promise<ProcessExit | null> {
    const managed = this.get(name);
    const child = managed.child;
    if (child === null || managed.exited === null) return null;
    managed.dying = true;
    signal(child, 'SIGKILL');
    return this.awaitExit(name, managed.exited);
  }

  /** SIGSTOP: the process stays alive but runs no code; its sockets stay open. */
  pause(name: string): void {
    const managed = this.get(name);
    if (managed.child === null || managed.state !== 'running') {
      throw new SupervisorError('NOT_RUNNING', `${name} is ${managed.state}, cannot pause`);
    }
    signal(managed.child, 'SIGSTOP');
    managed.state = 'paused';
  }

  /** SIGCONT. */
  resume(name: string): void {
    const managed = this.get(name);
    if (managed.child === null || managed.state !== 'paused') {
      throw new SupervisorError('NOT_RUNNING', `${name} is ${managed.state}, cannot resume`);
    }
    signal(managed.child, 'SIGCONT');
    managed.state = 'running';
  }

  /** Kills it if running, then starts it again with the same command, arguments and environment. */
  async restart(name: string): Promise<number> {
    await this.kill(name);
    return this.start(name);
  }

  /** SIGTERM (after SIGCONT if paused), then SIGKILL after the grace period. */
  async stop(name: string): Promise<ProcessExit | null> {
    const managed = this.get(name);
    const child = managed.child;
    if (child === null || managed.exited === null) return null;
    managed.dying = true;
    signal(child, 'SIGTERM');
    if (managed.state === 'paused') signal(child, 'SIGCONT');
    const exited = managed.exited;
    const graceTimer = setTimeout(() => signal(child, 'SIGKILL'), this.stopGraceMs);
    try {
      return await this.awaitExit(name, exited, this.stopGraceMs + this.exitWaitMs);
    } finally {
      clearTimeout(graceTimer);
    }
  }

  /** Stops every process (in parallel) and closes the supervisor; idempotent. */
  async stopAll(): Promise<void> {
    this.closed = true;
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    const results = await Promise.allSettled([...this.processes.keys()].map((name) => this.stop(name)));
    this.guardsInstalled?.();
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined && failed.status === 'rejected') throw failed.reason;
  }

  /** SIGKILL to every live process, synchronously: for signal and exit handlers. */
  killAllNow(): void {
    for (const managed of this.processes.values()) {
      if (managed.child === null) continue;
      managed.dying = true;
      signal(managed.child, 'SIGKILL');
    }
  }

  /**
   * Installs the guards: on process exit (normal or by an uncaught error) every live child is
   * killed; on SIGINT/SIGTERM too, after which `onSignal` runs (default: exit with 128 + signal
   * number). Returns the uninstaller; stopAll() uninstalls as well.
   */
  installGuards(onSignal?: (signal: NodeJS.Signals) => void): () => void {
    if (this.guardsInstalled !== null) return this.guardsInstalled;
    const onExit = (): void => this.killAllNow();
    const handler = (received: NodeJS.Signals): void => {
      this.killAllNow();
      if (onSignal !== undefined) {
        onSignal(received);
        return;
      }
      process.exit(128 + (received === 'SIGINT' ? 2 : 15));
    };
    process.on('exit', onExit);
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    const uninstall = (): void => {
      process.off('exit', onExit);
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      this.guardsInstalled = null;
    };
    this.guardsInstalled = uninstall;
    return uninstall;
  }

  state(name: string): ProcessState {
    return this.get(name).state;
  }

  pid(name: string): number | null {
    return this.get(name).child?.pid ?? null;
  }

  /** PIDs of every process currently alive (running or paused). */
  livePids(): number[] {
    const pids: number[] = [];
    for (const managed of this.processes.values()) {
      const pid = managed.child?.pid;
      if (pid !== undefined) pids.push(pid);
    }
    return pids;
  }

  names(): string[] {
    return [...this.processes.keys()];
  }

  /** Every exit seen so far, expected or not. */
  exitHistory(): readonly ProcessExit[] {
    return [...this.exits];
  }

  logPath(name: string, stream: 'stdout' | 'stderr'): string {
    return join(this.logDir, `${name}.${stream}.log`);
  }

  private async awaitExit(name: string, exited: Promise<ProcessExit>, boundMs = this.exitWaitMs): Promise<ProcessExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SupervisorError('EXIT_TIMEOUT', `${name} did not exit within ${boundMs} ms`)), boundMs);
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private get(name: string): Managed {
    const managed = this.processes.get(name);
    if (managed === undefined) throw new SupervisorError('UNKNOWN_PROCESS', `no process named ${name}`);
    return managed;
  }

  private assertOpen(): void {
    if (this.closed) throw new SupervisorError('CLOSED', 'the supervisor has been stopped');
  }
}

/** Signals a child Node has not reaped yet; never a bare PID that may have been reused. */
function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill(name);
  } catch {
    // Already gone between the check and the kill: nothing to stop.
  }
}
