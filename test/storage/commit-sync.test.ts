/**
 * WriteBatch.commit({ sync: false }): for recomputable applied state only. It is committed (visible,
 * and surviving a process restart: it sits in the WAL), and the store goes back to fsyncing every
 * other commit (synchronous = FULL) afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mvcc, timestamp } from '../../storage/index.js';
import { TempDir, bytes, confOf, entries, wholeSpan } from './helpers.js';

let dir: TempDir | undefined;
afterEach(() => dir?.cleanup());

describe('unsynced commits of applied state', () => {
  it('are committed and survive closing and reopening the store', () => {
    dir = new TempDir();
    const store = dir.open();
    store.batch().createRange(1, { span: wholeSpan, descriptor: bytes('d'), confState: confOf(1) }).commit();
    store.batch().append(1, entries(1, 3, 1)).setHardState(1, { term: 1, vote: 0 as never, commit: 3 }).commit();
    store
      .batch()
      .apply(1, { index: 3, term: 1 }, [mvcc.put(bytes('k'), timestamp(10n), bytes('v'))])
      .commit({ sync: false });
    expect(store.rangeState(1).appliedIndex).toBe(3);
    expect(store.mvcc.get(bytes('k'), timestamp(20n))?.value.toString()).toBe('v');
    store.close();
    const reopened = dir.open();
    expect(reopened.rangeState(1).appliedIndex).toBe(3);
    expect(reopened.mvcc.get(bytes('k'), timestamp(20n))?.value.toString()).toBe('v');
  });

  it('leave the connection fsyncing every later commit', () => {
    dir = new TempDir();
    const store = dir.open();
    store.batch().createRange(1, { span: wholeSpan, descriptor: bytes('d'), confState: confOf(1) }).commit({ sync: false });
    const db = (store as unknown as { db: { pragma(s: string, o: { simple: true }): unknown } }).db;
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
  });
});
