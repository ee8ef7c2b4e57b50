import { ByteReader, ByteWriter, CodecError } from '../../proto/byte-codec.js';
import type { RangeDescriptor, RangeId, ReplicaDescriptor, StoreId } from '../../proto/range-descriptor.js';

/** The range descriptor as the store keeps it (range state and snapshots): a versioned binary form. */
const formatVersion = 1;

export function encodeRangeDescriptor(d: RangeDescriptor): Uint8Array {
  const w = new ByteWriter(64 + d.start.length + d.end.length + d.replicas.length * 8);
  w.u8(formatVersion).uint(d.rangeId).bytes(d.start).bytes(d.end).uint(d.epoch.confVersion).uint(d.epoch.version);
  w.uint(d.replicas.length);
  for (const r of d.replicas) w.uint(r.storeId).uint(r.replicaId).bool(r.role === 'learner');
  w.uint(d.nextReplicaId);
  return w.finish();
}

export function decodeRangeDescriptor(bytes: Uint8Array): RangeDescriptor {
  const r = new ByteReader(bytes);
  const v = r.u8('descriptor format');
  if (v !== formatVersion) throw new CodecError(`unknown range descriptor format ${v}`);
  const id = r.uint('range id');
  const start = r.bytes('start').slice();
  const end = r.bytes('end').slice();
  const confVersion = r.uint('conf version');
  const version = r.uint('version');
  const n = r.count('replica', 3);
  const replicas: ReplicaDescriptor[] = [];
  for (let i = 0; i < n; i++) {
    const s = r.uint('store id');
    const replicaId = r.uint('replica id');
    const learner = r.bool('learner');
    if (s === 0 || replicaId === 0) throw new CodecError('replica with a zero id');
    replicas.push({ storeId: s as StoreId, replicaId, role: learner ? 'learner' : 'voter' });
  }
  const nextReplicaId = r.uint('next replica id');
  r.expectEnd('range descriptor');
  if (id === 0) throw new CodecError('range id 0');
  return { rangeId: id as RangeId, start, end, epoch: { confVersion, version }, replicas, nextReplicaId };
}
