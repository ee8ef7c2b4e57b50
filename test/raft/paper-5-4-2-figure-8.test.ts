/**
 * Raft paper §5.4.2, Figure 8: a leader must not commit an entry from an earlier term by counting
 * replicas, because a later leader that never saw it can still be elected and overwrite it.
 * (Indexes are shifted by one from the figure: groups bootstrap at index 1.)
 */
import { describe, expect, it } from 'vitest';
import type { Message, RaftTestingKnobs } from '../../raft/index.js';
import { Network, ids } from './harness.js';

function scenario(knobs: RaftTestingKnobs): { net: Network; s1CommitAfterC: number } {
  const net = new Network(ids(1, 2, 3, 4, 5), { appendBytesMax: 1, testingKnobs: knobs });
  const holds = (m: Message, index: number): boolean => m.type === 'app' && m.entries.some((e) => e.index === index);

  // (a) S1 leads term 2 and replicates entry 3 ("x") to S2 only.
  net.campaign(1);
  expect(net.raw(1).status().term).toBe(2);
  net.filter((m) => m.from === 1 && m.to !== 2 && holds(m, 3));
  expect(net.propose(1, 'x').outcome).toBe('appended');
  expect(net.get(2).storage.lastIndex()).toBe(3);
  expect(net.get(3).storage.lastIndex()).toBe(2);
  net.recover();

  // (b) S1 crashes; S5 wins term 3 with S3 and S4 and appends entry 3 of its own, then crashes.
  net.get(1).down = true;
  net.filter((m) => m.from === 5 && m.type === 'app');
  net.campaign(5);
  expect(net.raw(5).status()).toMatchObject({ role: 'leader', term: 3 });
  expect(net.raw(5).raft.log.term(3)).toBe(3);
  net.recover();
  net.get(5).down = true;

  // (c) S1 restarts, wins term 4 with S2 and S3, and replicates entry 3 (term 2) to S3 — a
  // majority (S1, S2, S3) — but its own term-4 entry reaches nobody.
  net.restart(1, { appendBytesMax: 1, testingKnobs: knobs });
  // Term-4 entries are lost wherever they would be accepted (receiver already holds index 3);
  // probes that are bound to be rejected get through, so S1 backs up and sends entry 3 alone.
  net.filter((m) => m.from === 1 && holds(m, 4) && net.get(m.to).storage.lastIndex() >= 3);
  net.campaign(1); // term 3: S3 and S4 already voted for S5 in it, so this round is lost
  expect(net.raw(1).status()).toMatchObject({ role: 'candidate', term: 3 });
  net.campaign(1);
  expect(net.raw(1).status()).toMatchObject({ role: 'leader', term: 4 });
  expect(net.get(3).storage.term(3)).toBe(2);
  const s1CommitAfterC = net.raw(1).status().commit;
  net.recover();
  return { net, s1CommitAfterC };
}

describe('§5.4.2 Figure 8: committing entries from previous terms', () => {
  it('does not commit a previous-term entry replicated on a majority until an entry of the current term is', () => {
    const { net, s1CommitAfterC } = scenario({});
    expect(s1CommitAfterC).toBe(2);
    // (d) S1 crashes; S5 can win term 5 (its last term 3 beats the term 2 of S2, S3, S4) and
    // overwrite entry 3 everywhere — which is safe, because entry 3 was never committed.
    net.get(1).down = true;
    net.restart(5);
    net.campaign(5); // term 4 is taken (S2, S3 voted for S1)
    net.campaign(5);
    expect(net.raw(5).status()).toMatchObject({ role: 'leader', term: 5 });
    for (const id of [2, 3, 4]) expect(net.get(id).storage.term(3)).toBe(3);
  });

  it('(e) once the current-term entry is on a majority, both commit together', () => {
    const { net } = scenario({});
    net.settle();
    net.tickAll(1);
    expect(net.raw(1).status().commit).toBe(4);
    expect(net.get(3).storage.term(4)).toBe(4);
  });

  it('the broken commit rule (counting earlier-term replicas) does commit entry 3 in (c)', () => {
    const { s1CommitAfterC } = scenario({ commitCountsOlderTerms: true });
    expect(s1CommitAfterC).toBe(3);
  });
});
