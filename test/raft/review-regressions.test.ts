/**
 * Regression tests for bugs found by an adversarial review of the core (each reproduced first,
 * then fixed). The scenarios are the reviewer's, on the in-memory harness.
 */
import { describe, expect, it } from 'vitest';
import {
  RaftConfigError,
  RawNode,
  SeededRng,
  decodeConfChange,
  encodeConfChange,
  nodeId,
  resolveRaftConfig,
  type Message,
} from '../../raft/index.js';
import { Network, appliedCommands, ids, newStorage } from './harness.js';

describe('lease safety', () => {
  const opts = { checkQuorum: true, preVote: true, leaseReads: true, electionTimeoutTicks: 10, leaseDriftMarginTicks: 2 } as const;

  it('a heartbeat answer from before quiescence, delivered after waking, does not grant a lease (the leader slept through real time)', () => {
    const net = new Network(ids(1, 2, 3), { ...opts, quiesce: true });
    net.tickAll(10);
    net.campaign(1);
    net.propose(1, 'x');
    let held: Message | undefined;
    let holding = true;
    net.filter((m) => {
      if (holding && m.type === 'heartbeatResp' && m.from === 2 && m.to === 1) {
        held = m;
        return true;
      }
      return false;
    });
    net.raw(1).readIndex('r0');
    net.settle();
    for (let i = 0; i < 10 && !net.raw(1).isQuiesced(); i++) net.tickAll(1);
    expect(net.raw(1).isQuiesced()).toBe(true);
    expect(held).toBeDefined();
    holding = false;
    const oldTerm = net.raw(1).status().term;
    net.filter((m) => (m.from === 1 || m.to === 1) && m !== held);
    net.raw(2).propose(new TextEncoder().encode('wake'));
    net.settle();
    for (let i = 0; i < 60 && !net.leaders().some((l) => l !== 1); i++) net.tickAll(1);
    const newLeader = net.leaders().find((l) => l !== 1)!;
    expect(net.propose(newLeader, 'w').outcome).toBe('appended');
    net.tickAll(2);
    expect(appliedCommands(net.get(3))).toContain('w');
    net.settle([held!]); // the delayed answer reaches the old, quiesced leader
    expect(net.raw(1).status()).toMatchObject({ role: 'leader', term: oldTerm });
    net.raw(1).readIndex('stale');
    net.settle();
    expect(net.get(1).readStates.find((r) => r.requestCtx === 'stale')).toBeUndefined();
  });

  it('a manual campaign() at a follower that granted a lease is refused until the lease has expired', () => {
    const net = new Network(ids(1, 2, 3), opts);
    net.tickAll(10);
    net.campaign(1);
    net.propose(1, 'x');
    net.tickAll(1);
    net.cut(1, 3);
    net.filter((m) => m.from === 3 && (m.type === 'preVote' || m.type === 'vote'));
    net.tickAll(11);
    net.recover();
    net.isolate(1);
    net.raw(2).campaign(); // 2 acked 1's heartbeat less than an election timeout ago
    net.settle();
    expect(net.raw(2).status().role).not.toBe('leader');
    net.raw(1).readIndex('still-fine');
    net.settle();
    // Whatever 1 serves is safe: no rival leader exists while its lease holds.
    expect(net.leaders()).toEqual([1]);
  });

  it('a zero drift margin is refused with lease reads: tick granularity alone consumes one tick', () => {
    expect(() => resolveRaftConfig({ id: nodeId(1), rng: new SeededRng(1), checkQuorum: true, leaseReads: true, leaseDriftMarginTicks: 0 })).toThrow(
      RaftConfigError,
    );
    expect(() => resolveRaftConfig({ id: nodeId(1), rng: new SeededRng(1), leaseDriftMarginTicks: 0 })).not.toThrow();
  });
});

describe('membership and snapshots', () => {
  it('a snapshot stepped between ready() and advance() waits until the handed-out committed entries are applied', () => {
    const storage = newStorage(ids(1, 2, 3));
    const n = new RawNode({ id: nodeId(3), rng: new SeededRng(3), preVote: false, checkQuorum: false, quiesce: false }, storage);
    const cc = encodeConfChange({ kind: 'enterJoint', autoLeave: false, changes: [{ op: 'addVoter', nodeId: nodeId(4) }] });
    n.step({ type: 'app', from: nodeId(1), to: nodeId(3), term: 2, index: 1, logTerm: 1, commit: 2, entries: [{ term: 2, index: 2, type: 'confChange', data: cc }] });
    const rd1 = n.ready();
    expect(rd1.committedEntries.map((e) => e.index)).toEqual([2]);
    storage.append(rd1.entries);
    if (rd1.hardState) storage.setHardState(rd1.hardState);
    n.step({
      type: 'snap',
      from: nodeId(1),
      to: nodeId(3),
      term: 2,
      snapshot: {
        metadata: { index: 3, term: 2, confState: { voters: ids(1, 2, 3, 4), votersOutgoing: ids(1, 2, 3), learners: [], learnersNext: [], autoLeave: false } },
        data: new Uint8Array(),
      },
    });
    expect(() => n.applyConfChange(decodeConfChange(rd1.committedEntries[0]!.data))).not.toThrow();
    n.advance();
    const rd2 = n.ready();
    expect(rd2.snapshot).toBeUndefined(); // refused for now; the leader sends it again
    expect(rd2.messages.find((m) => m.type === 'appResp')).toMatchObject({ index: 2, reject: false });
    n.advance();
  });

  it('entries committed past an incoming snapshot are handed out in the next Ready, never beside it', () => {
    // A node applies a Ready's entries against its state machine while the snapshot is still only
    // staged in the same write: entries beside a snapshot would run against the pre-snapshot state.
    const storage = newStorage(ids(1, 2, 3));
    const n = new RawNode({ id: nodeId(3), rng: new SeededRng(3), preVote: false, checkQuorum: false, quiesce: false }, storage);
    const confState = { voters: ids(1, 2, 3), votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false };
    n.step({ type: 'snap', from: nodeId(1), to: nodeId(3), term: 2, snapshot: { metadata: { index: 5, term: 2, confState }, data: new Uint8Array() } });
    n.step({ type: 'app', from: nodeId(1), to: nodeId(3), term: 2, index: 5, logTerm: 2, commit: 7, entries: [6, 7].map((index) => ({ term: 2, index, type: 'normal' as const, data: new Uint8Array([index]) })) });
    const rd1 = n.ready();
    expect(rd1.snapshot?.metadata.index).toBe(5);
    expect(rd1.entries.map((e) => e.index)).toEqual([6, 7]);
    expect(rd1.committedEntries).toEqual([]);
    storage.applySnapshot(rd1.snapshot!);
    storage.append(rd1.entries);
    if (rd1.hardState) storage.setHardState(rd1.hardState);
    n.advance();
    expect(n.hasReady()).toBe(true);
    const rd2 = n.ready();
    expect(rd2.snapshot).toBeUndefined();
    expect(rd2.committedEntries.map((e) => e.index)).toEqual([6, 7]);
    n.advance();
  });

  it('a Ready that installs a snapshot must be synced before its acknowledgement leaves', () => {
    const net = new Network(ids(1, 2, 3));
    const n3 = net.get(3).node;
    const snap = (index: number): Message => ({
      type: 'snap',
      from: nodeId(1),
      to: nodeId(3),
      term: 2,
      snapshot: { metadata: { index, term: 2, confState: { voters: ids(1, 2, 3), votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false } }, data: new Uint8Array() },
    });
    n3.step(snap(5));
    n3.ready();
    n3.advance();
    n3.step(snap(9)); // same term: only the snapshot makes this Ready need a sync
    const rd = n3.ready();
    expect(rd.snapshot?.metadata.index).toBe(9);
    expect(rd.mustSync).toBe(true);
  });
});

describe('liveness', () => {
  it('a learner that was down when the group quiesced catches up when it comes back', () => {
    const opts = { quiesce: true, checkQuorum: true, preVote: true } as const;
    const net = new Network(ids(1, 2, 3), opts, ids(4));
    net.campaign(1);
    net.propose(1, 'a');
    net.get(4).down = true;
    net.propose(1, 'x');
    net.tickAll(30);
    net.restart(4, opts);
    net.tickAll(200);
    expect(appliedCommands(net.get(4))).toContain('x');
  });

  it('a stale pre-vote grant from an earlier pre-campaign is not counted: the healthy leader stays', () => {
    const net = new Network(ids(1, 2, 3), { preVote: true, checkQuorum: true });
    let stale: Message | undefined;
    let grab = true;
    net.filter((m) => {
      if (grab && m.type === 'preVoteResp' && m.to === 3) {
        if (m.from === 2 && !m.reject) stale = m;
        return true;
      }
      return false;
    });
    net.campaign(3);
    grab = false;
    expect(stale).toMatchObject({ term: 2, reject: false });
    net.campaign(1);
    expect(net.leaders()).toEqual([1]);
    net.cut(1, 3);
    for (let i = 0; i < 30 && net.raw(3).status().role !== 'preCandidate'; i++) net.tickAll(1);
    expect(net.raw(3).status()).toMatchObject({ role: 'preCandidate', term: 2 });
    net.settle([stale!]);
    expect(net.raw(3).status().term).toBe(2);
    net.recover();
    net.tickAll(2);
    expect(net.leaders()).toEqual([1]);
  });

  it('a probing follower whose answer equals its known match moves to replicate at once', () => {
    const net = new Network(ids(1, 2));
    net.campaign(1);
    net.raw(1).reportUnreachable(nodeId(2)); // replicate → probe
    expect(net.raw(1).status().progress?.get(nodeId(2))?.state).toBe('probe');
    net.tickAll(1); // heartbeat answer → empty probe → answer at match
    expect(net.raw(1).status().progress?.get(nodeId(2))?.state).toBe('replicate');
  });
});
