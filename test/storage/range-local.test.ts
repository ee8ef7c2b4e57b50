/**
 * The range-local replicated table (storage/range-local-types.ts): written only by
 * `WriteBatch.apply`, in the applied index's transaction; read as committed state by get and
 * bounded prefix scans; bounded keys and values; carried by snapshots and replaced atomically by
 * their install (an interrupted install leaves the old table); removed with the range; added to
 * existing databases by schema migration 2. Plus a property test against a Map model.
 */
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { NoNode } from '../../raft/types.js';
import { encodeConfState } from '../../storage/conf-state-codec.js';
import type { KeySpan } from '../../storage/key-span.js';
import { mvcc } from '../../storage/mvcc-types.js';
import { prefixEnd, rangeLocal, type LocalEntry, type LocalMutation } from '../../storage/range-local-types.js';
import { migrate, schemaVersionLatest } from '../../storage/schema.js';
import { decodeSnapshotChunk, encodeSnapshotChunk, snapshotFormatVersion } from '../../storage/snapshot-codec.js';
import type { SnapshotChunk, SnapshotHeader } from '../../storage/snapshot-types.js';
import { isStorageError, type StorageError } from '../../storage/storage-error.js';
import type { Store, StoreOptions } from '../../storage/store.js';
import { timestamp, timestampMax } from '../../storage/timestamp.js';
import { TempDir, bytes, clusterId, confOf, entry, storageError } from './helpers.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

const span: KeySpan = { start: bytes('b'), end: bytes('m') };
const ts = (n: number) => timestamp(BigInt(n));
const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString());
const entriesText = (es: readonly LocalEntry[]) => es.map((e) => `${Buffer.from(e.key).toString()}=${Buffer.from(e.value).toString()}`);

function newDir(): TempDir {
  const d = new TempDir();
  dirs.push(d);
  return d;
}

function newStore(overrides: Partial<StoreOptions> = {}): Store {
  return newDir().open(overrides);
}


function createRange(store: Store, rangeId: number, s: KeySpan = span): void {
  store.batch().createRange(rangeId, { span: s, descriptor: bytes(`desc${rangeId}`), confState: confOf(1) }).commit();
}

/** Appends, commits and applies the range's next entry with these local (and MVCC) mutations, in one batch. */
function applyNext(store: Store, rangeId: number, local: readonly LocalMutation[], mvccKey?: string): number {
  const rs = store.rangeStorage(rangeId);
  const index = rs.lastIndex() + 1;
  const term = Math.max(1, rs.hardState().term);
  store
    .batch()
    .append(rangeId, [entry(index, term)])
    .setHardState(rangeId, { term, vote: NoNode, commit: index })
    .apply(rangeId, { index, term }, mvccKey === undefined ? [] : [mvcc.put(bytes(mvccKey), ts(index), bytes(`v${index}`))], local)
    .commit();
  return index;
}

const all = (store: Store, rangeId: number) => entriesText(store.rangeLocal(rangeId).scan({ prefix: bytes(''), limit: 10_000 }));

describe('range-local table: writes and reads', () => {
  test('put, delete and deletePrefix apply in order, in the applied index transaction; reads see committed state only', () => {
    const store = newStore();
    createRange(store, 1);
    const local = store.rangeLocal(1);
    expect(local.get(bytes('s/a'))).toBeNull();
    applyNext(store, 1, [rangeLocal.put(bytes('s/a'), bytes('1')), rangeLocal.put(bytes('s/b'), bytes('2')), rangeLocal.put(bytes('t/x'), bytes('3'))]);
    expect(text(local.get(bytes('s/a')))).toBe('1');
    // A batch being built is invisible: the node keeps its own overlay for pending writes.
    const index = store.rangeStorage(1).lastIndex() + 1;
    const pending = store
      .batch()
      .append(1, [entry(index, 1)])
      .setHardState(1, { term: 1, vote: NoNode, commit: index })
      .apply(1, { index, term: 1 }, [], [rangeLocal.put(bytes('s/a'), bytes('changed')), rangeLocal.delete(bytes('s/b'))]);
    expect(text(local.get(bytes('s/a')))).toBe('1');
    expect(text(local.get(bytes('s/b')))).toBe('2');
    const stats = pending.commit();
    expect(stats.localMutationsApplied).toBe(2);
    expect(text(local.get(bytes('s/a')))).toBe('changed');
    expect(local.get(bytes('s/b'))).toBeNull();
    // Order within one apply: a put after a deletePrefix survives it, one before does not.
    applyNext(store, 1, [
      rangeLocal.put(bytes('s/c'), bytes('gone')),
      rangeLocal.deletePrefix(bytes('s/')),
      rangeLocal.put(bytes('s/d'), bytes('kept')),
    ]);
    expect(all(store, 1)).toEqual(['s/d=kept', 't/x=3']);
    expect(store.stats().localMutationsApplied).toBe(8);
  });

  test('a batch refused anywhere writes neither the local table nor the applied index', () => {
    const store = newStore();
    createRange(store, 1);
    applyNext(store, 1, [rangeLocal.put(bytes('k'), bytes('v1'))]);
    const applied = store.rangeStorage(1).appliedIndex();
    // The local mutation is valid; the MVCC mutation in the same apply is outside the span.
    const b = store
      .batch()
      .append(1, [entry(applied + 1, 1)])
      .setHardState(1, { term: 1, vote: NoNode, commit: applied + 1 })
      .apply(1, { index: applied + 1, term: 1 }, [mvcc.put(bytes('zzz'), ts(9), bytes('x'))], [rangeLocal.put(bytes('k'), bytes('v2'))]);
    expect(storageError(() => b.commit()).code).toBe('INVALID_ARGUMENT');
    expect(store.rangeStorage(1).appliedIndex()).toBe(applied);
    expect(text(store.rangeLocal(1).get(bytes('k')))).toBe('v1');
  });

  test('an I/O failure mid-batch (SQLITE_FULL) never separates the local table from the applied index', () => {
    const dir = newDir();
    const store = dir.open({ sizeBytesMax: 160 * 4096 });
    createRange(store, 1);
    const filler = Buffer.alloc(6000, 0x61);
    let failure: StorageError | undefined;
    for (let i = 0; i < 1000 && failure === undefined; i++) {
      try {
        // Each apply records its own index in the table and adds one big entry.
        const index = store.rangeStorage(1).lastIndex() + 1;
        applyNext(store, 1, [rangeLocal.put(bytes('applied'), bytes(String(index))), rangeLocal.put(bytes(`fill/${String(index).padStart(4, '0')}`), filler)]);
      } catch (e) {
        if (!isStorageError(e)) throw e;
        failure = e;
      }
    }
    expect(failure?.code).toBe('IO_FAILED');
    store.close();
    const again = dir.open();
    const applied = again.rangeStorage(1).appliedIndex();
    expect(applied).toBeGreaterThan(3);
    expect(text(again.rangeLocal(1).get(bytes('applied')))).toBe(String(applied));
    expect(again.rangeLocal(1).scan({ prefix: bytes('fill/'), limit: 10_000 })).toHaveLength(applied);
  });

  test('survives a restart', () => {
    const dir = newDir();
    const store = dir.open();
    createRange(store, 1);
    applyNext(store, 1, [rangeLocal.put(bytes('gc/threshold'), bytes('42'))]);
    store.close();
    expect(text(dir.open().rangeLocal(1).get(bytes('gc/threshold')))).toBe('42');
  });

  test('tables of different ranges are separate', () => {
    const store = newStore();
    createRange(store, 1, { start: bytes('a'), end: bytes('b') });
    createRange(store, 2, { start: bytes('b'), end: bytes('c') });
    applyNext(store, 1, [rangeLocal.put(bytes('k'), bytes('one'))]);
    applyNext(store, 2, [rangeLocal.put(bytes('k'), bytes('two')), rangeLocal.put(bytes('k2'), bytes('two'))]);
    applyNext(store, 1, [rangeLocal.deletePrefix(bytes(''))]);
    expect(all(store, 1)).toEqual([]);
    expect(all(store, 2)).toEqual(['k=two', 'k2=two']);
  });

  test('prefix scans are bounded, ordered bytewise, and page with `after`', () => {
    const store = newStore();
    createRange(store, 1);
    const keys = [
      [0x73],
      [0x73, 0x00],
      [0x73, 0x2f, 0x01],
      [0x73, 0x2f, 0xff],
      [0x73, 0x2f, 0xff, 0xff],
      [0x73, 0x30],
      [0x74],
      [0xff],
      [0xff, 0xff, 0x00],
    ].map((k) => Buffer.from(k));
    applyNext(store, 1, keys.map((k, i) => rangeLocal.put(k, bytes(String(i)))));
    const hex = (es: readonly LocalEntry[]) => es.map((e) => Buffer.from(e.key).toString('hex'));
    const local = store.rangeLocal(1);
    expect(hex(local.scan({ prefix: bytes('s/'), limit: 100 }))).toEqual(['732f01', '732fff', '732fffff']);
    expect(hex(local.scan({ prefix: Buffer.from([0x73, 0x2f, 0xff]), limit: 100 }))).toEqual(['732fff', '732fffff']);
    expect(hex(local.scan({ prefix: Buffer.from([0xff]), limit: 100 }))).toEqual(['ff', 'ffff00']);
    expect(hex(local.scan({ prefix: bytes(''), limit: 3 }))).toEqual(['73', '7300', '732f01']);
    // Paging through everything, 2 at a time.
    const paged: string[] = [];
    let after: Uint8Array | undefined;
    for (;;) {
      const page = local.scan(after === undefined ? { prefix: bytes(''), limit: 2 } : { prefix: bytes(''), limit: 2, after });
      paged.push(...hex(page));
      if (page.length < 2) break;
      after = page[page.length - 1]!.key;
    }
    expect(paged).toEqual(keys.map((k) => k.toString('hex')));
    // `after` below the prefix starts at the prefix; at or past its end returns nothing.
    expect(hex(local.scan({ prefix: bytes('s/'), limit: 100, after: bytes('a') }))).toEqual(['732f01', '732fff', '732fffff']);
    expect(local.scan({ prefix: bytes('s/'), limit: 100, after: bytes('s0') })).toEqual([]);
    expect(storageError(() => local.scan({ prefix: bytes(''), limit: 0 })).code).toBe('INVALID_ARGUMENT');
    expect(storageError(() => local.scan({ prefix: bytes(''), limit: 10_001 })).code).toBe('INVALID_ARGUMENT');
  });

  test('prefixEnd: the first key past every key with the prefix', () => {
    const h = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('hex'));
    expect(h(prefixEnd(Buffer.from([])))).toBeNull();
    expect(h(prefixEnd(Buffer.from([0xff, 0xff])))).toBeNull();
    expect(h(prefixEnd(Buffer.from([0x61, 0x62])))).toBe('6163');
    expect(h(prefixEnd(Buffer.from([0x61, 0xff, 0xff])))).toBe('62');
    expect(h(prefixEnd(Buffer.from([0x00])))).toBe('01');
  });

  test('keys and values are bounded (defaults 1 KiB / 64 KiB, configurable) with typed errors', () => {
    const store = newStore();
    createRange(store, 1);
    const index = store.rangeStorage(1).lastIndex() + 1;
    const tryApply = (local: readonly LocalMutation[]): string => {
      const b = store
        .batch()
        .append(1, [entry(index, 1)])
        .setHardState(1, { term: 1, vote: NoNode, commit: index })
        .apply(1, { index, term: 1 }, [], local);
      try {
        b.commit();
        return 'ok';
      } catch (e) {
        if (isStorageError(e)) return `${e.code}:${e.rangeId}`;
        throw e;
      }
    };
    expect(tryApply([rangeLocal.put(Buffer.alloc(1025), bytes('v'))])).toBe('INVALID_ARGUMENT:1');
    expect(tryApply([rangeLocal.put(bytes('k'), Buffer.alloc(64 * 1024 + 1))])).toBe('INVALID_ARGUMENT:1');
    expect(tryApply([rangeLocal.delete(Buffer.alloc(1025))])).toBe('INVALID_ARGUMENT:1');
    expect(tryApply([rangeLocal.deletePrefix(Buffer.alloc(1025))])).toBe('INVALID_ARGUMENT:1');
    expect(store.rangeStorage(1).appliedIndex()).toBe(0);
    expect(tryApply([rangeLocal.put(Buffer.alloc(1024, 1), Buffer.alloc(64 * 1024, 2))])).toBe('ok');
    expect(store.rangeLocal(1).get(Buffer.alloc(1024, 1))?.length).toBe(64 * 1024);
    expect(storageError(() => store.rangeLocal(1).get(Buffer.alloc(1025))).code).toBe('INVALID_ARGUMENT');
    expect(storageError(() => store.rangeLocal(1).scan({ prefix: Buffer.alloc(1025), limit: 1 })).code).toBe('INVALID_ARGUMENT');

    const small = newStore({ localKeyBytesMax: 8, localValueBytesMax: 16 });
    createRange(small, 1);
    expect(storageError(() => applyNext(small, 1, [rangeLocal.put(Buffer.alloc(9), bytes('v'))])).code).toBe('INVALID_ARGUMENT');
    expect(storageError(() => applyNext(small, 1, [rangeLocal.put(bytes('k'), Buffer.alloc(17))])).code).toBe('INVALID_ARGUMENT');
    applyNext(small, 1, [rangeLocal.put(Buffer.alloc(8), Buffer.alloc(16))]);
    expect(storageError(() => newStore({ localValueBytesMax: 0 })).code).toBe('INVALID_ARGUMENT');
  });

  test('deleteRange removes the table (whatever deleteSpanData says); a reader kept across it fails loudly', () => {
    const store = newStore();
    createRange(store, 1, { start: bytes('a'), end: bytes('b') });
    createRange(store, 2, { start: bytes('b'), end: bytes('c') });
    applyNext(store, 1, [rangeLocal.put(bytes('k'), bytes('1'))]);
    applyNext(store, 2, [rangeLocal.put(bytes('k'), bytes('2'))]);
    const kept = store.rangeLocal(1);
    store.batch().deleteRange(1, { deleteSpanData: false }).commit();
    expect(storageError(() => kept.get(bytes('k'))).code).toBe('RANGE_NOT_FOUND');
    expect(storageError(() => store.rangeLocal(1)).code).toBe('RANGE_NOT_FOUND');
    expect(all(store, 2)).toEqual(['k=2']);
    // A replica created again under the same id starts with an empty table.
    createRange(store, 1, { start: bytes('a'), end: bytes('b') });
    expect(all(store, 1)).toEqual([]);
    const raw = new Database(store.path, { readonly: true });
    expect(raw.prepare('SELECT COUNT(*) FROM range_local WHERE range_id = 1').pluck().get()).toBe(0);
    raw.close();
  });
});

describe('range-local table: snapshots', () => {
  /** Range 1 on a sender with MVCC data and a local table of 200 entries (some large). */
  function sender(): Store {
    const a = newStore({ storeId: 1 });
    createRange(a, 1);
    const local: LocalMutation[] = [];
    for (let i = 0; i < 200; i++) local.push(rangeLocal.put(bytes(`s/${String(i).padStart(3, '0')}`), Buffer.alloc(i % 3 === 0 ? 900 : 10, i)));
    applyNext(a, 1, local, 'c1');
    applyNext(a, 1, [rangeLocal.put(bytes('gc/threshold'), bytes('77'))], 'c2');
    return a;
  }

  /** Range 1 on a receiver with an older, different local table; range 2 with its own. */
  function receiver(): Store {
    const b = newStore({ storeId: 2 });
    createRange(b, 1);
    createRange(b, 2, { start: bytes('m'), end: bytes('') });
    applyNext(b, 1, [rangeLocal.put(bytes('s/stale'), bytes('old')), rangeLocal.put(bytes('s/000'), bytes('old'))]);
    applyNext(b, 2, [rangeLocal.put(bytes('s/000'), bytes('range 2'))]);
    return b;
  }

  function transfer(a: Store, b: Store, opts: { cutAfter?: number; filter?: (c: SnapshotChunk) => boolean } = {}) {
    const stream = a.openSnapshotStream(1, { chunkBytesMax: 4096 });
    const r = b.beginSnapshotInstall(1, stream.header);
    const kinds: string[] = [];
    let n = 0;
    for (const chunk of stream) {
      if (chunk.kind === 'header') continue;
      if (opts.cutAfter !== undefined && n++ >= opts.cutAfter) {
        stream.close();
        break;
      }
      kinds.push(chunk.kind);
      r.receive(decodeSnapshotChunk(encodeSnapshotChunk(chunk)));
    }
    return { receiver: r, header: stream.header, kinds };
  }

  const install = (b: Store, header: SnapshotHeader, staged: ReturnType<ReturnType<Store['beginSnapshotInstall']>['finish']>) =>
    b
      .batch()
      .installSnapshot(1, { metadata: { index: header.appliedIndex, term: header.appliedTerm, confState: header.confState }, data: header.descriptor }, staged)
      .commit();

  test('the stream carries the local table in bounded chunks; install replaces it with the MVCC data and applied index', () => {
    const a = sender();
    const b = receiver();
    const { receiver: r, header, kinds } = transfer(a, b);
    expect(kinds.filter((k) => k === 'local').length).toBeGreaterThan(5);
    expect(kinds.join(',')).toMatch(/^(writes,)+(local,)+end$/);
    const staged = r.finish();
    expect(staged.localCount).toBe(201);
    // Staged, not yet installed: the old table is what reads see.
    expect(all(b, 1)).toEqual(['s/000=old', 's/stale=old']);
    install(b, header, staged);
    expect(all(b, 1)).toEqual(all(a, 1));
    expect(b.rangeLocal(1).get(bytes('s/stale'))).toBeNull();
    expect(b.rangeStorage(1).appliedIndex()).toBe(2);
    expect(text(b.mvcc.get(bytes('c2'), timestampMax)?.value ?? null)).toBe('v2');
    // Other ranges' tables are untouched, and staging is empty.
    expect(all(b, 2)).toEqual(['s/000=range 2']);
    const raw = new Database(b.path, { readonly: true });
    expect(raw.prepare('SELECT COUNT(*) FROM snapshot_staging_local').pluck().get()).toBe(0);
    raw.close();
  });

  test('the stream is the local table as of its applied index while the store keeps committing', () => {
    const a = sender();
    const expected = all(a, 1);
    const stream = a.openSnapshotStream(1, { chunkBytesMax: 2048 });
    const got: LocalEntry[] = [];
    for (const chunk of stream) {
      if (chunk.kind === 'local') got.push(...chunk.entries);
      applyNext(a, 1, [rangeLocal.deletePrefix(bytes('s/1')), rangeLocal.put(bytes('s/new'), bytes('later'))]);
    }
    expect(stream.header.appliedIndex).toBe(2);
    expect(entriesText(got)).toEqual(expected);
    expect(all(a, 1)).not.toEqual(expected);
  });

  test('an empty local table installs as an empty table', () => {
    const a = newStore({ storeId: 1 });
    createRange(a, 1);
    applyNext(a, 1, [], 'c1');
    const b = receiver();
    const { receiver: r, header, kinds } = transfer(a, b);
    expect(kinds).toEqual(['writes', 'end']);
    install(b, header, r.finish());
    expect(all(b, 1)).toEqual([]);
    expect(all(b, 2)).toEqual(['s/000=range 2']);
  });

  test('an aborted, cut-short or restarted install leaves the old table intact', () => {
    const a = sender();
    const b = receiver();
    const before = all(b, 1);
    const aborted = transfer(a, b, { cutAfter: 4 });
    expect(aborted.kinds).toContain('local');
    aborted.receiver.abort();
    expect(all(b, 1)).toEqual(before);
    const cut = transfer(a, b, { cutAfter: 5 });
    expect(() => cut.receiver.finish()).toThrow(/cut short/);
    expect(all(b, 1)).toEqual(before);
    // The process "dies" with local entries in staging: the reopened store has the old table and no staging.
    transfer(a, b, { cutAfter: 6 });
    const path = b.path;
    b.close();
    const again = dirs.find((d) => d.dbPath() === path)!.open({ storeId: 2 });
    expect(all(again, 1)).toEqual(before);
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT COUNT(*) FROM snapshot_staging_local').pluck().get()).toBe(0);
    raw.close();
  });

  test('malformed local chunks are refused with SNAPSHOT_INVALID', () => {
    const a = sender();
    const b = receiver();
    const before = all(b, 1);
    const h = a.openSnapshotStream(1);
    const header = h.header;
    h.close();
    const e = (k: string, v: Buffer = bytes('v')): LocalEntry => ({ key: bytes(k), value: v });
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (isStorageError(err)) return err.code;
        throw err;
      }
      return 'none';
    };
    let r = b.beginSnapshotInstall(1, header);
    expect(code(() => r.receive({ kind: 'local', entries: [e('b'), e('a')] }))).toBe('SNAPSHOT_INVALID'); // order
    r = b.beginSnapshotInstall(1, header);
    expect(code(() => r.receive({ kind: 'local', entries: [e('a'), e('a')] }))).toBe('SNAPSHOT_INVALID'); // duplicate
    r = b.beginSnapshotInstall(1, header);
    expect(code(() => r.receive({ kind: 'local', entries: [e('x'.repeat(1025))] }))).toBe('SNAPSHOT_INVALID'); // key limit
    r = b.beginSnapshotInstall(1, header);
    expect(code(() => r.receive({ kind: 'local', entries: [e('a', Buffer.alloc(64 * 1024 + 1))] }))).toBe('SNAPSHOT_INVALID');
    r = b.beginSnapshotInstall(1, header);
    r.receive({ kind: 'local', entries: [e('a')] });
    expect(code(() => r.receive({ kind: 'locks', locks: [] }))).toBe('SNAPSHOT_INVALID'); // phase
    r = b.beginSnapshotInstall(1, header);
    r.receive({ kind: 'local', entries: [e('a')] });
    expect(code(() => r.receive({ kind: 'end', writeCount: 0, lockCount: 0, localCount: 2 }))).toBe('SNAPSHOT_INVALID'); // count
    expect(all(b, 1)).toEqual(before);
  });

  test(`codec: local chunks round-trip in format ${snapshotFormatVersion}; format 1 and unknown formats are refused`, () => {
    const chunk: SnapshotChunk = { kind: 'local', entries: [{ key: bytes(''), value: bytes('') }, { key: Buffer.from([0, 0xff]), value: Buffer.alloc(300, 7) }] };
    const back = decodeSnapshotChunk(encodeSnapshotChunk(chunk));
    expect(back.kind === 'local' && back.entries.map((x) => [Buffer.from(x.key).toString('hex'), Buffer.from(x.value).length])).toEqual([
      ['', 0],
      ['00ff', 300],
    ]);
    const end = decodeSnapshotChunk(encodeSnapshotChunk({ kind: 'end', writeCount: 3, lockCount: 2, localCount: 1 }));
    expect(end).toEqual({ kind: 'end', writeCount: 3, lockCount: 2, localCount: 1 });
    expect(snapshotFormatVersion).toBe(2);
    // Re-stamp a chunk as format 1 (and a made-up 3), with a valid checksum: refused by format, not by CRC.
    for (const format of [1, 3]) {
      const bytesV2 = Buffer.from(encodeSnapshotChunk({ kind: 'end', writeCount: 0, lockCount: 0, localCount: 0 }));
      const body = bytesV2.subarray(0, bytesV2.length - 4);
      body.writeUInt8(format, 0);
      const restamped = Buffer.concat([body, Buffer.alloc(4)]);
      restamped.writeUInt32BE(crc32(body), body.length);
      expect(() => decodeSnapshotChunk(restamped)).toThrow(new RegExp(`unknown chunk format ${format}`));
    }
  });
});

describe('range-local table: schema migration', () => {
  test('opening a version-1 database adds the table (migration 2) and keeps everything else', () => {
    const dir = newDir();
    const raw = new Database(dir.dbPath());
    raw.pragma('journal_mode = WAL');
    expect(migrate(raw, 1000, 1)).toEqual([1]);
    raw.prepare('INSERT INTO store_identity (singleton, cluster_id, store_id, created_at_ms) VALUES (1, ?, 1, 0)').run(clusterId);
    // A range as a version-1 build left it: applied through 3 (log truncated there), one MVCC row.
    raw.prepare('INSERT INTO range_hard_state (range_id, term, vote, commit_index) VALUES (5, 2, 0, 3)').run();
    raw.prepare('INSERT INTO range_log_state (range_id, truncated_index, truncated_term) VALUES (5, 3, 2)').run();
    raw
      .prepare('INSERT INTO range_apply_state VALUES (5, 3, 2, ?, ?, ?, ?)')
      .run(encodeConfState(confOf(1, 2)), span.start, span.end, bytes('desc-v1'));
    raw.prepare('INSERT INTO mvcc_write (key, ts, kind, start_ts, value) VALUES (?, 7, 1, 7, ?)').run(bytes('c'), bytes('from v1'));
    expect(raw.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'range_local'").pluck().get()).toBe(0);
    raw.close();

    const store = dir.open();
    const check = new Database(dir.dbPath(), { readonly: true });
    expect(check.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual([1, 2, 3, 4]);
    expect(check.pragma('user_version', { simple: true })).toBe(schemaVersionLatest);
    expect(check.prepare("SELECT name FROM sqlite_schema WHERE name LIKE '%local%' ORDER BY name").pluck().all()).toEqual([
      'range_local',
      'snapshot_staging_local',
    ]);
    check.close();
    const rs = store.rangeStorage(5);
    expect([rs.appliedIndex(), rs.firstIndex(), rs.hardState().commit]).toEqual([3, 4, 3]);
    expect(rs.initialState().confState).toEqual(confOf(1, 2));
    expect(text(store.mvcc.get(bytes('c'), timestampMax)?.value ?? null)).toBe('from v1');
    expect(all(store, 5)).toEqual([]);
    applyNext(store, 5, [rangeLocal.put(bytes('s/1'), bytes('after migration'))]);
    store.close();
    // Migrating is done once; the data is there after the next open.
    const again = dir.open();
    expect(all(again, 5)).toEqual(['s/1=after migration']);
  });
});

describe('range-local table against a Map model', () => {
  // Few, short keys with shared prefixes and 0x00/0xff bytes, as in the MVCC model test.
  const keyArb = fc.array(fc.constantFrom(0x00, 0x01, 0x7f, 0xff), { maxLength: 3 }).map((a) => Buffer.from(a));
  const mutationArb: fc.Arbitrary<LocalMutation> = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(keyArb, fc.uint8Array({ maxLength: 4 })).map(([k, v]) => rangeLocal.put(k, Buffer.from(v))) },
    { weight: 2, arbitrary: keyArb.map((k) => rangeLocal.delete(k)) },
    { weight: 1, arbitrary: keyArb.map((k) => rangeLocal.deletePrefix(k)) },
  );
  const batchArb = fc.array(fc.tuple(fc.constantFrom(1, 2), fc.array(mutationArb, { maxLength: 6 })), { minLength: 1, maxLength: 3 });
  const scanArb = fc.record({ rangeId: fc.constantFrom(1, 2), prefix: keyArb, limit: fc.integer({ min: 1, max: 5 }), after: fc.option(keyArb, { nil: undefined }) });

  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const startsWith = (k: Buffer, p: Uint8Array) => k.length >= p.length && k.subarray(0, p.length).equals(p);

  function applyModel(model: Map<string, Buffer>, m: LocalMutation): void {
    switch (m.op) {
      case 'put':
        model.set(hex(m.key), Buffer.from(m.value));
        return;
      case 'delete':
        model.delete(hex(m.key));
        return;
      case 'deletePrefix':
        for (const k of [...model.keys()]) if (startsWith(Buffer.from(k, 'hex'), m.prefix)) model.delete(k);
        return;
    }
  }

  function scanModel(model: Map<string, Buffer>, prefix: Uint8Array, limit: number, after: Uint8Array | undefined): string[] {
    return [...model.entries()]
      .map(([k, v]) => [Buffer.from(k, 'hex'), v] as const)
      .filter(([k]) => startsWith(k, prefix) && (after === undefined || Buffer.compare(k, after) > 0))
      .sort(([a], [b]) => Buffer.compare(a, b))
      .slice(0, limit)
      .map(([k, v]) => `${hex(k)}=${hex(v)}`);
  }

  test('random batches of put/delete/deletePrefix over two ranges, gets and paged prefix scans agree', () => {
    let shared: { store: Store; dir: TempDir } | undefined;
    fc.assert(
      fc.property(fc.array(batchArb, { minLength: 1, maxLength: 8 }), fc.array(scanArb, { maxLength: 8 }), keyArb, (batches, scans, probe) => {
        if (shared === undefined) {
          const dir = newDir();
          shared = { dir, store: dir.open() };
        }
        const store = shared.store;
        // A fresh pair of ranges per run: the previous run's are deleted (which must empty their tables).
        for (const id of [1, 2]) if (store.hasRange(id)) store.batch().deleteRange(id, { deleteSpanData: true }).commit();
        createRange(store, 1, { start: bytes(''), end: Buffer.from([0x80]) });
        createRange(store, 2, { start: Buffer.from([0x80]), end: bytes('') });
        const models = new Map([
          [1, new Map<string, Buffer>()],
          [2, new Map<string, Buffer>()],
        ]);
        for (const batch of batches) {
          const b = store.batch();
          const applied = new Map<number, LocalMutation[]>();
          for (const [rangeId, muts] of batch) applied.set(rangeId, [...(applied.get(rangeId) ?? []), ...muts]);
          for (const [rangeId, muts] of applied) {
            const index = store.rangeStorage(rangeId).lastIndex() + 1;
            b.append(rangeId, [entry(index, 1)]).setHardState(rangeId, { term: 1, vote: NoNode, commit: index });
            b.apply(rangeId, { index, term: 1 }, [], muts);
            for (const m of muts) applyModel(models.get(rangeId)!, m);
          }
          b.commit();
        }
        for (const [rangeId, model] of models) {
          const local = store.rangeLocal(rangeId);
          expect(local.scan({ prefix: bytes(''), limit: 10_000 }).map((e) => `${hex(e.key)}=${hex(e.value)}`)).toEqual(
            scanModel(model, bytes(''), 10_000, undefined),
          );
          expect(local.get(probe)?.toString('hex') ?? null).toBe(model.get(hex(probe))?.toString('hex') ?? null);
        }
        for (const s of scans) {
          const local = store.rangeLocal(s.rangeId);
          const got = local.scan(s.after === undefined ? { prefix: s.prefix, limit: s.limit } : { prefix: s.prefix, limit: s.limit, after: s.after });
          expect(got.map((e) => `${hex(e.key)}=${hex(e.value)}`)).toEqual(scanModel(models.get(s.rangeId)!, s.prefix, s.limit, s.after));
        }
      }),
      { numRuns: 100 },
    );
  });
});
