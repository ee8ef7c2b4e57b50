import type { NodeId } from '../../raft/index.js';
import { replicaById, type RangeDescriptor, type ReplicaDescriptor, type StoreId } from '../../proto/range-descriptor.js';

/** The descriptor after a membership change: roles from the new ConfState, stores from the entry. */
export function descriptorAfterConfChange(
  d: RangeDescriptor,
  cs: { readonly voters: readonly number[]; readonly votersOutgoing: readonly number[]; readonly learners: readonly number[]; readonly learnersNext: readonly number[] },
  storeOfReplica: ReadonlyMap<number, StoreId>,
): RangeDescriptor {
  const members = new Set<number>([...cs.voters, ...cs.votersOutgoing, ...cs.learners]);
  const replicas: ReplicaDescriptor[] = [];
  let nextReplicaId = d.nextReplicaId;
  for (const id of [...members].sort((a, b) => a - b)) {
    const storeId = storeOfReplica.get(id) ?? replicaById(d, id)?.storeId;
    if (storeId === undefined) continue;
    const learner = cs.learners.includes(id as NodeId) || (cs.learnersNext.includes(id as NodeId) && !cs.voters.includes(id as NodeId));
    replicas.push({ storeId, replicaId: id, role: learner ? 'learner' : 'voter' });
    nextReplicaId = Math.max(nextReplicaId, id + 1);
  }
  return { ...d, replicas, epoch: { ...d.epoch, confVersion: d.epoch.confVersion + 1 }, nextReplicaId };
}
