import type { StoreId } from '../../proto/range-descriptor.js';

/**
 * The addresses (host:port) of stores, learnt from Locate answers and NOT_LEADER hints. Bounded:
 * past `storesMax` the oldest entry is dropped (a cluster has far fewer stores than that).
 */
export class StoreAddressBook {
  private readonly addresses = new Map<StoreId, string>();

  constructor(private readonly storesMax = 4_096) {}

  get(id: StoreId): string | undefined {
    return this.addresses.get(id);
  }

  set(id: StoreId, address: string): void {
    if (this.addresses.get(id) === address) return;
    this.addresses.delete(id);
    this.addresses.set(id, address);
    while (this.addresses.size > this.storesMax) {
      const oldest = this.addresses.keys().next().value;
      if (oldest === undefined) break;
      this.addresses.delete(oldest);
    }
  }

  /** Every known address (deduplicated), in insertion order. */
  allAddresses(): string[] {
    return [...new Set(this.addresses.values())];
  }

  get size(): number {
    return this.addresses.size;
  }
}
