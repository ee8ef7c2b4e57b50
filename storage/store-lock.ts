import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from 'pino';
import { isSqliteError, storageErrorFromSqlite } from './sqlite-errors.js';
import { StorageError } from './storage-error.js';

/**
 * Exclusive ownership of a store's database by one process. Two node processes writing the same
 * database would each believe they alone hold the raft logs and votes of its ranges — a double
 * vote waiting to happen — and SQLite alone does not prevent it (it serializes transactions, not
 * owners). Two files next to the database:
 *
 * - `<db>.lock`, the lock file: created with O_EXCL (`openSync(path, 'wx')`), holding the owner's
 *   PID on its first line (plus, on Linux, its start time and the boot id, which tell a reused PID
 *   from the owner), removed by `release()`. A kill -9'd owner leaves it behind; the next open
 *   takes it over if the recorded owner is not alive (`process.kill(pid, 0)` throws ESRCH, or the
 *   PID now belongs to a different process or a zombie), and otherwise fails with
 *   `StorageError('LOCKED')` naming the PID.
 *
 * - `<db>.lock-guard`, an empty SQLite file on which the owner holds an exclusive lock for as long
 *   as it owns the store. That lock is a POSIX record lock: the kernel drops it the moment its
 *   holder dies, however it dies, so it can never go stale. Acquiring it first makes the
 *   check-then-take of a stale lock file a critical section (without it, two processes starting at
 *   once could both judge the same lock file stale, and both take it over), and it refuses a live
 *   owner even when the lock file cannot tell — a PID that means nothing in this PID namespace, or
 *   no /proc to check a reused PID against. It is never deleted: deleting a lock file that others
 *   may hold open would let a newcomer lock a fresh inode beside a live owner.
 *
 * Within one process a second open of the same database fails the same way (SQLite tracks its own
 * locks per process), so two Store objects never share a database either.
 */
export class StoreLock {
  private released = false;

  private constructor(
    readonly lockPath: string,
    private readonly guard: BetterSqlite3.Database,
    /** Exactly what this process wrote to the lock file, to recognize it at release. */
    private readonly record: string,
    private readonly logger: Logger | undefined,
  ) {}

  /**
   * Takes ownership of the database at `dbPath` (its directory must exist), or throws LOCKED.
   * Returns the lock, to be released once the database is closed.
   */
  static acquire(dbPath: string, logger?: Logger): StoreLock {
    const lockPath = `${dbPath}.lock`;
    const guardPath = `${dbPath}.lock-guard`;
    const guard = takeGuard(guardPath, lockPath, dbPath);
    try {
      const self = ownerOfThisProcess();
      const record = encodeOwner(self);
      // The guard makes this loop a critical section: nobody else creates or replaces the lock file
      // meanwhile, so the second attempt after removing a stale file succeeds.
      for (let attempt = 1; ; attempt++) {
        if (createLockFile(lockPath, record)) {
          logger?.debug({ lockPath, pid: self.pid }, 'store lock taken');
          return new StoreLock(lockPath, guard, record, logger);
        }
        if (attempt >= 2) {
          throw new StorageError('LOCKED', `lock file ${lockPath} reappeared while this process held its guard`);
        }
        const text = readLockFile(lockPath);
        if (text === null) continue; // released between our attempt and the read
        const owner = decodeOwner(text);
        if (owner !== null && recordedOwnerAlive(owner, self)) {
          throw lockedError(dbPath, lockPath, owner.pid, ' (its file lock is free: file locks may not work on this filesystem)');
        }
        logger?.warn(
          { lockPath, stalePid: owner?.pid ?? null, pid: self.pid },
          'taking over a stale store lock (its owner is gone: killed, crashed, or the machine restarted)',
        );
        removeLockFile(lockPath);
      }
    } catch (e) {
      releaseGuard(guard);
      throw e;
    }
  }

  /**
   * Gives up ownership: removes the lock file if it is still ours, then drops the guard. Call it
   * after the database connection is closed. Never throws: a lock file left behind is taken over
   * as stale by the next open.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      const text = readLockFile(this.lockPath);
      if (text === this.record) removeLockFile(this.lockPath);
      else this.logger?.warn({ lockPath: this.lockPath }, 'store lock file no longer holds this process: left in place');
    } catch (e) {
      this.logger?.warn({ err: e, lockPath: this.lockPath }, 'could not remove the store lock file; the next open takes it over');
    } finally {
      // Dropped last, so that whoever gets the guard next finds the lock file already gone.
      releaseGuard(this.guard);
    }
  }
}

/** What a lock file records about its owner. */
export interface LockOwner {
  readonly pid: number;
  /** Linux: start time of the process in clock ticks after boot (field 22 of /proc/<pid>/stat). */
  readonly startTicks: string | undefined;
  /** Linux: /proc/sys/kernel/random/boot_id — a different boot means every recorded process is gone. */
  readonly bootId: string | undefined;
  /** For the operator only: which machine or container wrote the file. */
  readonly host: string | undefined;
}

/** The guard's exclusive lock, or LOCKED naming whoever the lock file says holds it. */
function takeGuard(guardPath: string, lockPath: string, dbPath: string): BetterSqlite3.Database {
  let guard: BetterSqlite3.Database;
  try {
    // timeout 0: a held guard means a live owner, so there is nothing to wait for.
    guard = new Database(guardPath, { timeout: 0 });
  } catch (e) {
    if (isSqliteError(e)) throw storageErrorFromSqlite(e, `opening the store lock guard ${guardPath}`);
    throw e;
  }
  try {
    // MEMORY: no -journal file beside the guard; nothing is ever written to it anyway.
    guard.pragma('journal_mode = MEMORY');
    guard.exec('BEGIN EXCLUSIVE');
    return guard;
  } catch (e) {
    guard.close();
    if (isSqliteError(e) && e.code.startsWith('SQLITE_BUSY')) {
      const text = readLockFileQuietly(lockPath);
      const recorded = text === null ? null : decodeOwner(text);
      // The guard's holder may not have replaced a stale lock file yet: a record of a dead
      // process names the previous owner, not the one holding the guard now.
      // (Our own PID is alive: another Store in this process holds the guard.)
      const self = ownerOfThisProcess();
      const live = recorded !== null && (recorded.pid === self.pid || recordedOwnerAlive(recorded, self));
      const owner = live ? recorded : null;
      throw lockedError(dbPath, lockPath, owner?.pid, owner === null ? ' (its lock file is not written yet or names a previous owner)' : '');
    }
    if (isSqliteError(e)) throw storageErrorFromSqlite(e, `locking the store lock guard ${guardPath}`);
    throw e;
  }
}

function releaseGuard(guard: BetterSqlite3.Database): void {
  try {
    if (guard.inTransaction) guard.exec('ROLLBACK');
  } finally {
    guard.close();
  }
}

function lockedError(dbPath: string, lockPath: string, pid: number | undefined, why: string): StorageError {
  const who = pid === undefined ? 'another process' : `process ${pid}`;
  return new StorageError('LOCKED', `store database ${dbPath} is in use by ${who}${why}; lock file ${lockPath}`, {
    ...(pid === undefined ? {} : { ownerPid: pid }),
  });
}

/**
 * True when this call created the file and wrote the record; false when it exists. Not fsynced: the
 * file only has to outlive its owner's process, not the machine — after a power loss every owner
 * is gone, and a lock file that comes back empty or cut short reads as stale.
 */
function createLockFile(lockPath: string, record: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', 0o644);
  } catch (e) {
    if (errnoOf(e) === 'EEXIST') return false;
    throw fsError(e, `creating store lock file ${lockPath}`);
  }
  try {
    writeSync(fd, record);
  } catch (e) {
    closeSync(fd);
    removeLockFile(lockPath);
    throw fsError(e, `writing store lock file ${lockPath}`);
  }
  closeSync(fd);
  return true;
}

function readLockFile(lockPath: string): string | null {
  try {
    return readFileSync(lockPath, 'utf8');
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return null;
    throw fsError(e, `reading store lock file ${lockPath}`);
  }
}

/** For error messages only: any failure reads as "unknown". */
function readLockFileQuietly(lockPath: string): string | null {
  try {
    return readLockFile(lockPath);
  } catch {
    return null;
  }
}

function removeLockFile(lockPath: string): void {
  try {
    unlinkSync(lockPath);
  } catch (e) {
    if (errnoOf(e) !== 'ENOENT') throw fsError(e, `removing store lock file ${lockPath}`);
  }
}

/**
 * Whether the recorded owner may still be running — called only while holding the guard, so a live
 * owner is already ruled out unless file locks do not work here. Dead: ESRCH from kill(pid, 0), a
 * zombie (exited, holds no files), a different start time (the PID was reused), a different boot.
 * Our own PID means a previous process that had our PID (a container restarted as PID 1 again):
 * no Store in this process holds the database, or the guard would have been busy.
 */
export function recordedOwnerAlive(owner: LockOwner, self: LockOwner): boolean {
  if (owner.pid === self.pid) return false;
  if (owner.bootId !== undefined && self.bootId !== undefined && owner.bootId !== self.bootId) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'ESRCH') return false;
    // EPERM: it exists but belongs to another user — alive as far as we can tell.
    if (code !== 'EPERM') throw e;
  }
  const stat = readProcStat(owner.pid);
  if (stat === 'gone') return false;
  if (stat === undefined) return true; // no /proc: kill(pid, 0) is all there is
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return owner.startTicks === undefined || owner.startTicks === stat.startTicks;
}

export function ownerOfThisProcess(): LockOwner {
  const stat = readProcStat(process.pid);
  return {
    pid: process.pid,
    startTicks: stat === undefined || stat === 'gone' ? undefined : stat.startTicks,
    bootId: readBootId(),
    host: hostname(),
  };
}

/**
 * Lock file format: the PID alone on the first line (so `cat` and pid-file tools work), then
 * `name=value` lines; unknown names are ignored.
 */
export function encodeOwner(o: LockOwner): string {
  const lines = [String(o.pid)];
  if (o.startTicks !== undefined) lines.push(`start_ticks=${o.startTicks}`);
  if (o.bootId !== undefined) lines.push(`boot_id=${o.bootId}`);
  if (o.host !== undefined) lines.push(`host=${o.host}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The recorded owner, or null when the file is not a lock record — empty or cut short (its writer
 * died between creating and writing it: a dead owner, since writers hold the guard; a complete
 * record ends with a newline) or garbage. A PID of 0 or below is garbage too: process.kill(0 or
 * -1, 0) would probe process groups.
 */
export function decodeOwner(text: string): LockOwner | null {
  if (!text.endsWith('\n')) return null;
  const [first, ...rest] = text.split('\n');
  if (first === undefined || !/^[1-9][0-9]{0,9}$/.test(first)) return null;
  const pid = Number(first);
  if (!Number.isSafeInteger(pid) || pid > 0x7fffffff) return null;
  const fields = new Map<string, string>();
  for (const line of rest) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const startTicks = fields.get('start_ticks');
  return {
    pid,
    startTicks: startTicks !== undefined && /^[0-9]+$/.test(startTicks) ? startTicks : undefined,
    bootId: fields.get('boot_id'),
    host: fields.get('host'),
  };
}

interface ProcStat {
  readonly state: string;
  readonly startTicks: string;
}

/** /proc/<pid>/stat's state and start time; 'gone' when the process does not exist; undefined without /proc. */
function readProcStat(pid: number): ProcStat | 'gone' | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    if (errnoOf(e) === 'ENOENT' && procAvailable()) return 'gone';
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTicks = fields[19];
  if (state === undefined || startTicks === undefined || !/^[0-9]+$/.test(startTicks)) return undefined;
  return { state, startTicks };
}

function procAvailable(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

function readBootId(): string | undefined {
  try {
    const id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return id.length > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

function errnoOf(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

function fsError(e: unknown, what: string): StorageError {
  return new StorageError('IO_FAILED', `${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
