/**
 * Ongaro's thesis §6.4, Processing read-only queries more efficiently: ReadIndex (confirm
 * leadership with one heartbeat round, then serve at the commit index) and §6.4.1 leases.
 */
import { describe, expect, it } from 'vitest';
import { nodeId } from '../../raft/index.js';
import { Network, ids } from './harness.js';

describe('§6.4 ReadIndex', () => {
  it('answers a read at the commit index after a quorum confirmed leadership', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    net.propose(1, 'x');
    const commit = net.raw(1).status().commit;
    expect(net.raw(1).readIndex('r1').outcome).toBe('accepted');
    net.settle();
    expect(net.get(1).readStates).toEqual([{ index: commit, requestCtx: 'r1' }]);
  });

  it('one heartbeat round serves every read that arrived since the last Ready', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    const before = net.delivered.length;
    for (let i = 0; i < 50; i++) net.raw(1).readIndex(`r${i}`);
    net.settle();
    const heartbeats = net.delivered.slice(before).filter((m) => m.type === 'heartbeat');
    expect(heartbeats).toHaveLength(2); // one per follower
    expect(net.get(1).readStates).toHaveLength(50);
  });

  it('without a quorum the read is never answered (and is dropped when leadership is lost)', () => {
    const net = new Network(ids(1, 2, 3), { checkQuorum: true });
    net.campaign(1);
    net.isolate(1);
    net.raw(1).readIndex('r1');
    net.settle();
    expect(net.get(1).readStates).toEqual([]);
    net.tickAll(25); // CheckQuorum: the isolated leader steps down
    expect(net.raw(1).status().role).not.toBe('leader');
    expect(net.get(1).droppedReads).toEqual(['r1']);
  });

  it('a new leader serves no read before an entry of its own term commits', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    net.filter((m) => m.type === 'appResp'); // the no-op of the new term cannot commit
    net.campaign(2);
    expect(net.raw(2).status().role).toBe('leader');
    net.raw(2).readIndex('early');
    net.settle();
    expect(net.get(2).readStates).toEqual([]);
    net.recover();
    net.tickAll(1);
    expect(net.get(2).readStates.map((r) => r.requestCtx)).toEqual(['early']);
    expect(net.get(2).readStates[0]!.index).toBe(net.raw(2).status().commit);
  });

  it('a follower read is forwarded to the leader and answered with the leader’s commit index', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    net.propose(1, 'x');
    expect(net.raw(3).readIndex('f1').outcome).toBe('accepted');
    net.settle();
    expect(net.get(3).readStates).toEqual([{ index: net.raw(1).status().commit, requestCtx: 'f1' }]);
  });

  it('a node with no leader refuses a read at once, with a typed reason', () => {
    const net = new Network(ids(1, 2, 3));
    expect(net.raw(2).readIndex('r')).toEqual({ outcome: 'rejected', reason: 'NO_LEADER', leaderHint: 0 });
  });

  it('a lost confirmation is retried by the next periodic heartbeat', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    let drop = true;
    net.filter((m) => drop && m.type === 'heartbeatResp');
    net.raw(1).readIndex('r');
    net.settle();
    expect(net.get(1).readStates).toEqual([]);
    drop = false;
    net.tickAll(1);
    expect(net.get(1).readStates.map((r) => r.requestCtx)).toEqual(['r']);
  });
});

describe('§6.4.1 leader lease', () => {
  const opts = { checkQuorum: true, leaseReads: true, electionTimeoutTicks: 10, leaseDriftMarginTicks: 2 } as const;

  function leaseCluster(): Network {
    const net = new Network(ids(1, 2, 3), opts);
    net.tickAll(10); // let the post-restart vote guard expire
    net.campaign(1);
    net.tickAll(1); // a heartbeat round establishes the lease
    return net;
  }

  it('serves reads without a heartbeat round while the lease holds', () => {
    const net = leaseCluster();
    const before = net.delivered.length;
    net.raw(1).readIndex('fast');
    net.settle();
    expect(net.get(1).readStates.map((r) => r.requestCtx)).toEqual(['fast']);
    expect(net.delivered.slice(before).filter((m) => m.type === 'heartbeat')).toHaveLength(0);
  });

  it('the lease expires (electionTimeout − drift ticks after the last acknowledged heartbeat) and reads fall back to ReadIndex', () => {
    const net = leaseCluster();
    net.filter((m) => m.type === 'heartbeatResp');
    for (let i = 0; i < 8; i++) net.raw(1).tick(); // lease = 10 − 2 ticks from the last acked send
    net.settle();
    net.raw(1).readIndex('late');
    net.settle();
    expect(net.get(1).readStates).toEqual([]); // needs a confirmed round now, and answers are lost
  });

  it('followers that granted a lease refuse to vote for a rival until it expires', () => {
    const net = leaseCluster();
    net.isolate(1); // the leader is cut off, but its lease may still be in use
    net.campaign(2); // refused: node 2 itself acknowledged 1's lease
    expect(net.raw(2).status().role).not.toBe('leader');
    net.tickAll(12); // the lease expires; a follower's timer fires and a rival is elected
    expect(net.leaders().filter((l) => l !== 1)).toHaveLength(1);
  });

  it('a restarted node refuses votes for an election timeout: it may have granted a lease it forgot', () => {
    const net = leaseCluster();
    net.restart(3, opts);
    net.isolate(1);
    net.campaign(2);
    expect(net.raw(2).status().role).not.toBe('leader');
  });

  it('is off for the rest of the term once a leader transfer has sent TimeoutNow', () => {
    const net = leaseCluster();
    net.filter((m) => m.type === 'timeoutNow'); // the transfer stalls
    net.raw(1).transferLeader(nodeId(2));
    net.settle();
    net.tickAll(12); // the transfer is abandoned after an election timeout
    expect(net.raw(1).status()).toMatchObject({ role: 'leader', leadTransferee: 0 });
    const before = net.delivered.length;
    net.raw(1).readIndex('after-transfer');
    net.settle();
    expect(net.delivered.slice(before).filter((m) => m.type === 'heartbeat').length).toBeGreaterThan(0);
  });
});
