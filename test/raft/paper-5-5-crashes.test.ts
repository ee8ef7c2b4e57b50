/**
 * Raft paper §5.5 (follower and candidate crashes) and the durability contract of §5.1/Figure 2:
 * a node restarted from what it persisted alone is safe and catches up.
 */
import { describe, expect, it } from 'vitest';
import { Network, appliedCommands, ids, logTerms } from './harness.js';

describe('§5.5 follower and candidate crashes', () => {
  it('a follower that crashed and restarts from storage catches up by log', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    net.propose(1, 'a');
    net.get(3).down = true;
    net.propose(1, 'b');
    net.propose(1, 'c');
    net.restart(3);
    expect(appliedCommands(net.get(3))).toEqual(['a']);
    net.tickAll(1);
    expect(appliedCommands(net.get(3))).toEqual(['a', 'b', 'c']);
  });

  it('a restarted node keeps its term and vote, so it cannot vote twice in a term', () => {
    const net = new Network(ids(1, 2, 3));
    net.isolate(3);
    net.campaign(1); // node 2 votes for 1
    const term = net.raw(2).status().term;
    expect(net.raw(2).status().vote).toBe(1);
    net.restart(2);
    expect(net.raw(2).status()).toMatchObject({ term, vote: 1 });
  });

  it('a restarted leader does not re-apply what it applied before the crash', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    net.propose(1, 'a');
    const appliedBefore = net.get(1).applied.length;
    net.restart(1);
    net.tickAll(30);
    const again = net.get(1).applied.slice(appliedBefore).filter((e) => new TextDecoder().decode(e.data) === 'a');
    expect(again).toEqual([]);
  });

  it('entries a crashed leader never replicated are overwritten by the next leader', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    net.isolate(1);
    net.propose(1, 'lost'); // only on node 1
    net.get(1).down = true;
    net.recover();
    net.campaign(2);
    net.propose(2, 'kept');
    net.restart(1);
    net.tickAll(1);
    expect(logTerms(net.get(1))).toEqual(logTerms(net.get(2)));
    expect(appliedCommands(net.get(1))).toEqual(['kept']);
  });
});
