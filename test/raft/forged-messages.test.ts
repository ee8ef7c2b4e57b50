/**
 * Messages no correct peer sends — a second leader in one term, a commit beyond the log, an
 * acknowledgement of appends, heartbeats or read rounds never sent — are refused by the core and
 * dropped without effect (raft/inbound-check.ts), instead of breaking an invariant (which stopped
 * the node) or forging a quorum confirmation (which served stale reads).
 */
import { describe, expect, it } from 'vitest';
import { nodeId, type Message } from '../../raft/index.js';
import { Network, ids } from './harness.js';

const n = nodeId;

function leaderOf3(): { net: Network; term: number } {
  const net = new Network(ids(1, 2, 3));
  net.campaign(1);
  net.propose(1, 'x');
  return { net, term: net.raw(1).status().term };
}

describe('the core refuses messages no correct peer sends', () => {
  it('a heartbeat from another node in the leader’s own term is refused; the leader stays leader', () => {
    const { net, term } = leaderOf3();
    const forged: Message = { type: 'heartbeat', from: n(2), to: n(1), term, commit: 0, readSeq: 0, sentTick: 0, quiesce: false };
    const reason = net.raw(1).step(forged);
    expect(net.raw(1).status().role).toBe('leader');
    expect(reason).toMatch(/own term/);
  });

  it('an append from a second leader of the follower’s term is refused', () => {
    const { net, term } = leaderOf3();
    const forged: Message = { type: 'app', from: n(3), to: n(2), term, index: 0, logTerm: 0, entries: [], commit: 0 };
    const reason = net.raw(2).step(forged);
    expect(net.raw(2).status().lead).toBe(1);
    expect(reason).toMatch(/while 1 leads/);
  });

  it('a heartbeat committing beyond the follower’s log is refused; its commit index stays', () => {
    const { net, term } = leaderOf3();
    const commit = net.raw(2).status().commit;
    const forged: Message = { type: 'heartbeat', from: n(1), to: n(2), term, commit: commit + 1000, readSeq: 0, sentTick: 1, quiesce: false };
    const reason = net.raw(2).step(forged);
    expect(net.raw(2).status().commit).toBe(commit);
    expect(reason).toMatch(/beyond this log/);
  });

  it('an append acknowledged beyond the leader’s log cannot commit what no quorum holds', () => {
    const { net, term } = leaderOf3();
    net.isolate(1);
    net.propose(1, 'unreplicated');
    const { commit, lastIndex } = { commit: net.raw(1).status().commit, lastIndex: net.get(1).storage.lastIndex() };
    expect(lastIndex).toBeGreaterThan(commit);
    const forged: Message = { type: 'appResp', from: n(2), to: n(1), term, index: lastIndex + 1_000_000, reject: false, hintIndex: 0, hintTerm: 0 };
    const reason = net.raw(1).step(forged);
    expect(net.raw(1).status().commit).toBe(commit);
    expect(reason).toMatch(/beyond this leader's last index/);
  });

  it('a read round confirmed before it was ever sent does not release reads', () => {
    const { net, term } = leaderOf3();
    net.isolate(1);
    expect(net.raw(1).readIndex('r1').outcome).toBe('accepted');
    net.settle();
    const reasons = [n(2), n(3)].map((from) => net.raw(1).step({ type: 'heartbeatResp', from, to: n(1), term, readSeq: 1_000, sentTick: 1 }));
    net.settle();
    expect(net.get(1).readStates).toEqual([]);
    for (const reason of reasons) expect(reason).toMatch(/read round 1000/);
  });

  it('a heartbeat acknowledged from the leader’s future does not extend its lease', () => {
    const { net, term } = leaderOf3();
    const forged: Message = { type: 'heartbeatResp', from: n(2), to: n(1), term, readSeq: 0, sentTick: 1_000_000 };
    const reason = net.raw(1).step(forged);
    expect(reason).toMatch(/tick 1000000/);
  });

  it('a read answer from a node that is not the follower’s leader is refused', () => {
    const { net, term } = leaderOf3();
    const forged: Message = { type: 'readIndexResp', from: n(3), to: n(2), term, index: 1, requestCtxs: ['r1'] };
    const reason = net.raw(2).step(forged);
    net.settle();
    expect(net.get(2).readStates).toEqual([]);
    expect(reason).toMatch(/not the leader 1 of term/);
  });

  it('timeoutNow from a node that is not the leader does not start an election', () => {
    const { net, term } = leaderOf3();
    const reason = net.raw(2).step({ type: 'timeoutNow', from: n(3), to: n(2), term });
    net.settle();
    expect(net.raw(2).status().term).toBe(term);
    expect(net.leaders()).toEqual([n(1)]);
    expect(reason).toMatch(/timeoutNow from 3/);
  });

  it('term-bound messages without a term, messages from oneself and malformed appends are refused', () => {
    const { net, term } = leaderOf3();
    const raw = net.raw(2);
    expect(raw.step({ type: 'app', from: n(3), to: n(2), term: 0, index: 0, logTerm: 0, entries: [], commit: 0 })).toMatch(/without a term/);
    expect(raw.step({ type: 'vote', from: n(2), to: n(2), term: term + 1, index: 100, logTerm: term, transfer: false })).toMatch(/this replica/);
    const gap: Message = {
      type: 'app', from: n(1), to: n(2), term, index: 0, logTerm: 0, commit: 0,
      entries: [{ term, index: 1, type: 'normal', data: new Uint8Array(0) }, { term, index: 3, type: 'normal', data: new Uint8Array(0) }],
    };
    expect(raw.step(gap)).toMatch(/has index 3, expected 2/);
    const future: Message = { type: 'app', from: n(1), to: n(2), term, index: 0, logTerm: 0, commit: 0, entries: [{ term: term + 5, index: 1, type: 'normal', data: new Uint8Array(0) }] };
    const reason = raw.step(future);
    expect(raw.status().term).toBe(term);
    expect(reason).toMatch(/of term/);
  });

  it('ordinary traffic is never refused (duplicated and reordered included)', () => {
    const { net } = leaderOf3();
    const refused: string[] = [];
    const replay = [...net.delivered];
    // Deliver every message seen so far again, newest first: stale, duplicated, out of order.
    for (const m of replay.reverse()) {
      const r = net.raw(m.to).step(m);
      if (r !== undefined) refused.push(`${m.type}: ${r}`);
    }
    expect(refused).toEqual([]);
    net.settle();
    expect(net.leaders()).toEqual([n(1)]);
  });
});
