/** Raft paper §5.3, Log replication, including the follower logs of Figure 7. */
import { describe, expect, it } from 'vitest';
import { nodeId, type AppendMessage } from '../../raft/index.js';
import { Network, appliedCommands, ids, logTerms, newNode, newStorage, storageWithTerms } from './harness.js';

describe('§5.3 log replication', () => {
  it('commits an entry once a majority stores it, then every node applies it in order', () => {
    const net = new Network(ids(1, 2, 3, 4, 5));
    net.campaign(1);
    net.isolate(4);
    net.isolate(5);
    for (const cmd of ['a', 'b', 'c']) expect(net.propose(1, cmd).outcome).toBe('appended');
    for (const id of [1, 2, 3]) expect(appliedCommands(net.get(id))).toEqual(['a', 'b', 'c']);
    for (const id of [4, 5]) expect(appliedCommands(net.get(id))).toEqual([]);
    net.recover();
    net.tickAll(1); // heartbeat answers reveal 4 and 5 are behind; the leader catches them up
    for (const id of [4, 5]) expect(appliedCommands(net.get(id))).toEqual(['a', 'b', 'c']);
  });

  it('does not commit without a majority', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    const before = net.raw(1).status().commit;
    net.isolate(2);
    net.isolate(3);
    const r = net.propose(1, 'x');
    expect(r.outcome).toBe('appended');
    expect(net.raw(1).status().commit).toBe(before);
    expect(appliedCommands(net.get(1))).toEqual([]);
  });

  it('a follower applies only what the leader says is committed', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    // Answers from 2 and 3 are lost: they store the entry but nobody learns it is committed.
    net.filter((m) => m.type === 'appResp');
    net.propose(1, 'x');
    expect(net.get(2).storage.lastIndex()).toBe(net.get(1).storage.lastIndex());
    expect(appliedCommands(net.get(2))).toEqual([]);
    net.recover();
    net.tickAll(1);
    expect(appliedCommands(net.get(2))).toEqual(['x']);
  });

  it('the consistency check: a follower rejects an append whose preceding entry it lacks, with a hint', () => {
    const follower = newNode(nodeId(2), newStorage(ids(1, 2, 3)));
    const app: AppendMessage = { type: 'app', from: nodeId(1), to: nodeId(2), term: 5, index: 7, logTerm: 4, entries: [], commit: 0 };
    follower.step(app);
    const resp = follower.ready().messages.find((m) => m.type === 'appResp');
    expect(resp).toMatchObject({ type: 'appResp', reject: true, index: 7, hintIndex: 1, hintTerm: 1 });
  });

  it('Figure 7: a new leader brings followers with missing, extra and conflicting entries into line', () => {
    // Figure 7: the leader's log and followers (a)–(f) at the start of term 8.
    const leaderTerms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    const followers: Record<number, number[]> = {
      2: [1, 1, 1, 4, 4, 5, 5, 6, 6], // (a) missing one entry
      3: [1, 1, 1, 4], // (b) missing many
      4: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // (c) one extra uncommitted entry of term 6
      5: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // (d) extra entries of term 7
      6: [1, 1, 1, 4, 4, 4, 4], // (e) missing entries and extra term-4 entries
      7: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // (f) entries of terms 2 and 3 no one else has
    };
    const voters = ids(1, 2, 3, 4, 5, 6, 7);
    const net = Network.empty();
    net.addWithStorage(nodeId(1), storageWithTerms(voters, leaderTerms, 7));
    for (const [id, terms] of Object.entries(followers)) {
      net.addWithStorage(nodeId(Number(id)), storageWithTerms(voters, terms, terms[terms.length - 1]!));
    }
    net.campaign(1);
    const leader = net.raw(1).status();
    expect(leader).toMatchObject({ role: 'leader', term: 8 });
    const expected = [...leaderTerms, 8]; // plus the new leader's own empty entry
    for (const id of [2, 3, 4, 5, 6, 7]) {
      expect(logTerms(net.get(id)), `follower ${id}`).toEqual(expected);
    }
    // Fast backtracking: each follower needs at most one rejection per conflicting term, never one
    // per index (follower (f) diverges over 8 entries of 3 terms).
    for (const id of [2, 3, 4, 5, 6, 7]) {
      const rejections = net.delivered.filter((m) => m.type === 'appResp' && m.from === id && m.reject).length;
      expect(rejections, `follower ${id}`).toBeLessThanOrEqual(3);
    }
    expect(net.raw(1).status().commit).toBe(11);
  });

  it('batches many entries into one append, bounded by appendBytesMax', () => {
    const net = new Network(ids(1, 2, 3), { appendBytesMax: 200 });
    net.campaign(1);
    net.isolate(2);
    for (let i = 0; i < 20; i++) net.raw(1).propose(new Uint8Array(40));
    net.settle();
    net.recover();
    net.tickAll(1);
    const apps = net.delivered.filter((m): m is AppendMessage => m.type === 'app' && m.to === 2 && m.entries.length > 0);
    expect(apps.length).toBeGreaterThan(1);
    for (const m of apps) {
      const bytes = m.entries.reduce((s, e) => s + e.data.byteLength + 24, 0);
      // At most appendBytesMax, except that a single entry always goes.
      expect(m.entries.length === 1 || bytes <= 200).toBe(true);
    }
    expect(net.get(2).applied.length).toBe(net.get(1).applied.length);
  });

  it('pipelines appends to a follower up to the in-flight window, never beyond', () => {
    const net = new Network(ids(1, 2), { inflightMessagesMax: 3, appendBytesMax: 1 });
    net.campaign(1);
    net.settle();
    // Hold the follower's answers so nothing is acknowledged.
    net.filter((m) => m.type === 'appResp' || m.type === 'heartbeatResp');
    const before = net.delivered.length;
    for (let i = 0; i < 10; i++) net.raw(1).propose(new TextEncoder().encode(`p${i}`));
    net.settle();
    const sent = net.delivered.slice(before).filter((m) => m.type === 'app' && m.to === 2 && m.entries.length > 0);
    expect(sent.length).toBe(3);
    expect(net.raw(1).status().progress?.get(nodeId(2))).toMatchObject({ state: 'replicate', inflightCount: 3 });
  });

  it('an append delivered twice is harmless (idempotent)', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    const dup: AppendMessage[] = [];
    net.filter((m) => {
      if (m.type === 'app' && m.to === 2 && m.entries.length > 0) dup.push(m);
      return false;
    });
    net.propose(1, 'x');
    net.propose(1, 'y');
    net.settle(dup.slice()); // replay every append again
    expect(appliedCommands(net.get(2))).toEqual(['x', 'y']);
    expect(logTerms(net.get(2))).toEqual(logTerms(net.get(1)));
  });
});
