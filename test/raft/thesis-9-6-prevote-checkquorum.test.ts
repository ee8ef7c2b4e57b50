/**
 * Thesis §9.6 (preventing disruptions when a server rejoins the cluster: PreVote) and §6.2 / §9.6's
 * CheckQuorum (a leader that cannot reach a quorum steps down; followers that heard from a leader
 * recently ignore vote requests).
 */
import { describe, expect, it } from 'vitest';
import { Network, ids } from './harness.js';

describe('§9.6 PreVote', () => {
  it('a partitioned node that rejoins does not bump terms or disrupt a healthy leader', () => {
    const net = new Network(ids(1, 2, 3), { preVote: true, checkQuorum: true });
    net.tickAll(30);
    const leader = net.leaders()[0]!;
    const term = net.raw(leader).status().term;
    const other = [1, 2, 3].find((id) => id !== leader)!;
    net.isolate(other);
    net.tickAll(100); // it keeps timing out, but pre-votes never win, so its term stays put
    expect(net.raw(other).status().term).toBe(term);
    net.recover();
    net.tickAll(20);
    expect(net.leaders()).toEqual([leader]);
    expect(net.raw(leader).status().term).toBe(term);
  });

  it('without PreVote the same rejoin forces a new election (the disruption PreVote prevents)', () => {
    const net = new Network(ids(1, 2, 3), { preVote: false, checkQuorum: false });
    net.tickAll(30);
    const leader = net.leaders()[0]!;
    const term = net.raw(leader).status().term;
    const other = [1, 2, 3].find((id) => id !== leader)!;
    net.isolate(other);
    net.tickAll(100);
    expect(net.raw(other).status().term).toBeGreaterThan(term);
    net.recover();
    net.tickAll(20);
    expect(net.raw(net.leaders()[0]!).status().term).toBeGreaterThan(term);
  });

  it('a pre-vote does not change the voter’s term', () => {
    const net = new Network(ids(1, 2, 3), { preVote: true });
    net.isolate(1);
    const term = net.raw(2).status().term;
    net.campaign(3);
    expect(net.raw(3).status().role).toBe('leader');
    expect(net.raw(3).status().term).toBe(term + 1); // one term for the real election only
  });
});

describe('CheckQuorum', () => {
  it('a leader that cannot hear from a quorum steps down within an election timeout', () => {
    const net = new Network(ids(1, 2, 3), { checkQuorum: true, electionTimeoutTicks: 10 });
    net.campaign(1);
    net.isolate(1);
    let ticks = 0;
    while (net.raw(1).status().role === 'leader') {
      net.raw(1).tick();
      ticks++;
      expect(ticks).toBeLessThanOrEqual(10);
    }
    expect(net.raw(1).status().role).toBe('follower');
  });

  it('a leader that hears from a quorum stays leader indefinitely', () => {
    const net = new Network(ids(1, 2, 3, 4, 5), { checkQuorum: true });
    net.campaign(1);
    net.isolate(4);
    net.isolate(5);
    net.tickAll(200);
    expect(net.leaders()).toContain(1);
  });
});

describe('simultaneous pre-candidates', () => {
  it('two nodes campaigning at the same moment elect one leader in one term, not a split vote', () => {
    // Both pre-votes would succeed (each grants the other), and both would then vote for
    // themselves in the real election: a split vote, repeated while their tick phases stay close.
    // The lower id steps back when it grants the higher one's pre-vote.
    const net = new Network(ids(1, 2, 3), { preVote: true, checkQuorum: true });
    net.isolate(3);
    const term = net.raw(1).status().term;
    net.raw(1).campaign();
    net.raw(2).campaign();
    net.settle();
    expect(net.leaders()).toEqual([2]);
    expect(net.raw(2).status().term).toBe(term + 1);
    expect(net.raw(1).status().term).toBe(term + 1);
    expect(net.raw(1).status().role).toBe('follower');
  });

  it('a pre-candidate whose log is behind does not make the other step back', () => {
    const net = new Network(ids(1, 2, 3), { preVote: true, checkQuorum: false });
    net.campaign(1);
    net.isolate(2);
    net.propose(1, 'x'); // 1 and 3 have it, 2 does not
    net.recover();
    net.get(1).down = true;
    net.isolate(1);
    const term = net.raw(3).status().term;
    net.raw(2).campaign(); // behind: 3 refuses it
    net.raw(3).campaign();
    net.settle();
    expect(net.leaders()).toEqual([3]);
    expect(net.raw(3).status().term).toBe(term + 1);
  });
});
