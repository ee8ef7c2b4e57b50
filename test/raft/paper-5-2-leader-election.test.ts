/** Raft paper §5.2, Leader election. Pre-vote and check-quorum are off here (they have their own file). */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, RawNode, SeededRng, nodeId, type Message } from '../../raft/index.js';
import { Network, ids, newNode, newStorage } from './harness.js';

describe('§5.2 leader election', () => {
  it('a follower that hears nothing for an election timeout becomes candidate: new term, votes for itself, asks every voter', () => {
    const node = newNode(nodeId(1), newStorage(ids(1, 2, 3)), { electionTimeoutTicks: 10 });
    const startTerm = node.status().term;
    let ticks = 0;
    while (node.status().role === 'follower') {
      node.tick();
      ticks++;
      expect(ticks).toBeLessThan(20); // randomized in [electionTimeout, 2 × electionTimeout)
    }
    expect(ticks).toBeGreaterThanOrEqual(10);
    const s = node.status();
    expect(s.role).toBe('candidate');
    expect(s.term).toBe(startTerm + 1);
    expect(s.vote).toBe(1);
    const rd = node.ready();
    expect(rd.hardState).toMatchObject({ term: startTerm + 1, vote: 1 });
    const votes = rd.messages.filter((m) => m.type === 'vote');
    expect(votes.map((m) => m.to).sort()).toEqual([2, 3]);
    for (const m of votes) expect(m.term).toBe(startTerm + 1);
  });

  it('randomizes the election timeout so that nodes rarely time out together', () => {
    const timeouts = new Set<number>();
    for (let seed = 1; seed <= 20; seed++) {
      const node = new RawNode({ id: nodeId(1), rng: new SeededRng(seed), electionTimeoutTicks: 10, preVote: false, checkQuorum: false }, newStorage(ids(1, 2, 3)));
      let ticks = 0;
      while (node.status().role === 'follower') {
        node.tick();
        ticks++;
      }
      timeouts.add(ticks);
    }
    expect(timeouts.size).toBeGreaterThan(3);
    for (const t of timeouts) expect(t >= 10 && t < 20).toBe(true);
  });

  it('a candidate that receives votes from a majority becomes leader and asserts itself', () => {
    const net = new Network(ids(1, 2, 3, 4, 5));
    net.isolate(4);
    net.isolate(5);
    net.campaign(1); // votes from 1, 2, 3: a majority of five
    expect(net.raw(1).status().role).toBe('leader');
    const sent = net.delivered.filter((m) => m.from === 1 && m.type === 'app');
    expect([...new Set(sent.map((m) => m.to))].sort()).toEqual([2, 3]);
  });

  it('a candidate without a majority stays candidate, then starts a new election in a new term', () => {
    const net = new Network(ids(1, 2, 3, 4, 5));
    net.isolate(3);
    net.isolate(4);
    net.isolate(5);
    net.campaign(1);
    const s = net.raw(1).status();
    expect(s.role).toBe('candidate');
    net.campaign(1);
    expect(net.raw(1).status()).toMatchObject({ role: 'candidate', term: s.term + 1 });
  });

  it('each node grants at most one vote per term, first come first served', () => {
    const storage = newStorage(ids(1, 2, 3));
    const voter = newNode(nodeId(3), storage);
    const term = voter.status().term + 1;
    const ask = (from: number): Message => ({ type: 'vote', from: nodeId(from), to: nodeId(3), term, index: 1, logTerm: 1, transfer: false });
    voter.step(ask(1));
    voter.step(ask(2));
    voter.step(ask(1)); // a retry by the same candidate is granted again
    const resps = voter.ready().messages.filter((m) => m.type === 'voteResp');
    expect(resps.map((m) => [m.to, m.type === 'voteResp' && m.reject])).toEqual([
      [1, false],
      [2, true],
      [1, false],
    ]);
    expect(voter.status().vote).toBe(1);
  });

  it('a candidate that hears from a leader of its term or later steps down to follower', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    const leaderTerm = net.raw(1).status().term;
    // Node 3 campaigns in isolation and gets ahead in term; once a leader of a later term appears
    // it returns to follower.
    net.isolate(3);
    net.campaign(3);
    expect(net.raw(3).status()).toMatchObject({ role: 'candidate', term: leaderTerm + 1 });
    net.recover();
    net.campaign(2); // node 2 (as up to date as 3) wins a term above node 3's
    expect(net.raw(2).status().role).toBe('leader');
    expect(net.raw(3).status()).toMatchObject({ role: 'follower', lead: 2 });
  });

  it('split votes: two candidates in the same term, neither wins, a later election succeeds', () => {
    const net = new Network(ids(1, 2, 3, 4));
    // 1 and 3 campaign at once; 2 votes for 1 and 4 for 3 — two votes each of four, no majority.
    net.cut(1, 4);
    net.cut(3, 2);
    net.raw(1).campaign();
    net.raw(3).campaign();
    net.settle();
    expect(net.leaders()).toEqual([]);
    net.recover();
    net.campaign(1);
    expect(net.leaders()).toEqual([1]);
  });

  it('elects a leader from scratch by ticking alone, and keeps it while heartbeats flow', () => {
    const net = new Network(ids(1, 2, 3, 4, 5));
    net.tickAll(60);
    expect(net.leaders()).toHaveLength(1);
    const leader = net.leaders()[0]!;
    const term = net.raw(leader).status().term;
    net.tickAll(200);
    expect(net.leaders()).toEqual([leader]);
    expect(net.raw(leader).status().term).toBe(term);
  });

  it('an empty storage node (not yet a member) never campaigns', () => {
    const node = newNode(nodeId(9), new MemoryStorage());
    for (let i = 0; i < 100; i++) node.tick();
    expect(node.status().role).toBe('follower');
    expect(node.hasReady()).toBe(false);
  });
});
