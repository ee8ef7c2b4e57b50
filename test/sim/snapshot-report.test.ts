/**
 * A leader holds a follower in `snapshot` state until the transport reports the stream (or an
 * append answer shows the follower caught up to the leader's first index), as etcd-raft does. So the
 * simulated transport must report every snapshot it loses, including one a partition cuts in flight
 * (seeds 2476, 2842 and 3328 used to stall forever on exactly that).
 */
import { describe, expect, it } from 'vitest';
import { SeededRng, type Message, type NodeId } from '../../raft/index.js';
import { Network, appliedCommands, followerBehindFirstIndex } from '../raft/harness.js';
import { SimNetwork } from './sim-network.js';
import { runSeed } from './simulation.js';

const n = (x: number): NodeId => x as NodeId;

/** A leader 1 with follower 3 behind its first index, so catching 3 up needs a snapshot. */
function followerNeedingSnapshot(): Network {
  const { net } = followerBehindFirstIndex();
  net.restart(3);
  return net;
}

describe('a lost snapshot and the report that unblocks the leader', () => {
  it('core contract: a lost snapshot with no report keeps the progress in snapshot state; a failed report re-sends', () => {
    const net = followerNeedingSnapshot();
    net.ignore('snap'); // the stream is lost and nobody tells the leader
    net.tickAll(30);
    const pr = () => net.raw(1).status().progress?.get(n(3));
    expect(pr()?.state).toBe('snapshot');
    expect(net.delivered.filter((m) => m.type === 'snap')).toHaveLength(0);

    net.recover();
    net.raw(1).reportSnapshot(n(3), 'failed');
    net.tickAll(3);
    expect(net.delivered.filter((m) => m.type === 'snap' && m.to === 3)).toHaveLength(1);
    expect(pr()?.state).toBe('replicate');
    net.propose(1, 'd');
    expect(appliedCommands(net.get(3))).toEqual(['d']);
  });

  it('the simulated network hands over a snapshot that a partition cut in flight', () => {
    const net = new SimNetwork(new SeededRng(1), { lossRate: 0, duplicateRate: 0, delayStepsMax: 3 });
    const snap = {
      type: 'snap',
      from: n(1),
      to: n(2),
      term: 2,
      snapshot: { metadata: { index: 5, term: 2, confState: { voters: [n(1), n(2)], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false } }, data: new Uint8Array(0) },
    } as Message;
    expect(net.send(snap, 0)).toBeUndefined(); // on its way
    net.block(n(1), n(2)); // the partition starts while it is in flight
    const cut: Message[] = [];
    expect(net.takeDue(10, (m) => cut.push(m))).toEqual([]);
    expect(cut).toEqual([snap]);
  });

  it.each([2476, 2842, 3328])('seed %i recovers liveness after healing', (seed) => {
    const r = runSeed(seed);
    expect(r.ok, r.violation?.message).toBe(true);
  });
});
