/**
 * Clock faults through libfaketime (Debian package `faketime`): a node started with
 * LD_PRELOAD=libfaketime.so.1 reads its wall-clock offset from a per-node control file, re-read on
 * every call (FAKETIME_NO_CACHE=1), so the harness skews or jumps a running node's clock by
 * rewriting one file.
 *
 * Only the realtime clock is faked: FAKETIME_DONT_FAKE_MONOTONIC=1. rangekv's raft ticks and leader
 * leases run on the monotonic clock, and no lease can be safe against arbitrary jumps of the clock
 * it is measured with; that is the stated assumption. Realtime skew exercises what does read the
 * wall clock (hybrid-logical-clock timestamps, logs, TTLs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';

export const LIBFAKETIME_ENV_OVERRIDE = 'RANGEKV_LIBFAKETIME';

/** Where Debian and derivatives put the library, per architecture; the override comes first. */
export const LIBFAKETIME_CANDIDATE_PATHS: readonly string[] = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

export type FaketimeErrorCode = 'NOT_INSTALLED' | 'INSTALL_FAILED' | 'BAD_OFFSET';

export class FaketimeError extends Error {
  constructor(
    readonly code: FaketimeErrorCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'FaketimeError';
  }
}

/** The library's path, or null when it is not installed. */
export function findLibfaketime(env: NodeJS.ProcessEnv = process.env): string | null {
  const override = env[LIBFAKETIME_ENV_OVERRIDE];
  if (override !== undefined && override.length > 0) return existsSync(override) ? override : null;
  return LIBFAKETIME_CANDIDATE_PATHS.find((path) => existsSync(path)) ?? null;
}

export interface EnsureLibfaketimeOptions {
  /** Try `apt-get install -y faketime` when missing (needs root and apt). Default true. */
  readonly install?: boolean;
  readonly log?: (line: string) => void;
  /** Bound for each apt-get call. */
  readonly aptTimeoutMs?: number;
}

const HOW_TO_INSTALL =
  `install the Debian package: apt-get update && apt-get install -y faketime ` +
  `(or set ${LIBFAKETIME_ENV_OVERRIDE}=/path/to/libfaketime.so.1)`;

/**
 * The library's path, installing the Debian package first when it is missing and allowed to.
 * Throws FaketimeError NOT_INSTALLED / INSTALL_FAILED with instructions otherwise. For CI: call it
 * once before a run that uses clock faults.
 */
export function ensureLibfaketime(options: EnsureLibfaketimeOptions = {}): string {
  const found = findLibfaketime();
  if (found !== null) return found;
  if (process.env[LIBFAKETIME_ENV_OVERRIDE] !== undefined) {
    throw new FaketimeError('NOT_INSTALLED', `${LIBFAKETIME_ENV_OVERRIDE}=${process.env[LIBFAKETIME_ENV_OVERRIDE] ?? ''} does not exist`);
  }
  if (options.install === false) throw new FaketimeError('NOT_INSTALLED', `libfaketime not found; ${HOW_TO_INSTALL}`);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' });
  if (!isRoot || apt.status !== 0) {
    throw new FaketimeError('NOT_INSTALLED', `libfaketime not found and cannot be installed here (${isRoot ? 'no apt-get' : 'not root'}); ${HOW_TO_INSTALL}`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const timeoutMs = options.aptTimeoutMs ?? 180_000;
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log('libfaketime not found: installing the Debian package faketime (apt-get install -y faketime)');
  let result = spawnSync('apt-get', ['install', '-y', 'faketime'], { encoding: 'utf8', timeout: timeoutMs, env: aptEnv });
  if (result.status !== 0) {
    log('apt-get install failed; running apt-get update and trying again');
    spawnSync('apt-get', ['update'], { encoding: 'utf8', timeout: timeoutMs, env: aptEnv });
    result = spawnSync('apt-get', ['install', '-y', 'faketime'], { encoding: 'utf8', timeout: timeoutMs, env: aptEnv });
  }
  const installed = findLibfaketime();
  if (installed === null) {
    const tail = `${result.stderr ?? ''}`.trim().split('\n').slice(-3).join(' / ');
    throw new FaketimeError('INSTALL_FAILED', `apt-get install -y faketime did not provide libfaketime (exit ${String(result.status)}: ${tail}); ${HOW_TO_INSTALL}`);
  }
  log(`libfaketime installed at ${installed}`);
  return installed;
}

/**
 * libfaketime's relative offset syntax: "+1.250" is 1.25 s ahead, "-0.5" half a second behind.
 * Seconds with millisecond digits and "." as the fraction separator (the C locale's, which a node
 * process gets unless it calls setlocale).
 */
export function formatFaketimeOffset(offsetMs: number): string {
  if (!Number.isFinite(offsetMs)) throw new FaketimeError('BAD_OFFSET', `offset must be finite, got ${offsetMs}`);
  const wholeMs = Math.round(offsetMs);
  const sign = wholeMs < 0 ? '-' : '+';
  const abs = Math.abs(wholeMs);
  return `${sign}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/**
 * Writes an offset so that a reader never sees a half-written file (write + rename): with
 * FAKETIME_NO_CACHE the library re-reads the file on every clock call.
 */
export function writeFaketimeOffset(controlFile: string, offsetMs: number): void {
  const temporary = `${controlFile}.tmp`;
  writeFileSync(temporary, `${formatFaketimeOffset(offsetMs)}\n`);
  renameSync(temporary, controlFile);
}

/** The environment that runs a process under libfaketime with a control file. */
export function faketimeEnv(libraryPath: string, controlFile: string): Record<string, string> {
  return {
    LD_PRELOAD: libraryPath,
    FAKETIME_TIMESTAMP_FILE: controlFile,
    FAKETIME_NO_CACHE: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}
