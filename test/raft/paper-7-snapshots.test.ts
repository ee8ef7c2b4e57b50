/** Raft paper §7, Log compaction: a leader sends InstallSnapshot to a follower behind its first index. */
import { describe, expect, it } from 'vitest';
import { Network, appliedCommands, followerBehindFirstIndex, ids } from './harness.js';

describe('§7 log compaction and InstallSnapshot', () => {
  it('a follower whose next entry was compacted away gets a snapshot and then the rest of the log', () => {
    const { net, snapshotIndex: applied } = followerBehindFirstIndex(new TextEncoder().encode('state:a,b,c'));
    net.propose(1, 'd');
    net.restart(3);
    net.tickAll(1);
    const snaps = net.delivered.filter((m) => m.type === 'snap' && m.to === 3);
    expect(snaps).toHaveLength(1);
    const follower = net.get(3);
    expect(follower.storage.snapshot().metadata.index).toBe(applied);
    expect(new TextDecoder().decode(follower.storage.snapshot().data)).toBe('state:a,b,c');
    expect(appliedCommands(follower)).toEqual(['d']); // a, b, c came inside the snapshot
    expect(net.raw(3).status().commit).toBe(net.raw(1).status().commit);
    expect(net.raw(1).status().progress?.get(3 as never)?.state).toBe('replicate');
  });

  it('a follower ignores a snapshot older than what it has committed', () => {
    const net = new Network(ids(1, 2));
    net.campaign(1);
    net.propose(1, 'a');
    const leader = net.get(1);
    const old = leader.storage.createSnapshot(leader.applied[leader.applied.length - 1]!.index, leader.confState, new Uint8Array(0));
    net.propose(1, 'b');
    const before = net.raw(2).status().commit;
    net.raw(2).step({ type: 'snap', from: 1 as never, to: 2 as never, term: net.raw(1).status().term, snapshot: old });
    const rd = net.raw(2).ready();
    expect(rd.snapshot).toBeUndefined();
    expect(rd.messages.find((m) => m.type === 'appResp')).toMatchObject({ index: before, reject: false });
    net.raw(2).advance();
  });

  it('does not ship a snapshot that predates the recipient joining (it would be refused)', () => {
    const net = new Network(ids(1, 2));
    net.campaign(1);
    net.propose(1, 'a');
    const leader = net.get(1);
    leader.storage.createSnapshot(leader.applied[leader.applied.length - 1]!.index, leader.confState, new Uint8Array(0));
    leader.storage.compact(leader.applied[leader.applied.length - 1]!.index);
    net.addEmpty(3 as never);
    net.raw(1).proposeConfChange({ kind: 'simple', changes: [{ op: 'addLearner', nodeId: 3 as never }] });
    net.settle();
    net.tickAll(3);
    // The only snapshot is from before node 3 was added: nothing is sent, node 3 stays uninitialized.
    expect(net.delivered.filter((m) => m.type === 'snap' && m.to === 3)).toHaveLength(0);
    // Once a snapshot that includes node 3 exists, it goes out and node 3 joins.
    const idx = leader.applied[leader.applied.length - 1]!.index;
    leader.storage.createSnapshot(idx, leader.confState, new Uint8Array(0));
    net.tickAll(2);
    expect(net.delivered.filter((m) => m.type === 'snap' && m.to === 3)).toHaveLength(1);
    expect(net.raw(3).status().confState.learners).toEqual([3]);
  });
});
