import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeId, type ConfState, type Entry } from '../../raft/types.js';
import { Store, type StoreOptions } from '../../storage/store.js';
import { isStorageError, type StorageError } from '../../storage/storage-error.js';

export const clusterId = 'test-cluster';

export const confOf = (...voters: number[]): ConfState => ({
  voters: voters.map(nodeId),
  votersOutgoing: [],
  learners: [],
  learnersNext: [],
  autoLeave: false,
});

export const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

export const wholeSpan = { start: new Uint8Array(0), end: new Uint8Array(0) };

export function entry(index: number, term: number, data = `e${index}t${term}`): Entry {
  return { index, term, type: 'normal', data: bytes(data) };
}

export function entries(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term));
  return out;
}

/** A temp directory for one test's databases, removed by `cleanup`. */
export class TempDir {
  readonly path: string;
  private stores: Store[] = [];

  constructor(prefix = 'rangekv-storage-') {
    this.path = mkdtempSync(join(tmpdir(), prefix));
  }

  dbPath(name = 'store.db'): string {
    return join(this.path, name);
  }

  open(overrides: Partial<StoreOptions> = {}): Store {
    const store = Store.open({ path: this.dbPath(), clusterId, storeId: 1, ...overrides });
    this.stores.push(store);
    return store;
  }

  cleanup(): void {
    for (const s of this.stores) s.close();
    this.stores = [];
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Runs `fn`, which must throw a StorageError, and returns it. */
export function storageError(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (e) {
    if (isStorageError(e)) return e;
    throw e;
  }
  throw new Error('expected a StorageError');
}
