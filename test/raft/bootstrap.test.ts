import { describe, expect, it } from 'vitest';
import { bootstrapHardState, bootstrapIndex, bootstrapSnapshot, bootstrapTerm } from '../../raft/bootstrap.js';
import { MemoryStorage } from '../../raft/memory-storage.js';
import { RaftLog } from '../../raft/raft-log.js';
import { isRaftStorageError } from '../../raft/storage.js';
import { NoNode, emptyConfState, nodeId, type ConfState } from '../../raft/types.js';

const members: ConfState = { ...emptyConfState, voters: [nodeId(1), nodeId(2), nodeId(3)], learners: [nodeId(4)] };

describe('bootstrap', () => {
  it('the initial snapshot sits at (bootstrapIndex, bootstrapTerm) = (1, 1) and carries the membership', () => {
    expect(bootstrapIndex).toBe(1);
    expect(bootstrapTerm).toBe(1);
    const s = bootstrapSnapshot(members);
    expect(s.metadata).toEqual({ index: 1, term: 1, confState: members });
    expect(s.data.byteLength).toBe(0);
    const data = new Uint8Array([1, 2, 3]);
    expect(bootstrapSnapshot(members, data).data).toBe(data);
  });

  it('the initial hard state is term 1, no vote, commit 1 — and frozen', () => {
    expect(bootstrapHardState).toEqual({ term: 1, vote: NoNode, commit: 1 });
    expect(Object.isFrozen(bootstrapHardState)).toBe(true);
  });

  it('MemoryStorage.bootstrap: an empty log after the snapshot, with hard state and membership for startup', () => {
    const s = MemoryStorage.bootstrap(members);
    expect(s.firstIndex()).toBe(2);
    expect(s.lastIndex()).toBe(1);
    expect(s.term(1)).toBe(1);
    let code: string | undefined;
    try {
      s.term(0);
    } catch (e) {
      if (isRaftStorageError(e)) code = e.code;
    }
    // The initial members are never in the log: index 0 is gone for good.
    expect(code).toBe('COMPACTED');
    expect(s.initialState()).toEqual({ hardState: bootstrapHardState, confState: members });
    expect(s.snapshot().metadata.confState).toEqual(members);
  });

  it('a RaftLog over bootstrapped storage starts committed and applied at the snapshot', () => {
    const log = new RaftLog(MemoryStorage.bootstrap(members), 0);
    expect(log.committed).toBe(1);
    expect(log.applied).toBe(1);
    expect(log.lastIndex()).toBe(1);
    expect(log.lastTerm()).toBe(1);
    expect(log.hasNextCommittedEntries()).toBe(false);
    // A later entry from the first leader (term ≥ 2) appends right after it.
    log.append([{ index: 2, term: 2, type: 'normal', data: new Uint8Array(0) }]);
    expect(log.lastIndex()).toBe(2);
  });
});
