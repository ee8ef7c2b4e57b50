import { decodeConfChange, encodeConfChange, type ConfChange } from '../../raft/index.js';
import type { StoreId } from '../../proto/range-descriptor.js';

/**
 * A membership change as the node proposes it: the raft ConfChange plus, for every replica it adds,
 * the store it lives on (the raft core knows only replica ids; the range descriptor needs stores).
 * Encoded as the ConfChange JSON with an extra `stores` field, which the raft core ignores.
 */
export interface NodeConfChange {
  readonly change: ConfChange;
  readonly storeOfReplica: ReadonlyMap<number, StoreId>;
}

const decoder = new TextDecoder();

export function encodeNodeConfChange(c: NodeConfChange): Uint8Array {
  const base = JSON.parse(decoder.decode(encodeConfChange(c.change))) as Record<string, unknown>;
  base['stores'] = [...c.storeOfReplica].map(([replicaId, storeId]) => [replicaId, storeId]);
  return new TextEncoder().encode(JSON.stringify(base));
}

export function decodeNodeConfChange(data: Uint8Array): NodeConfChange {
  const change = decodeConfChange(data);
  const storeOfReplica = new Map<number, StoreId>();
  const parsed = JSON.parse(decoder.decode(data)) as { stores?: unknown };
  if (Array.isArray(parsed.stores)) {
    for (const pair of parsed.stores as unknown[]) {
      if (Array.isArray(pair) && typeof pair[0] === 'number' && typeof pair[1] === 'number') storeOfReplica.set(pair[0], pair[1] as StoreId);
    }
  }
  return { change, storeOfReplica };
}
