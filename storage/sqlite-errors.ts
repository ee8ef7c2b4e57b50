import Database from 'better-sqlite3';
import { StorageError } from './storage-error.js';

export function isSqliteError(e: unknown): e is InstanceType<typeof Database.SqliteError> {
  return e instanceof Database.SqliteError;
}

/**
 * Maps an SQLite failure to a StorageError: a malformed database is CORRUPTION, everything else
 * (SQLITE_FULL, SQLITE_IOERR_*, SQLITE_CANTOPEN, SQLITE_NOMEM, a failed COMMIT, …) is IO_FAILED.
 */
export function storageErrorFromSqlite(e: InstanceType<typeof Database.SqliteError>, what: string): StorageError {
  const corrupt = e.code.startsWith('SQLITE_CORRUPT') || e.code === 'SQLITE_NOTADB';
  return new StorageError(corrupt ? 'CORRUPTION' : 'IO_FAILED', `${what}: ${e.code}: ${e.message}`, {
    sqliteCode: e.code,
    cause: e,
  });
}
