/**
 * Quiescence (CockroachDB's idea, in the core here): an idle group stops heartbeating and ticking,
 * and wakes on any message or proposal without a needless election.
 */
import { describe, expect, it } from 'vitest';
import { Network, appliedCommands, ids } from './harness.js';

const opts = { quiesce: true, checkQuorum: true, preVote: true } as const;

function quietCluster(): Network {
  const net = new Network(ids(1, 2, 3), opts);
  net.campaign(1);
  net.propose(1, 'x');
  net.tickAll(3);
  return net;
}

describe('quiescence', () => {
  it('an idle group goes quiet: every replica quiesced, no messages on further ticks', () => {
    const net = quietCluster();
    for (const id of [1, 2, 3]) expect(net.raw(id).isQuiesced(), `node ${id}`).toBe(true);
    const before = net.delivered.length;
    net.tickAll(500);
    expect(net.delivered.length).toBe(before);
    expect(net.leaders()).toEqual([1]);
  });

  it('a proposal wakes the group and commits without an election', () => {
    const net = quietCluster();
    const term = net.raw(1).status().term;
    net.tickAll(100);
    expect(net.propose(1, 'y').outcome).toBe('appended');
    expect(appliedCommands(net.get(3))).toEqual(['x', 'y']);
    expect(net.raw(1).status().term).toBe(term);
    net.tickAll(5);
    for (const id of [1, 2, 3]) expect(net.raw(id).isQuiesced()).toBe(true); // and it goes quiet again
  });

  it('a proposal at a quiesced follower is forwarded and commits without an election', () => {
    const net = quietCluster();
    const term = net.raw(1).status().term;
    expect(net.propose(3, 'z').outcome).toBe('forwarded');
    expect(appliedCommands(net.get(2))).toEqual(['x', 'z']);
    expect(net.raw(2).status().term).toBe(term);
  });

  it('a read wakes a quiesced leader and is served after a fresh heartbeat round', () => {
    const net = quietCluster();
    net.raw(1).readIndex('r');
    net.settle();
    expect(net.get(1).readStates.map((r) => r.requestCtx)).toEqual(['r']);
  });

  it('a follower that missed the quiesce message wakes the group through its pre-vote; the leader keeps its term', () => {
    const net = new Network(ids(1, 2, 3), opts);
    net.campaign(1);
    net.propose(1, 'x');
    net.filter((m) => m.type === 'heartbeat' && m.quiesce && m.to === 3);
    net.tickAll(3);
    expect(net.raw(1).isQuiesced()).toBe(true);
    expect(net.raw(3).isQuiesced()).toBe(false);
    const term = net.raw(1).status().term;
    net.recover();
    net.tickAll(60);
    expect(net.leaders()).toEqual([1]);
    expect(net.raw(1).status().term).toBe(term);
    expect(net.raw(3).status().lead).toBe(1);
  });

  it('does not quiesce while a live follower is behind', () => {
    const net = new Network(ids(1, 2, 3), opts);
    net.campaign(1);
    net.filter((m) => m.type === 'app' && m.to === 3 && m.entries.length > 0);
    net.propose(1, 'x');
    net.tickAll(5);
    expect(net.raw(1).isQuiesced()).toBe(false);
  });

  it('quiesces despite a dead follower, which wakes the group when it comes back', () => {
    const net = new Network(ids(1, 2, 3), opts);
    net.campaign(1);
    net.get(3).down = true;
    net.propose(1, 'x');
    net.tickAll(30); // node 3 is not heard from for an election timeout: presumed down
    expect(net.raw(1).isQuiesced()).toBe(true);
    net.restart(3, opts);
    net.tickAll(40);
    expect(appliedCommands(net.get(3))).toEqual(['x']);
    expect(net.leaders()).toEqual([1]);
  });

  it('a woken leader that lost its quorum while asleep steps down within an election timeout', () => {
    const net = quietCluster();
    net.isolate(1);
    net.raw(1).propose(new TextEncoder().encode('y'));
    net.settle();
    for (let i = 0; i < 10; i++) net.raw(1).tick();
    net.settle();
    expect(net.raw(1).status().role).not.toBe('leader');
  });
});
