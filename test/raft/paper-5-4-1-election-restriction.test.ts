/** Raft paper §5.4.1, Election restriction: a vote goes only to a candidate whose log is at least as up to date. */
import { describe, expect, it } from 'vitest';
import { nodeId, type Message } from '../../raft/index.js';
import { Network, ids, newNode, storageWithTerms } from './harness.js';

describe('§5.4.1 election restriction', () => {
  const voters = ids(1, 2, 3);
  // The voter's log: terms [1, 1, 2] (last index 3, last term 2).
  const cases: { name: string; index: number; logTerm: number; granted: boolean }[] = [
    { name: 'higher last term, shorter log', index: 2, logTerm: 3, granted: true },
    { name: 'same last term, longer log', index: 4, logTerm: 2, granted: true },
    { name: 'same last term, same length', index: 3, logTerm: 2, granted: true },
    { name: 'same last term, shorter log', index: 2, logTerm: 2, granted: false },
    { name: 'lower last term, longer log', index: 9, logTerm: 1, granted: false },
  ];
  for (const c of cases) {
    it(`${c.granted ? 'grants' : 'refuses'} a candidate with ${c.name}`, () => {
      const voter = newNode(nodeId(2), storageWithTerms(voters, [1, 1, 2], 2));
      const m: Message = { type: 'vote', from: nodeId(1), to: nodeId(2), term: 3, index: c.index, logTerm: c.logTerm, transfer: false };
      voter.step(m);
      const resp = voter.ready().messages.find((x) => x.type === 'voteResp');
      expect(resp).toMatchObject({ reject: !c.granted });
      expect(voter.status().vote).toBe(c.granted ? 1 : 0);
    });
  }

  it('a node missing a committed entry cannot become leader', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    net.isolate(3);
    net.propose(1, 'committed'); // on 1 and 2: a majority
    net.recover();
    net.get(1).down = true;
    net.filter((m) => m.type === 'app' || m.type === 'heartbeat'); // node 3 must not catch up meanwhile
    net.campaign(3);
    expect(net.raw(3).status().role).not.toBe('leader'); // node 2 refuses: its log is more up to date
    net.campaign(2);
    expect(net.raw(2).status().role).toBe('leader');
  });
});
