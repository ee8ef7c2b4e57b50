/**
 * Range tombstones (schema 3): a store remembers, per range it was removed from, the smallest
 * replica id the range may come back as, written in the same transaction as the removal — so that
 * a removed replica is never recreated under its old id, by a stale leader's snapshot or by
 * bootstrapping the static layout after a restart (the zombie-group bug of seed 6405).
 */
import { afterEach, describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { TempDir, bytes, confOf, storageError, wholeSpan } from './helpers.js';

let dir: TempDir;
afterEach(() => dir.cleanup());

describe('range tombstones', () => {
  test('a removal with a tombstone records it durably, raising it but never lowering it', () => {
    dir = new TempDir();
    let store = dir.open();
    expect(store.rangeTombstone(7)).toBe(0);
    const create = (): void => {
      store.batch().createRange(7, { span: wholeSpan, descriptor: bytes('d'), confState: confOf(1, 2, 3) }).commit();
    };
    create();
    store.batch().deleteRange(7, { deleteSpanData: true, tombstoneNextReplicaId: 4 }).commit();
    expect(store.rangeTombstone(7)).toBe(4);
    create();
    store.batch().deleteRange(7, { deleteSpanData: true, tombstoneNextReplicaId: 2 }).commit();
    expect(store.rangeTombstone(7)).toBe(4);
    store.close();
    store = dir.open();
    expect(store.rangeTombstone(7)).toBe(4);
    expect(store.rangeTombstone(8)).toBe(0);
    store.close();
  });

  test('a removal without a tombstone (a merge) leaves none, and a bad tombstone is refused before anything is written', () => {
    dir = new TempDir();
    const store = dir.open();
    store.batch().createRange(3, { span: wholeSpan, descriptor: bytes('d'), confState: confOf(1) }).commit();
    expect(storageError(() => store.batch().deleteRange(3, { deleteSpanData: false, tombstoneNextReplicaId: -1 }).commit()).code).toBe('INVALID_ARGUMENT');
    expect(store.hasRange(3)).toBe(true);
    store.batch().deleteRange(3, { deleteSpanData: false }).commit();
    expect(store.hasRange(3)).toBe(false);
    expect(store.rangeTombstone(3)).toBe(0);
    store.close();
  });
});

describe('the bootstrap marker (schema 4)', () => {
  test('a new store is not bootstrapped; the marker, once committed, survives a restart', () => {
    dir = new TempDir();
    let store = dir.open();
    expect(store.bootstrapped).toBe(false);
    store.batch().createRange(1, { span: wholeSpan, descriptor: bytes('d'), confState: confOf(1) }).markBootstrapped(1000).commit();
    expect(store.bootstrapped).toBe(true);
    store.close();
    store = dir.open();
    expect(store.bootstrapped).toBe(true);
    store.close();
  });

  test('a marker in a batch that fails is not published', () => {
    dir = new TempDir();
    const store = dir.open();
    const bad = store.batch().markBootstrapped(1000).deleteRange(9, { deleteSpanData: false, tombstoneNextReplicaId: -1 });
    expect(storageError(() => bad.commit()).code).toBe('RANGE_NOT_FOUND');
    expect(store.bootstrapped).toBe(false);
    store.close();
  });

  test('a database an older build started (an identity, no marker table) counts as bootstrapped after the upgrade', () => {
    dir = new TempDir();
    dir.open().close();
    const db = new Database(dir.dbPath());
    db.exec('DROP TABLE store_bootstrap; DROP TABLE range_tombstone; DELETE FROM schema_migrations WHERE version > 2;');
    db.close();
    const store = dir.open();
    expect(store.bootstrapped).toBe(true);
    expect(store.rangeTombstone(1)).toBe(0);
    store.close();
  });
});
