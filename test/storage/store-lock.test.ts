/**
 * Exclusive ownership of a store's database by one process (storage/store-lock.ts): a second
 * open — in this process or another — fails with LOCKED naming the owner's PID; `close()`
 * releases; a kill -9'd owner leaves its lock file and the next open takes it over; stale lock
 * files (dead, reused or zombie PID, another boot, our own PID from a previous process, garbage)
 * are taken over, a live recorded owner is not; processes racing for one stale lock: one wins.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { decodeOwner, encodeOwner, ownerOfThisProcess } from '../../storage/store-lock.js';
import { Store } from '../../storage/store.js';
import { buildChildScript } from './child-build.js';
import { TempDir, clusterId, confOf, storageError } from './helpers.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const buildDir = mkdtempSync(join(tmpdir(), 'rangekv-lock-build-'));
let childScript = '';
beforeAll(() => {
  childScript = buildChildScript(repoRoot, 'test/storage/lock-child.ts', buildDir);
});
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

const dirs: TempDir[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) d.cleanup();
});

const hasProc = existsSync('/proc/self/stat');

function newDir(): TempDir {
  const d = new TempDir('rangekv-lock-');
  dirs.push(d);
  return d;
}

function openAt(path: string): Store {
  return Store.open({ path, clusterId: 'lock-test', storeId: 1 });
}


const lockPathOf = (db: string) => `${db}.lock`;
const lockPidOf = (db: string) => Number(readFileSync(lockPathOf(db), 'utf8').split('\n')[0]);

/** A child running lock-child.ts, with its stdout as a queue of lines. */
function startChild(db: string, extra: readonly string[] = []): { proc: ChildProcessWithoutNullStreams; line: () => Promise<string> } {
  const proc = spawn(process.execPath, [childScript, '--db', db, ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(proc);
  const lines: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  let pending = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const l = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const w = waiters.shift();
      if (w !== undefined) w(l);
      else lines.push(l);
    }
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (c: string) => (stderr += c));
  proc.on('exit', () => {
    for (const w of waiters.splice(0)) w(`exited ${stderr}`);
  });
  const line = () =>
    new Promise<string>((res) => {
      const l = lines.shift();
      if (l !== undefined) res(l);
      else if (proc.exitCode !== null || proc.signalCode !== null) res(`exited ${stderr}`);
      else waiters.push(res);
    });
  return { proc, line };
}

const exited = (proc: ChildProcess) =>
  new Promise<void>((res) => {
    if (proc.exitCode !== null || proc.signalCode !== null) res();
    else proc.once('exit', () => res());
  });

/** The PID of a process that existed and is gone (reaped). */
async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise<void>((res) => p.once('exit', () => res()));
  return p.pid!;
}

/** A live process that is not a store owner (and not this process). */
async function sleeper(): Promise<ChildProcessWithoutNullStreams> {
  const p = spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); setInterval(() => {}, 1000)'], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(p);
  await new Promise<void>((res) => p.stdout.once('data', () => res()));
  return p;
}

function startTicksOf(pid: number): string {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe('store lock within one process', () => {
  test('a second open is LOCKED naming this PID; close() releases; the lock file holds the PID on its first line', async () => {
    const dir = newDir();
    const a = dir.open();
    expect(lockPidOf(dir.dbPath())).toBe(process.pid);
    if (hasProc) expect(readFileSync(lockPathOf(dir.dbPath()), 'utf8')).toMatch(/\nstart_ticks=\d+\n/);
    const err = storageError(() => Store.open({ path: dir.dbPath(), clusterId, storeId: 1 }));
    expect(err.code).toBe('LOCKED');
    expect(err.ownerPid).toBe(process.pid);
    expect(err.message).toContain(`process ${process.pid}`);
    // The refused open closed its own guard connection; POSIX drops all of a process's record locks
    // on a file when any descriptor of it closes — SQLite defers that close, so another process is
    // still refused.
    expect(await startChild(dir.dbPath()).line()).toBe(`locked ${process.pid}`);
    // The refused open changed nothing: the owner keeps working.
    a.batch().createRange(1, { span: { start: Buffer.from('a'), end: Buffer.alloc(0) }, descriptor: Buffer.alloc(0), confState: confOf(1) }).commit();
    a.close();
    expect(existsSync(lockPathOf(dir.dbPath()))).toBe(false);
    const b = dir.open();
    expect(b.rangeIds()).toEqual([1]);
    b.close();
  });

  test('an open that fails after taking the lock (wrong store identity) releases it', () => {
    const dir = newDir();
    dir.open({ storeId: 1 }).close();
    expect(storageError(() => Store.open({ path: dir.dbPath(), clusterId, storeId: 2 })).code).toBe('STORE_MISMATCH');
    expect(existsSync(lockPathOf(dir.dbPath()))).toBe(false);
    dir.open({ storeId: 1 }).close();
  });

  test('the stale-lock check runs only under the guard: while someone else holds it, even a stale lock file is refused untouched', async () => {
    const dir = newDir();
    const db = dir.dbPath();
    const stale = `${await deadPid()}\n`;
    writeFileSync(lockPathOf(db), stale);
    // Another would-be owner in the middle of its own check-and-take holds the guard.
    const guard = new Database(`${db}.lock-guard`, { timeout: 0 });
    guard.pragma('journal_mode = MEMORY');
    guard.exec('BEGIN EXCLUSIVE');
    const err = storageError(() => openAt(db));
    expect(err.code).toBe('LOCKED');
    expect(readFileSync(lockPathOf(db), 'utf8')).toBe(stale);
    rmSync(lockPathOf(db));
    const noFile = storageError(() => openAt(db));
    expect([noFile.code, noFile.ownerPid]).toEqual(['LOCKED', undefined]);
    expect(noFile.message).toMatch(/in use by another process/);
    expect(existsSync(db)).toBe(false);
    guard.exec('ROLLBACK');
    guard.close();
    openAt(db).close();
  });

  test('lock records round-trip; a PID of 0 or below, or garbage, is no record', () => {
    const self = ownerOfThisProcess();
    expect(self.pid).toBe(process.pid);
    expect(decodeOwner(encodeOwner(self))).toEqual(self);
    expect(decodeOwner('4242\n')).toEqual({ pid: 4242, startTicks: undefined, bootId: undefined, host: undefined });
    for (const bad of ['', '\n', '12', '4242\nstart_ticks=1', '0\n', '-1\n', 'abc\n', ' 12\n', '12x\n', '99999999999\n']) {
      expect(decodeOwner(bad)).toBeNull();
    }
  });
});

describe('store lock between processes', () => {
  test('a live owner process: LOCKED naming its PID; after kill -9 its lock file stays and the next open takes it over', async () => {
    const dir = newDir();
    const db = dir.dbPath();
    const owner = startChild(db, ['--write-range', '7']);
    const first = await owner.line();
    expect(first).toBe(`owner ${owner.proc.pid}`);
    const err = storageError(() => openAt(db));
    expect(err.code).toBe('LOCKED');
    expect(err.ownerPid).toBe(owner.proc.pid);
    expect(err.message).toContain(`process ${owner.proc.pid}`);
    owner.proc.kill('SIGKILL');
    await exited(owner.proc);
    // The dead owner's lock file is still there, naming it.
    expect(lockPidOf(db)).toBe(owner.proc.pid);
    const store = openAt(db);
    expect(lockPidOf(db)).toBe(process.pid);
    expect(store.rangeIds()).toEqual([7]);
    // And now the roles are reversed: a child is refused while this process owns the store.
    const refused = startChild(db);
    expect(await refused.line()).toBe(`locked ${process.pid}`);
    store.close();
    expect(existsSync(lockPathOf(db))).toBe(false);
  });

  test('a clean close in another process releases the store', async () => {
    const dir = newDir();
    const db = dir.dbPath();
    const owner = startChild(db);
    expect(await owner.line()).toMatch(/^owner /);
    owner.proc.stdin.end();
    expect(await owner.line()).toBe('closed');
    await exited(owner.proc);
    expect(existsSync(lockPathOf(db))).toBe(false);
    openAt(db).close();
  });

  test('processes racing for one stale lock: exactly one becomes the owner', async () => {
    const dir = newDir();
    const db = dir.dbPath();
    openAt(db).close(); // the database exists
    writeFileSync(lockPathOf(db), `${await deadPid()}\n`);
    const racers = [0, 1, 2, 3].map(() => startChild(db));
    const results = await Promise.all(racers.map((r) => r.line()));
    const owners = results.filter((l) => l.startsWith('owner '));
    expect(owners, results.join(' | ')).toHaveLength(1);
    const ownerPid = owners[0]!.slice('owner '.length);
    for (const l of results) if (!l.startsWith('owner ')) expect(l).toMatch(new RegExp(`^locked (${ownerPid}|unknown)$`));
    for (const r of racers) r.proc.stdin.end();
    await Promise.all(racers.map((r) => exited(r.proc)));
    expect(existsSync(lockPathOf(db))).toBe(false);
  });
});

describe('stale lock files are taken over; a live recorded owner is not', () => {
  async function takesOver(content: string): Promise<void> {
    const dir = newDir();
    writeFileSync(lockPathOf(dir.dbPath()), content);
    const store = dir.open();
    expect(lockPidOf(dir.dbPath())).toBe(process.pid);
    store.close();
    expect(existsSync(lockPathOf(dir.dbPath()))).toBe(false);
  }

  test('a dead PID (ESRCH)', async () => {
    await takesOver(`${await deadPid()}\nhost=elsewhere\n`);
  });

  test('an empty, cut-short or garbage lock file (its writer died before finishing it)', async () => {
    for (const content of ['', '12', 'not a pid\n', '0\n', '-1\n']) await takesOver(content);
  });

  test('our own PID, left by an earlier process that had it (a container restarted as PID 1)', async () => {
    await takesOver(`${process.pid}\nstart_ticks=1\n`);
    await takesOver(`${process.pid}\n`);
  });

  test.runIf(hasProc)('a live PID that belongs to a different process now (start time differs), or a zombie, or another boot', async () => {
    const other = await sleeper();
    await takesOver(`${other.pid}\nstart_ticks=${BigInt(startTicksOf(other.pid!)) + 1n}\n`);
    const self = ownerOfThisProcess();
    if (self.bootId !== undefined) await takesOver(`${other.pid}\nstart_ticks=${startTicksOf(other.pid!)}\nboot_id=not-this-boot\n`);
    // `sleep 0` becomes a zombie: its parent exec'd into `sleep 5`, which never reaps it.
    const sh = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(sh);
    const zombiePid = Number(await new Promise<string>((res) => sh.stdout.once('data', (d: Buffer) => res(d.toString().trim()))));
    for (let i = 0; i < 1000 && !readFileSync(`/proc/${zombiePid}/stat`, 'utf8').includes(') Z '); i++) await new Promise((r) => setTimeout(r, 10));
    expect(readFileSync(`/proc/${zombiePid}/stat`, 'utf8')).toContain(') Z ');
    expect(() => process.kill(zombiePid, 0)).not.toThrow(); // kill(pid, 0) alone would call it alive
    await takesOver(`${zombiePid}\n`);
    sh.kill('SIGKILL');
  });

  test('a live recorded owner whose guard is free (file locks not working here) is refused: LOCKED naming it', async () => {
    const other = await sleeper();
    const dir = newDir();
    const record = hasProc ? `${other.pid}\nstart_ticks=${startTicksOf(other.pid!)}\n` : `${other.pid}\n`;
    writeFileSync(lockPathOf(dir.dbPath()), record);
    const err = storageError(() => dir.open());
    expect(err.code).toBe('LOCKED');
    expect(err.ownerPid).toBe(other.pid);
    expect(err.message).toMatch(/file locks may not work/);
    // Untouched: the file still names the live owner, and no database was created.
    expect(readFileSync(lockPathOf(dir.dbPath()), 'utf8')).toBe(record);
    expect(existsSync(dir.dbPath())).toBe(false);
    other.kill('SIGKILL');
    await exited(other);
    dir.open().close();
  });
});
