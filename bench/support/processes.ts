import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import net from 'node:net';

/**
 * Every child process the benchmark starts goes through one ProcessSet, so that stopAll() — run on
 * success, on failure and on Ctrl-C — stops each of them by its own PID: SIGTERM (graceful: node
 * processes flush, write their CPU profiles), then SIGKILL after a grace period.
 */
export class ProcessSet {
  private readonly children = new Set<ChildProcess>();

  /** Spawns `command args`, its stdout and stderr appended to `logPath`. */
  spawnLogged(name: string, command: string, args: readonly string[], logPath: string, options: SpawnOptions = {}): ChildProcess {
    const log = createWriteStream(logPath, { flags: 'a' });
    const child = spawn(command, [...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.once('error', (e) => log.write(`spawn error (${name}): ${e.message}\n`));
    return this.track(child);
  }

  track(child: ChildProcess): ChildProcess {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Stops the given children (default: all) gracefully, then by force after `graceMs`. */
  async stop(which: readonly ChildProcess[] = [...this.children], graceMs = 8_000): Promise<void> {
    const live = which.filter((c) => c.exitCode === null && c.signalCode === null && c.pid !== undefined);
    const exits = live.map((c) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r()))));
    for (const c of live) c.kill('SIGTERM');
    const forced = setTimeout(() => {
      for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, graceMs);
    await Promise.all(exits);
    clearTimeout(forced);
  }

  get size(): number {
    return this.children.size;
  }
}


/** Resolves once host:port accepts TCP connections; rejects if `proc` exits first or time runs out. */
export async function waitForTcp(address: string, proc: ChildProcess, timeoutMs: number, what: string): Promise<void> {
  const host = address.slice(0, address.lastIndexOf(':'));
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${what} exited (code ${proc.exitCode}, signal ${proc.signalCode}) during start`);
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, host, () => {
        s.end();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await sleepMs(100);
  }
  throw new Error(`${what} did not accept connections on ${address} within ${timeoutMs} ms`);
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
