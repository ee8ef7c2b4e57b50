import type { Timestamp } from '../../storage/index.js';

/**
 * What a key looks like to the state machine while a batch is being built: writes of earlier
 * entries in the same (not yet committed) batch shadow the committed store.
 */
export interface PendingVersion {
  readonly value: Uint8Array | null;
  readonly version: Timestamp;
}

/**
 * The uncommitted writes of one write batch, across every range of the store (ranges are disjoint,
 * so keys never collide). Cleared when a new batch starts.
 */
export class BatchOverlay {
  private readonly pending = new Map<string, PendingVersion>();

  get(key: Uint8Array): PendingVersion | undefined {
    return this.pending.get(keyOf(key));
  }

  set(key: Uint8Array, v: PendingVersion): void {
    this.pending.set(keyOf(key), v);
  }

  clear(): void {
    this.pending.clear();
  }
}

function keyOf(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}
