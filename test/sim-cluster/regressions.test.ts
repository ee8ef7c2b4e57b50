/**
 * The bugs the whole-cluster simulator was built to find (issue 8), each as a directed scenario in
 * the simulator (scenarios.ts). Each failed against the code before its fix; bug 1 still can be
 * shown on demand with the quiescedNeverWakes fault switch, which puts the old behaviour back.
 */
import { describe, expect, it } from 'vitest';
import { nodeExitCodes } from '../../cluster/node/node.js';
import { clusterSimOptionsForSeed } from './cluster-sim-options.js';
import { runClusterSimulation } from './cluster-simulation.js';
import { snapshotAcrossAMembershipChange, crashBetweenRemovalAndDelete, cutShortFirstSnapshotThenReAdd, storageFailureInReplicaGc, fullDiskWhileStagingASnapshot, catchUpFromUnknownLeader, removedReplicasStayRemovedAfterRestart, changeReplicasDeadlineWhileLeavingJoint, clientIdReuse, forwardedChangeLosesItsAnswer, oneWayCutInAnIdleGroup, idleLeaderDeath, lateReadIndexAfterRestart, twoSnapshotsInOneTurn, writeThroughAStoreElectedMeanwhile } from './scenarios.js';

describe('whole-cluster simulator: regressions', () => {
  it('bug 1: after an idle period that quiesced the group, kill -9 of the leader is followed by a new leader within 2 election timeouts', async () => {
    const r = await idleLeaderDeath();
    expect(r.problems).toEqual([]);
    expect(r.quiesced).toBe(true);
    expect(r.failoverMs).toBeDefined();
    expect(r.failoverMs!).toBeLessThanOrEqual(2_000);
  });

  it('bug 1 (teeth): with quiesced followers never woken — the old behaviour — no leader is elected at all', async () => {
    const r = await idleLeaderDeath({ quiescedNeverWakes: true });
    expect(r.quiesced).toBe(true);
    expect(r.failoverMs).toBeUndefined();
  });

  it('bug 2: a client restarted with its old id is never answered with its previous incarnation’s results', async () => {
    const r = await clientIdReuse();
    expect(r.problems).toEqual([]);
    // Neither new write is acknowledged (it was not applied): one is refused as a reuse, the other
    // is answered with an unknown outcome (the seq was completed by the old incarnation).
    for (const a of r.answers) expect('error' in a ? a.error.code : 'ok').not.toBe('ok');
    expect(r.answers.map((a) => ('error' in a ? a.error.code : 'ok'))).toContain('INVALID_ARGUMENT');
    expect(r.values).toEqual([null, null]);
  });

  it('bug 3: a leader’s late ReadIndex answer to a follower’s previous incarnation does not serve the new incarnation’s read', async () => {
    const r = await lateReadIndexAfterRestart();
    expect(r.problems).toEqual([]);
    expect(r.secondRead).not.toBe('one');
  });

  it('bug 4: two snapshots of one range arriving in one turn: the newer is installed, the older refused, the node lives', async () => {
    const r = await twoSnapshotsInOneTurn();
    expect(r.problems).toEqual([]);
    expect(r.applied).toBe(r.expected);
    expect(r.outcomes.map((o) => o.applied).sort()).toEqual([false, true]);
  });

  it('bug 5: ChangeReplicas whose deadline passes while the range leaves the joint configuration answers with the applied change, not DEADLINE_EXCEEDED', async () => {
    const r = await changeReplicasDeadlineWhileLeavingJoint();
    expect(r.problems).toEqual([]);
    expect(r.appliedJoint).toBe(true);
    if ('error' in r.answer) expect.unreachable(`answered ${r.answer.error.code}: ${r.answer.error.message}`);
    else expect(r.answer.ok.leavingJoint).toBe(true);
  });

  it('long-run seed 1050: a replica that was down while a new voter joined and took the lead catches up from it', async () => {
    const r = await catchUpFromUnknownLeader();
    expect(r.problems).toEqual([]);
    expect(r.applied).toBe(r.leaderApplied);
  });

  it('review: a forwarded ChangeReplicas whose answer is lost never says "not applied" when it was applied', async () => {
    const r = await forwardedChangeLosesItsAnswer();
    expect(r.problems).toEqual([]);
    expect(r.applied).toBe(true);
    if ('error' in r.answer) {
      expect(r.answer.error.definitelyNotApplied).toBe(false);
      expect(r.answer.error.code).toBe('OUTCOME_UNKNOWN');
    }
  });

  for (const leaseReads of [false, true]) {
    it(`review: a follower cut off one way from an idle group's leader does not depose it (leases ${leaseReads ? 'on' : 'off'})`, async () => {
      for (const seed of [1, 4]) {
        const r = await oneWayCutInAnIdleGroup(seed, leaseReads);
        expect(r.problems).toEqual([]);
        expect(r.leaderAfter).toBe(r.leaderBefore);
        expect(r.termAfter).toBe(r.termBefore);
      }
    });
  }

  for (const olderBuild of [false, true]) {
    it(`long-run seed 6405: replicas removed from a range stay removed when their stores restart${olderBuild ? ' on an upgrade from a build that kept no tombstones' : ''} (no zombie group of the old configuration)`, async () => {
      const r = await removedReplicasStayRemovedAfterRestart({ olderBuild });
      expect(r.problems).toEqual([]);
      expect(r.resurrected).toEqual([]);
      if (r.zombieWrite === 'acked') expect(r.seenByRealGroup).toBe('yes');
    });
  }

  it('long-run seed 20293 (a false alarm of the simulator): an ambiguous membership change that lands late is not blamed on the next request', async () => {
    const r = await runClusterSimulation(clusterSimOptionsForSeed(20293));
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('long-run seed 100678 (a false alarm of the simulator): a definite failure is not blamed for a move that stores now down applied before it was issued', async () => {
    const r = await runClusterSimulation(clusterSimOptionsForSeed(100678));
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('long-run seed 105830 (a false alarm of the simulator): the automatic leave of a joint configuration is not blamed on a request refused while it was due', async () => {
    const r = await runClusterSimulation(clusterSimOptionsForSeed(105830));
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('long-run seed 205356 (a false alarm of the simulator): a refused ADD_VOTER is not blamed for the learner an earlier, unresolved ADD_LEARNER added', async () => {
    const r = await runClusterSimulation(clusterSimOptionsForSeed(205356));
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('long-run seed 200893 (a false alarm of the simulator): a refused ADD_VOTER is not blamed for an earlier, unresolved move that added the same voter', async () => {
    const r = await runClusterSimulation(clusterSimOptionsForSeed(200893));
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('long-run seed 30668: a store fenced by a write outside its loop (a full disk while staging a snapshot) ends its process instead of living on fenced', async () => {
    const r = await fullDiskWhileStagingASnapshot();
    expect(r.exits.length, JSON.stringify(r.exits)).toBeGreaterThan(0);
    expect(r.exits.every((e) => e.code === nodeExitCodes.storageFailed), JSON.stringify(r.exits)).toBe(true);
    expect(r.aliveAfterMs).toBe(false);
    expect(r.writeAfter).toBe('acked');
  });

  it('review: a storage failure while replica GC deletes a removed replica ends the node with the storage exit code, not an unhandled rejection', async () => {
    const r = await storageFailureInReplicaGc();
    expect(r.removed).toBe(true);
    expect(r.schedulerErrors).toEqual([]);
    expect(r.unhandled).toEqual([]);
    expect(r.exits).toEqual([{ storeId: expect.any(Number), code: nodeExitCodes.storageFailed }]);
  });

  it('long-run seed 40431: a follower that catches up by snapshot across a membership change takes the snapshot’s descriptor', async () => {
    const r = await snapshotAcrossAMembershipChange();
    expect(r.problems).toEqual([]);
    expect(r.persistedStores.length).toBe(4);
    expect(r.descriptorStores).toEqual(r.persistedStores);
    expect(r.nextReplicaId).toBe(5);
    // As leader it then adds a voter under a new id (a stale descriptor would reuse 4; the admin
    // path's guard would refuse with INTERNAL).
    expect(r.addError).toBeUndefined();
    expect(r.addedIds.sort()).toEqual([1, 2, 3, 4, 5]);
  });
  it('long-run seed 102958: a store that crashed between applying its own removal and deleting the replica finishes the removal at restart, and a re-add comes back under a new id', async () => {
    const r = await crashBetweenRemovalAndDelete();
    expect(r.crashed).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.holdsRangeAfterRestart).toBe(false);
    expect(r.tombstone).toBeGreaterThan(r.oldReplicaId);
    expect(r.readdedReplicaId).toBeDefined();
    expect(r.readdedReplicaId!).toBeGreaterThan(r.oldReplicaId);
    expect(r.readBack).toBe('yes');
  });

  it('long-run seed 102958: the whole seed passes (a stale leader reached the removed replica, which was rebuilt from its older snapshot)', async () => {
    const r = await runClusterSimulation(clusterSimOptionsForSeed(102958));
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
  });
  it('review: a first snapshot cut short after its header leaves unfilled range rows; the store re-added under a new id still gets its replica, and the old id stays refused', async () => {
    const r = await cutShortFirstSnapshotThenReAdd();
    expect(r.problems).toEqual([]);
    expect(r.secondId).toBeGreaterThan(r.firstId);
    expect(r.caughtUp).toBe(true);
    expect(r.replicaId).toBe(r.secondId);
    expect(r.olderRefused).toBe('RANGE_NOT_FOUND');
  });

  it('CI run: a write sent to a store before its range had a leader is served by that store once it leads, not bounced between followers until NOT_LEADER', async () => {
    const r = await writeThroughAStoreElectedMeanwhile();
    expect(r.problems).toEqual([]);
    expect(r.leader).toBe(1);
    expect('ok' in r.answer ? 'ok' : r.answer.error.code).toBe('ok');
    expect(r.value).toBe('v');
  });

  it('long-run seed 200628: voters added faster than their snapshots arrive are refused, so the range never ends with no quorum of voters that can vote', async () => {
    const r = await runClusterSimulation(clusterSimOptionsForSeed(200628));
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
  });
});
