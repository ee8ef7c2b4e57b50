import { describe, expect, it } from 'vitest';
import { Network, ids, text } from './harness.js';

describe('smoke: election and replication on an instant network', () => {
  it('elects a leader and replicates a proposal to every node', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    expect(net.leaders()).toEqual([1]);
    const r = net.propose(1, 'hello');
    expect(r.outcome).toBe('appended');
    for (const id of [1, 2, 3]) {
      const applied = net.get(id).applied.filter((e) => e.data.length > 0).map(text);
      expect(applied).toEqual(['hello']);
    }
  });

  it('elects with pre-vote and check-quorum on, by ticking', () => {
    const net = new Network(ids(1, 2, 3), { preVote: true, checkQuorum: true });
    net.tickAll(40);
    expect(net.leaders()).toHaveLength(1);
    const leader = net.leaders()[0]!;
    expect(net.propose(leader, 'x').outcome).toBe('appended');
    for (const id of [1, 2, 3]) expect(net.get(id).applied.map(text)).toContain('x');
  });
});
