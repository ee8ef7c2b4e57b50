import { MemoryStorage } from '../../raft/memory-storage.js';
import type { RaftStorage } from '../../raft/storage.js';
import type { ConfState, Entry, HardState, Snapshot } from '../../raft/types.js';
import type { Store } from '../../storage/store.js';
import { TempDir, wholeSpan } from './helpers.js';

/**
 * The write side of a RaftStorage under test, so one suite can run against the in-memory
 * reference (MemoryStorage) and against the SQLite-backed RangeLogStorage.
 */
export interface StorageSubject {
  readonly name: string;
  storage(): RaftStorage;
  append(entries: readonly Entry[]): void;
  setHardState(hs: HardState): void;
  /** Commits through `index` (raising the hard state's commit if needed) and compacts the log up to it. */
  commitAndCompact(index: number): void;
  applySnapshot(snapshot: Snapshot): void;
  /** Simulates a restart: the SQLite subject closes and reopens its database. */
  reopen(): void;
  close(): void;
}

/**
 * Both subjects start from a snapshot at `start` (index 0 = a brand-new empty replica; a higher
 * index = a group bootstrapped from an initial snapshot, as raft/bootstrap.ts does).
 */
export interface SubjectStart {
  readonly confState: ConfState;
  readonly index: number;
  readonly term: number;
}

export function memorySubject(start: SubjectStart): StorageSubject {
  const ms = new MemoryStorage({
    metadata: { index: start.index, term: start.term, confState: start.confState },
    data: new Uint8Array(0),
  });
  let hs: HardState = ms.initialState().hardState;
  return {
    name: 'MemoryStorage',
    storage: () => ms,
    append: (entries) => ms.append(entries),
    setHardState: (next) => {
      hs = next;
      ms.setHardState(next);
    },
    commitAndCompact: (index) => {
      if (hs.commit < index) {
        hs = { ...hs, commit: index };
        ms.setHardState(hs);
      }
      ms.compact(index);
    },
    applySnapshot: (snap) => ms.applySnapshot(snap),
    reopen: () => undefined,
    close: () => undefined,
  };
}

export function sqliteSubject(start: SubjectStart, options: { entryCacheBytesMax?: number } = {}): StorageSubject {
  const dir = new TempDir();
  const rangeId = 7;
  const open = (): Store => dir.open({ entryCacheBytesMax: options.entryCacheBytesMax ?? 64 << 20 });
  let store = open();
  const create = store.batch().createRange(rangeId, { span: wholeSpan, descriptor: new Uint8Array(0), confState: start.confState });
  if (start.index > 0) {
    const snap = { metadata: { index: start.index, term: start.term, confState: start.confState }, data: new Uint8Array(0) };
    create.installSnapshot(rangeId, snap, null);
  }
  create.commit();
  return {
    name: `RangeLogStorage(cache ${options.entryCacheBytesMax ?? 'default'})`,
    storage: () => store.rangeStorage(rangeId),
    append: (entries) => {
      store.batch().append(rangeId, entries).commit();
    },
    setHardState: (hs) => {
      store.batch().setHardState(rangeId, hs).commit();
    },
    commitAndCompact: (index) => {
      const rs = store.rangeStorage(rangeId);
      if (index <= rs.firstIndex() - 1) return;
      const b = store.batch();
      const hs = rs.hardState();
      if (hs.commit < index) b.setHardState(rangeId, { ...hs, commit: index });
      if (rs.appliedIndex() < index) b.apply(rangeId, { index, term: rs.term(index) }, []);
      b.truncateLog(rangeId, index).commit();
    },
    applySnapshot: (snap) => {
      store.batch().installSnapshot(rangeId, snap, null).commit();
    },
    reopen: () => {
      store.close();
      store = open();
    },
    close: () => dir.cleanup(),
  };
}
