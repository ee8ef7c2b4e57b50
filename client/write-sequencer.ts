import { randomBytes } from 'node:crypto';

export const clientIdBytes = 16;

/**
 * Exactly-once bookkeeping of one client instance: its random id, the next sequence number, and
 * the writes still in flight. A write takes a seq when it starts and keeps it for every retry; it
 * ends (whatever its outcome) exactly once. `firstIncompleteSeq` — the smallest seq still in flight,
 * or the next seq when none is — tells servers which remembered results they may forget.
 */
export class WriteSequencer {
  readonly clientId: Uint8Array;
  private nextSeq = 1n;
  /** Seqs in flight; a Set keeps insertion order, and seqs are inserted in increasing order. */
  private readonly inflight = new Set<bigint>();

  constructor(clientId: Uint8Array = randomBytes(clientIdBytes)) {
    if (clientId.length !== clientIdBytes) throw new RangeError(`a client id is ${clientIdBytes} bytes, got ${clientId.length}`);
    this.clientId = clientId;
  }

  begin(): bigint {
    const seq = this.nextSeq++;
    this.inflight.add(seq);
    return seq;
  }

  end(seq: bigint): void {
    if (!this.inflight.delete(seq)) throw new Error(`write seq ${seq} ended twice or never began`);
  }

  firstIncompleteSeq(): bigint {
    const first = this.inflight.values().next();
    return first.done === true ? this.nextSeq : first.value;
  }

  get inflightCount(): number {
    return this.inflight.size;
  }
}
