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

  /** Makes the database look as an older build at schema `version` left it (opened first at `firstOpenMs`). */
  const asOlderBuild = (version: 2 | 3, firstOpenMs: number): void => {
    const db = new Database(dir.dbPath());
    db.exec(`DROP TABLE store_bootstrap; DELETE FROM schema_migrations WHERE version > ${version};`);
    if (version === 2) db.exec('DROP TABLE range_tombstone;');
    db.prepare('UPDATE schema_migrations SET applied_at_ms = ?').run(firstOpenMs);
    db.close();
  };

  test('a database a build before tombstones started counts as bootstrapped after the upgrade, even holding no range', () => {
    // It may have been removed from every range it had, and nothing recorded why they are gone.
    dir = new TempDir();
    dir.open().close();
    asOlderBuild(2, 1000);
    const store = dir.open({ nowMs: () => 2000 });
    expect(store.bootstrapped).toBe(true);
    expect(store.rangeTombstone(1)).toBe(0);
    store.close();
  });

  test('a database created at schema 3 counts as bootstrapped if it holds a range or a tombstone, not if it never held one', () => {
    dir = new TempDir();
    dir.open({ nowMs: () => 1000 }).close();
    asOlderBuild(3, 1000); // its first start stopped before it bootstrapped
    let store = dir.open({ nowMs: () => 2000 });
    expect(store.bootstrapped).toBe(false);
    store.batch().createRange(1, { span: wholeSpan, descriptor: bytes('d'), confState: confOf(1) }).commit();
    store.batch().deleteRange(1, { deleteSpanData: true, tombstoneNextReplicaId: 2 }).commit();
    store.close();
    asOlderBuild(3, 1000); // only a tombstone left
    store = dir.open({ nowMs: () => 3000 });
    expect(store.bootstrapped).toBe(true);
    store.close();
  });
});
