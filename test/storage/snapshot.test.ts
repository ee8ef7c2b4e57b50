/**
 * Snapshots (issue 3, point 7): a range's span is streamed at its applied index as bounded chunks
 * that stay consistent while the store keeps committing; an install receives chunks into staging
 * and swaps span data, log state and applied index in one transaction; an interrupted install —
 * aborted, cut short, or cut by a restart — leaves the old state exactly as it was.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { NoNode } from '../../raft/types.js';
import type { KeySpan } from '../../storage/key-span.js';
import { mvcc, type MvccMutation } from '../../storage/mvcc-types.js';
import { decodeSnapshotChunk, encodeSnapshotChunk } from '../../storage/snapshot-codec.js';
import type { SnapshotChunk } from '../../storage/snapshot-types.js';
import { isStorageError } from '../../storage/storage-error.js';
import type { Store } from '../../storage/store.js';
import { timestamp, timestampMax } from '../../storage/timestamp.js';
import { TempDir, bytes, confOf, entries } from './helpers.js';
import { MvccModel } from './mvcc-model.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

const span: KeySpan = { start: bytes('b'), end: bytes('m') };
const ts = (n: number) => timestamp(BigInt(n));

function newStore(storeId = 1): Store {
  const d = new TempDir();
  dirs.push(d);
  return d.open({ storeId });
}

/** A range 1 over [b, m) with data in and around its span, applied through index 5. */
function populated(store: Store, model: MvccModel): void {
  store.batch().createRange(1, { span, descriptor: bytes('desc-v1'), confState: confOf(1, 2, 3) }).commit();
  store.batch().append(1, entries(1, 5, 2)).setHardState(1, { term: 2, vote: NoNode, commit: 5 }).commit();
  const muts: MvccMutation[] = [];
  for (let i = 0; i < 300; i++) {
    const key = bytes(`c${String(i).padStart(4, '0')}`);
    muts.push(mvcc.put(key, ts(10 + (i % 7)), Buffer.alloc(i % 50, i)));
    if (i % 3 === 0) muts.push(mvcc.put(key, ts(30), bytes(`new${i}`), ts(29)));
    if (i % 5 === 0) muts.push(mvcc.delete(key, ts(40)));
    if (i % 11 === 0) muts.push(mvcc.rollback(key, ts(45)));
  }
  for (let i = 0; i < 40; i++) {
    muts.push(mvcc.putLock(bytes(`d${i}`), { primaryKey: bytes('d0'), startTs: ts(50), ttlMs: 1000, kind: 'put', value: bytes(`p${i}`) }));
  }
  store.batch().apply(1, { index: 5, term: 2 }, muts).commit();
  for (const m of muts) model.apply(m);
  // Outside the span: must not travel.
  store.batch().mvccLocal([mvcc.put(bytes('a'), ts(10), bytes('out')), mvcc.put(bytes('z'), ts(10), bytes('out'))]).commit();
}

function drain(stream: Iterable<SnapshotChunk>): SnapshotChunk[] {
  return [...stream];
}

const writesOf = (chunks: readonly SnapshotChunk[]) =>
  chunks.flatMap((c) => (c.kind === 'writes' ? c.records.map((r) => `${r.key.toString()}@${r.write.commitTs}:${r.write.kind}`) : []));
const locksOf = (chunks: readonly SnapshotChunk[]) =>
  chunks.flatMap((c) => (c.kind === 'locks' ? c.locks.map((l) => `${l.key.toString()}:${Buffer.from(l.value ?? []).toString()}`) : []));
const modelWrites = (model: MvccModel) => model.allWrites(span).map((r) => `${r.key.toString()}@${r.write.commitTs}:${r.write.kind}`);

describe('snapshot stream', () => {
  test('streams the span at the applied index as bounded chunks: header, writes, locks, end', () => {
    const store = newStore();
    const model = new MvccModel();
    populated(store, model);
    const chunkBytesMax = 2048;
    const chunks = drain(store.openSnapshotStream(1, { chunkBytesMax }));
    const [first, ...rest] = chunks;
    expect(first?.kind).toBe('header');
    if (first?.kind !== 'header') throw new Error('unreachable');
    expect(first.header).toMatchObject({ rangeId: 1, appliedIndex: 5, appliedTerm: 2, confState: confOf(1, 2, 3) });
    expect(first.header.descriptor.toString()).toBe('desc-v1');
    expect(rest.at(-1)).toEqual({ kind: 'end', writeCount: modelWrites(model).length, lockCount: 40, localCount: 0 });
    // Order of chunk kinds: writes*, locks*, end.
    const kinds = rest.map((c) => c.kind).join(',');
    expect(kinds).toMatch(/^(writes,)+(locks,)+end$/);
    expect(rest.filter((c) => c.kind === 'writes').length).toBeGreaterThan(3);
    for (const c of rest) {
      if (c.kind !== 'writes') continue;
      const size = c.records.reduce((n, r) => n + r.key.length + (r.write.kind === 'put' ? r.write.value.length : 0) + 32, 0);
      expect(size <= chunkBytesMax || c.records.length === 1).toBe(true);
    }
    expect(writesOf(chunks)).toEqual(modelWrites(model));
    expect(locksOf(chunks)).toHaveLength(40);
    expect(writesOf(chunks).some((w) => w.startsWith('a@') || w.startsWith('z@'))).toBe(false);
  });

  test('stays consistent while the store keeps committing (its own WAL read snapshot)', () => {
    const store = newStore();
    const model = new MvccModel();
    populated(store, model);
    const expected = modelWrites(model);
    const stream = store.openSnapshotStream(1, { chunkBytesMax: 1024 });
    const chunks: SnapshotChunk[] = [];
    let turn = 0;
    for (const chunk of stream) {
      chunks.push(chunk);
      // Between chunks the store moves on: new versions, deletions, a new applied index.
      turn++;
      store.batch().append(1, entries(5 + turn, 5 + turn, 2)).setHardState(1, { term: 2, vote: NoNode, commit: 5 + turn }).commit();
      store
        .batch()
        .apply(1, { index: 5 + turn, term: 2 }, [
          mvcc.put(bytes(`c${String(turn).padStart(4, '0')}`), ts(100 + turn), bytes('later')),
          mvcc.deleteSpan({ start: bytes(`c${String(turn * 7).padStart(4, '0')}`), end: bytes(`c${String(turn * 7 + 3).padStart(4, '0')}`) }),
          mvcc.deleteLock(bytes(`d${turn}`)),
        ])
        .commit();
    }
    expect(turn).toBeGreaterThan(5);
    expect(chunks[0]?.kind === 'header' && chunks[0].header.appliedIndex).toBe(5);
    expect(writesOf(chunks)).toEqual(expected);
    expect(locksOf(chunks)).toHaveLength(40);
    expect(store.rangeStorage(1).appliedIndex()).toBe(5 + turn);
  });

  test('streams are bounded in number and closed with the store', () => {
    const store = newStore();
    populated(store, new MvccModel());
    const open = [1, 2, 3, 4].map(() => store.openSnapshotStream(1));
    let code = '';
    try {
      store.openSnapshotStream(1);
    } catch (e) {
      if (isStorageError(e)) code = e.code;
    }
    expect(code).toBe('BUSY');
    open[0]?.close();
    store.openSnapshotStream(1).close();
    store.close();
    expect(open[1]?.next().done).toBe(true);
  });
});

describe('snapshot install', () => {
  /** Store B holds range 1 with older, different data in the span and a log of its own. */
  function receiverStore(): Store {
    const b = newStore(2);
    b.batch().createRange(1, { span, descriptor: bytes('desc-old'), confState: confOf(1, 2) }).commit();
    b.batch().append(1, entries(1, 3, 1)).setHardState(1, { term: 1, vote: NoNode, commit: 2 }).commit();
    b.batch()
      .apply(1, { index: 2, term: 1 }, [mvcc.put(bytes('c0001'), ts(5), bytes('stale')), mvcc.put(bytes('k-stale'), ts(5), bytes('x'))])
      .commit();
    b.batch().mvccLocal([mvcc.put(bytes('a'), ts(1), bytes('outside-left')), mvcc.put(bytes('x'), ts(1), bytes('outside-right'))]).commit();
    return b;
  }

  function transfer(a: Store, b: Store, cut?: number) {
    const stream = a.openSnapshotStream(1, { chunkBytesMax: 1500 });
    const receiver = b.beginSnapshotInstall(1, stream.header);
    let n = 0;
    for (const chunk of stream) {
      if (chunk.kind === 'header') continue;
      if (cut !== undefined && n++ >= cut) {
        stream.close();
        break;
      }
      receiver.receive(decodeSnapshotChunk(encodeSnapshotChunk(chunk)));
    }
    return { receiver, header: stream.header };
  }

  const state = (s: Store) => ({
    writes: s.mvcc.scan({ span: { start: bytes(''), end: bytes('') }, readTs: timestampMax, limit: 10_000 }).map((p) => `${Buffer.from(p.key).toString()}=${Buffer.from(p.value).toString('hex')}`),
    old: s.mvcc.scan({ span: { start: bytes(''), end: bytes('') }, readTs: ts(12), limit: 10_000 }).map((p) => Buffer.from(p.key).toString()),
    locks: s.mvcc.locks({ start: bytes(''), end: bytes('') }, 1000).length,
    applied: s.rangeStorage(1).appliedIndex(),
    first: s.rangeStorage(1).firstIndex(),
    last: s.rangeStorage(1).lastIndex(),
    descriptor: Buffer.from(s.rangeStorage(1).descriptor()).toString(),
  });

  test('refuses to install a snapshot whose span is not the range\'s, writing nothing (review: a forged header wiped live ranges)', () => {
    const a = newStore(1);
    populated(a, new MvccModel());
    const b = newStore(2);
    // B holds range 1 over [a, c) — not the [b, m) the snapshot brings — and data there.
    b.batch().createRange(1, { span: { start: bytes('a'), end: bytes('c') }, descriptor: bytes('desc-other'), confState: confOf(1, 2) }).commit();
    b.batch().mvccLocal([mvcc.put(bytes('x'), ts(1), bytes('outside'))]).commit();
    const before = state(b);
    const { receiver, header } = transfer(a, b);
    const staged = receiver.finish();
    let err: unknown;
    try {
      b.batch()
        .installSnapshot(1, { metadata: { index: header.appliedIndex, term: header.appliedTerm, confState: header.confState }, data: header.descriptor }, staged)
        .commit();
    } catch (e) {
      err = e;
    }
    expect(isStorageError(err) && err.code === 'INVALID_ARGUMENT' && /span is not the range's/.test(err.message)).toBe(true);
    expect(b.fenced).toBeNull();
    expect(state(b)).toEqual(before);
  });

  test('replaces span data, log state and applied index together; data outside the span stays', () => {
    const a = newStore(1);
    const model = new MvccModel();
    populated(a, model);
    const b = receiverStore();
    const { receiver, header } = transfer(a, b);
    const staged = receiver.finish();
    // Staged data is invisible until installed.
    expect(b.mvcc.get(bytes('c0001'), timestampMax)?.value.toString()).toBe('stale');
    b.batch()
      .installSnapshot(1, { metadata: { index: header.appliedIndex, term: header.appliedTerm, confState: header.confState }, data: header.descriptor }, staged)
      .commit();
    const rs = b.rangeStorage(1);
    expect(rs.appliedIndex()).toBe(5);
    expect(rs.firstIndex()).toBe(6);
    expect(rs.lastIndex()).toBe(5);
    expect(rs.term(5)).toBe(2);
    expect(rs.initialState().confState).toEqual(confOf(1, 2, 3));
    expect(Buffer.from(rs.descriptor()).toString()).toBe('desc-v1');
    // Every version, tombstone and record of the span arrived; B's stale data in the span is gone.
    const spanOnly = (s: Store) => state(s).writes.filter((w) => w >= 'b' && w < 'm');
    expect(spanOnly(b)).toEqual(spanOnly(a));
    expect(b.mvcc.get(bytes('k-stale'), timestampMax)).toBeNull();
    expect(b.mvcc.writeRecords(bytes('c0000'), timestampMax, 10).map((w) => w.kind)).toEqual(['rollback', 'delete', 'put', 'put']);
    expect(b.mvcc.locks(span, 100)).toHaveLength(40);
    expect(b.mvcc.get(bytes('a'), timestampMax)?.value.toString()).toBe('outside-left');
    expect(b.mvcc.get(bytes('x'), timestampMax)?.value.toString()).toBe('outside-right');
    // Staging is empty afterwards, and the install survives a restart.
    b.close();
    const raw = new Database(b.path);
    expect(raw.prepare('SELECT COUNT(*) FROM snapshot_staging_write').pluck().get()).toBe(0);
    raw.close();
  });

  test('an aborted or cut-short install leaves the old state intact', () => {
    const a = newStore(1);
    populated(a, new MvccModel());
    const b = receiverStore();
    const before = state(b);
    const aborted = transfer(a, b, 2).receiver;
    aborted.abort();
    expect(state(b)).toEqual(before);
    const cut = transfer(a, b, 3).receiver;
    expect(() => cut.finish()).toThrow(/cut short/);
    expect(state(b)).toEqual(before);
  });

  test('a restart in the middle of receiving leaves the old state intact and drops staging', () => {
    const a = newStore(1);
    populated(a, new MvccModel());
    const b = receiverStore();
    const before = state(b);
    transfer(a, b, 4);
    const path = b.path;
    b.close(); // the process "dies" with a half-received snapshot in staging
    const d = dirs.find((x) => x.dbPath() === path);
    const again = d!.open({ storeId: 2 });
    expect(state(again)).toEqual(before);
    const raw = new Database(path);
    expect(raw.prepare('SELECT COUNT(*) FROM snapshot_staging_write').pluck().get()).toBe(0);
    raw.close();
  });

  test('malformed streams are refused with SNAPSHOT_INVALID and discarded', () => {
    const a = newStore(1);
    populated(a, new MvccModel());
    const b = receiverStore();
    const before = state(b);
    const header = a.openSnapshotStream(1);
    const h = header.header;
    header.close();
    const code = (fn: () => unknown): string => {
      try {
        fn();
      } catch (e) {
        if (isStorageError(e)) return e.code;
        throw e;
      }
      return 'none';
    };
    const w = (key: string, t: number) => ({ key: bytes(key), write: { kind: 'put' as const, commitTs: ts(t), startTs: ts(t), value: bytes('v') } });
    expect(code(() => b.beginSnapshotInstall(2, h))).toBe('RANGE_NOT_FOUND');
    expect(code(() => b.beginSnapshotInstall(1, { ...h, rangeId: 9 }))).toBe('SNAPSHOT_INVALID');
    let r = b.beginSnapshotInstall(1, h);
    expect(code(() => r.receive({ kind: 'writes', records: [w('zz', 1)] }))).toBe('SNAPSHOT_INVALID'); // outside span
    r = b.beginSnapshotInstall(1, h);
    expect(code(() => r.receive({ kind: 'writes', records: [w('c', 1), w('c', 2)] }))).toBe('SNAPSHOT_INVALID'); // ts order
    r = b.beginSnapshotInstall(1, h);
    r.receive({ kind: 'writes', records: [w('c', 2)] });
    expect(code(() => r.receive({ kind: 'end', writeCount: 2, lockCount: 0, localCount: 0 }))).toBe('SNAPSHOT_INVALID'); // counts
    r = b.beginSnapshotInstall(1, h);
    r.receive({ kind: 'locks', locks: [] });
    expect(code(() => r.receive({ kind: 'writes', records: [w('c', 2)] }))).toBe('SNAPSHOT_INVALID'); // phase
    const bytesOk = encodeSnapshotChunk({ kind: 'writes', records: [w('c', 2)] });
    const flipped = Buffer.from(bytesOk);
    flipped.writeUInt8(flipped.readUInt8(10) ^ 0xff, 10);
    expect(code(() => decodeSnapshotChunk(flipped))).toBe('SNAPSHOT_INVALID');
    expect(code(() => decodeSnapshotChunk(bytesOk.subarray(0, 5)))).toBe('SNAPSHOT_INVALID');
    expect(state(b)).toEqual(before);
  });

  test('codec round-trips every chunk kind', () => {
    const a = newStore(1);
    populated(a, new MvccModel());
    for (const chunk of a.openSnapshotStream(1, { chunkBytesMax: 4096 })) {
      const back = decodeSnapshotChunk(encodeSnapshotChunk(chunk));
      expect(JSON.stringify(back, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).toEqual(
        JSON.stringify(chunk, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      );
    }
  });
});
