/**
 * The supervisor with real child processes: kill -9, SIGSTOP/SIGCONT, restart with the same
 * arguments, logs, and the guarantee that what it started is stopped — by stopAll, at the hard
 * deadline, when the harness gets SIGTERM, when it crashes, and (through the stdin lifeline) when
 * it is SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChildScript } from '../storage/child-build.js';
import { ProcessSupervisor, SupervisorError, type ProcessExit } from './process-supervisor.js';

const TICKER = `let n = 0; setInterval(() => process.stdout.write('tick ' + (n++) + ' ' + process.argv[1] + '\\n'), 10); setTimeout(() => process.exit(0), 20000);`;

let dir: string;
let guardChild: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rangekv-supervisor-'));
  guardChild = buildChildScript(resolve(import.meta.dirname, '..', '..'), 'test/jepsen/supervisor-guard-child.ts', join(dir, 'build'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Alive and not a zombie. */
function isAlive(pid: number): boolean {
  const statPath = `/proc/${pid}/stat`;
  if (!existsSync(statPath)) return false;
  try {
    const stat = readFileSync(statPath, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return condition();
}

function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

describe('ProcessSupervisor', () => {
  it('kills with SIGKILL, restarts with the same arguments, and appends to the same logs', async () => {
    const exits: ProcessExit[] = [];
    const supervisor = new ProcessSupervisor({ logDir: join(dir, 'kill'), onExit: (e) => exits.push(e) });
    try {
      supervisor.add({ name: 'n1', command: process.execPath, args: ['-e', TICKER, 'first'] });
      expect(supervisor.state('n1')).toBe('not-started');
      const pid = await supervisor.start('n1');
      expect(supervisor.state('n1')).toBe('running');
      expect(supervisor.livePids()).toEqual([pid]);
      const log = supervisor.logPath('n1', 'stdout');
      expect(await waitUntil(() => readFileSync(log, 'utf8').includes('tick 3 first'), 3000)).toBe(true);

      const exit = await supervisor.kill('n1');
      expect(exit).toMatchObject({ pid, signal: 'SIGKILL', expected: true });
      expect(supervisor.state('n1')).toBe('exited');
      expect(isAlive(pid)).toBe(false);
      expect(await supervisor.kill('n1')).toBeNull();

      const newPid = await supervisor.restart('n1');
      expect(newPid).not.toBe(pid);
      expect(await waitUntil(() => readFileSync(log, 'utf8').split('--- harness: start #2').length === 2 && readFileSync(log, 'utf8').split('start #2')[1]!.includes('tick 1 first'), 3000)).toBe(true);
      await expect(supervisor.start('n1')).rejects.toBeInstanceOf(SupervisorError);
    } finally {
      await supervisor.stopAll();
    }
    expect(supervisor.livePids()).toEqual([]);
    expect(exits.map((e) => e.expected)).toEqual([true, true]);
  });

  it('pauses with SIGSTOP (no progress, still alive) and resumes with SIGCONT', async () => {
    const supervisor = new ProcessSupervisor({ logDir: join(dir, 'pause') });
    try {
      supervisor.add({ name: 'n1', command: process.execPath, args: ['-e', TICKER, 'p'] });
      const pid = await supervisor.start('n1');
      const log = supervisor.logPath('n1', 'stdout');
      expect(await waitUntil(() => readFileSync(log, 'utf8').includes('tick 2 p'), 3000)).toBe(true);
      supervisor.pause('n1');
      expect(supervisor.state('n1')).toBe('paused');
      await new Promise((r) => setTimeout(r, 60));
      const frozen = sizeOf(log);
      await new Promise((r) => setTimeout(r, 200));
      expect(sizeOf(log)).toBe(frozen);
      expect(isAlive(pid)).toBe(true);
      expect(() => supervisor.pause('n1')).toThrow(SupervisorError);
      supervisor.resume('n1');
      expect(await waitUntil(() => sizeOf(log) > frozen, 2000)).toBe(true);
      // A paused process is stopped too.
      supervisor.pause('n1');
    } finally {
      await supervisor.stopAll();
    }
    expect(supervisor.livePids()).toEqual([]);
  });

  it('reports a process that dies by itself as unexpected, and escalates to SIGKILL when SIGTERM is ignored', async () => {
    const exits: ProcessExit[] = [];
    const supervisor = new ProcessSupervisor({ logDir: join(dir, 'exits'), stopGraceMs: 150, onExit: (e) => exits.push(e) });
    supervisor.add({ name: 'quitter', command: process.execPath, args: ['-e', 'process.exit(3)'] });
    supervisor.add({ name: 'stubborn', command: process.execPath, args: ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); setTimeout(() => process.exit(0), 20000)"] });
    await supervisor.start('quitter');
    const stubborn = await supervisor.start('stubborn');
    expect(await waitUntil(() => exits.length === 1, 3000)).toBe(true);
    expect(exits[0]).toMatchObject({ name: 'quitter', code: 3, expected: false });
    await new Promise((r) => setTimeout(r, 100)); // let it install its SIGTERM handler
    const startedMs = Date.now();
    await supervisor.stopAll();
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(140);
    expect(exits[1]).toMatchObject({ name: 'stubborn', signal: 'SIGKILL', expected: true });
    expect(isAlive(stubborn)).toBe(false);
    await expect(supervisor.start('quitter')).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('kills everything at the hard deadline', async () => {
    let deadlineReached = false;
    const supervisor = new ProcessSupervisor({ logDir: join(dir, 'deadline'), hardDeadlineMs: 300, onDeadline: () => (deadlineReached = true) });
    supervisor.add({ name: 'n1', command: process.execPath, args: ['-e', TICKER, 'd'] });
    const pid = await supervisor.start('n1');
    expect(await waitUntil(() => deadlineReached && !isAlive(pid), 3000)).toBe(true);
    await supervisor.stopAll();
  });

  it('fails to start a missing command with SPAWN_FAILED', async () => {
    const supervisor = new ProcessSupervisor({ logDir: join(dir, 'missing') });
    supervisor.add({ name: 'ghost', command: join(dir, 'no-such-binary'), args: [] });
    await expect(supervisor.start('ghost')).rejects.toMatchObject({ code: 'SPAWN_FAILED' });
    await supervisor.stopAll();
  });
});

describe('ProcessSupervisor guards (a stand-in harness in its own process)', () => {
  async function runHarness(args: readonly string[]): Promise<{ readonly harnessPid: number; readonly pids: number[]; readonly exited: Promise<number | null> }> {
    const harness = spawn(process.execPath, [guardChild, '--log-dir', join(dir, `guard-${Date.now()}`), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => harness.once('exit', (code) => r(code)));
    const line = await new Promise<string>((resolveLine, reject) => {
      let out = '';
      harness.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('\n')) resolveLine(out.split('\n')[0]!);
      });
      harness.once('exit', () => reject(new Error(`harness exited early: ${out}`)));
    });
    const { pids } = JSON.parse(line) as { pids: number[] };
    return { harnessPid: harness.pid!, pids, exited };
  }

  it('SIGTERM to the harness stops every process it started', async () => {
    const { harnessPid, pids, exited } = await runHarness(['--sleepers', '2']);
    expect(pids.every(isAlive)).toBe(true);
    process.kill(harnessPid, 'SIGTERM');
    expect(await exited).toBe(143);
    expect(await waitUntil(() => !pids.some(isAlive), 3000)).toBe(true);
  });

  it('an uncaught error in the harness stops every process it started', async () => {
    const { pids, exited } = await runHarness(['--sleepers', '2', '--crash-after-ms', '50']);
    expect(await exited).not.toBe(0);
    expect(await waitUntil(() => !pids.some(isAlive), 3000)).toBe(true);
  });

  it('SIGKILL of the harness: children on the stdin lifeline exit by themselves', async () => {
    const { harnessPid, pids, exited } = await runHarness(['--sleepers', '2', '--lifeline']);
    process.kill(harnessPid, 'SIGKILL');
    await exited;
    expect(await waitUntil(() => !pids.some(isAlive), 3000)).toBe(true);
  });
});
