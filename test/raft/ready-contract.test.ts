/**
 * The Ready/advance contract (ARCHITECTURE.md): state a message depends on is in the same Ready as
 * the message, to be persisted before it is sent; misuse of the contract fails loudly.
 */
import { describe, expect, it } from 'vitest';
import { RaftInvariantError, nodeId, type Message } from '../../raft/index.js';
import { ids, newNode, newStorage } from './harness.js';

describe('Ready contract', () => {
  it('a vote grant travels in the same Ready as the hard state that records the vote', () => {
    const node = newNode(nodeId(2), newStorage(ids(1, 2, 3)));
    const m: Message = { type: 'vote', from: nodeId(1), to: nodeId(2), term: 5, index: 9, logTerm: 4, transfer: false };
    node.step(m);
    const rd = node.ready();
    expect(rd.messages.find((x) => x.type === 'voteResp')).toMatchObject({ reject: false });
    expect(rd.hardState).toMatchObject({ term: 5, vote: 1 });
    expect(rd.mustSync).toBe(true);
  });

  it('an append acknowledgement travels with the entries it acknowledges', () => {
    const node = newNode(nodeId(2), newStorage(ids(1, 2, 3)));
    node.step({ type: 'app', from: nodeId(1), to: nodeId(2), term: 2, index: 1, logTerm: 1, commit: 1, entries: [{ term: 2, index: 2, type: 'normal', data: new Uint8Array(1) }] });
    const rd = node.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([2]);
    expect(rd.messages.find((x) => x.type === 'appResp')).toMatchObject({ index: 2, reject: false });
    expect(rd.mustSync).toBe(true);
  });

  it('ready() twice without advance() is a bug and throws', () => {
    const node = newNode(nodeId(1), newStorage(ids(1)));
    node.campaign();
    node.ready();
    expect(() => node.ready()).toThrow(RaftInvariantError);
  });

  it('advance() without ready() throws', () => {
    const node = newNode(nodeId(1), newStorage(ids(1)));
    expect(() => node.advance()).toThrow(RaftInvariantError);
  });

  it('nothing to do means no Ready: a fresh follower has none', () => {
    const node = newNode(nodeId(1), newStorage(ids(1, 2, 3)));
    expect(node.hasReady()).toBe(false);
  });

  it('a single-voter group elects itself and commits its own entries in one Ready', () => {
    const node = newNode(nodeId(1), newStorage(ids(1)));
    node.campaign();
    node.propose(new TextEncoder().encode('solo'));
    const rd = node.ready();
    expect(rd.softState).toMatchObject({ role: 'leader', leader: 1 });
    expect(rd.committedEntries.map((e) => new TextDecoder().decode(e.data))).toEqual(['', 'solo']);
    node.advance();
    expect(node.status().applied).toBe(node.status().commit);
  });
});
