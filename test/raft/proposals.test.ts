/** Proposals are never silently lost: each is appended, forwarded, or rejected with a typed reason. */
import { describe, expect, it } from 'vitest';
import { nodeId } from '../../raft/index.js';
import { Network, ids } from './harness.js';

const bytes = (n: number): Uint8Array => new Uint8Array(n);

describe('proposal outcomes', () => {
  it('appended at the leader, with the index and term to watch for', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    const r = net.raw(1).propose(bytes(1));
    expect(r).toEqual({ outcome: 'appended', index: net.raw(1).status().lastIndex, term: net.raw(1).status().term });
  });

  it('rejected with NO_LEADER when no leader is known', () => {
    const net = new Network(ids(1, 2, 3));
    expect(net.raw(2).propose(bytes(1))).toMatchObject({ outcome: 'rejected', reason: 'NO_LEADER' });
    net.isolate(1);
    net.campaign(1);
    expect(net.raw(1).propose(bytes(1))).toMatchObject({ outcome: 'rejected', reason: 'NO_LEADER' });
  });

  it('rejected with UNCOMMITTED_BYTES_EXCEEDED under back-pressure, accepted again once committed', () => {
    const net = new Network(ids(1, 2, 3), { uncommittedBytesMax: 1000 });
    net.campaign(1);
    net.isolate(1);
    expect(net.raw(1).propose(bytes(600)).outcome).toBe('appended');
    expect(net.raw(1).propose(bytes(600))).toMatchObject({ outcome: 'rejected', reason: 'UNCOMMITTED_BYTES_EXCEEDED' });
    net.recover();
    net.settle();
    net.tickAll(1);
    expect(net.raw(1).propose(bytes(600)).outcome).toBe('appended');
  });

  it('accepts one oversized entry when nothing is uncommitted (or it could never commit)', () => {
    const net = new Network(ids(1, 2, 3), { uncommittedBytesMax: 100 });
    net.campaign(1);
    expect(net.raw(1).propose(bytes(5000)).outcome).toBe('appended');
  });

  it('rejected with CONF_CHANGE_INVALID for an impossible membership change', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    expect(net.raw(1).proposeConfChange({ kind: 'leaveJoint' })).toMatchObject({ outcome: 'rejected', reason: 'CONF_CHANGE_INVALID' });
    const removeAll = { kind: 'simple', changes: [{ op: 'remove', nodeId: nodeId(1) }] } as const;
    const net1 = new Network(ids(1));
    net1.campaign(1);
    expect(net1.raw(1).proposeConfChange(removeAll)).toMatchObject({ outcome: 'rejected', reason: 'CONF_CHANGE_INVALID' });
  });

  it('forwarded from a follower to the leader and committed there', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    expect(net.raw(2).propose(new TextEncoder().encode('via-2'))).toEqual({ outcome: 'forwarded', to: 1 });
    net.settle();
    expect(net.get(1).applied.some((e) => new TextDecoder().decode(e.data) === 'via-2')).toBe(true);
  });
});
