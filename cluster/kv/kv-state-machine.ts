import { mvcc, timestamp, timestampMax, type MvccMutation, type MvccReader, type Timestamp } from '../../storage/index.js';
import type { ClientSession, Command, KvOp, WriteResult } from './command.js';
import { bytesEqual } from '../../proto/range-descriptor.js';
import type { SessionTable } from './session-table.js';

/**
 * What a key looks like to the state machine while a batch is being built: writes of earlier
 * entries in the same (not yet committed) batch shadow the committed store.
 */
interface PendingVersion {
  readonly value: Uint8Array | null;
  readonly version: Timestamp;
}

/**
 * The uncommitted writes of one write batch, across every range of the store (ranges are disjoint,
 * so keys never collide). Cleared once the batch commits.
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

export type ApplyOutcome =
  | {
      readonly kind: 'applied';
      readonly mutations: readonly MvccMutation[];
      readonly result: WriteResult;
      /** True when the command was a retry answered from the exactly-once table (nothing applied). */
      readonly deduplicated: boolean;
    }
  /**
   * Refused deterministically by every replica: a stale duplicate of a write the client already
   * declared complete (its seq is below the client's first incomplete seq), whose result is forgotten.
   */
  | { readonly kind: 'rejected'; readonly reason: string };

/**
 * Applies replicated KV commands deterministically: every replica, applying the same log, makes the
 * same decisions (CAS comparisons, versions, deduplication) and produces the same mutations.
 */
export class KvStateMachine {
  constructor(
    private readonly reader: MvccReader,
    private readonly overlay: BatchOverlay,
    private readonly skipDedup: boolean,
  ) {}

  apply(cmd: Command, sessions: SessionTable): ApplyOutcome {
    const session = cmd.session;
    if (session !== null && !this.skipDedup) {
      const seen = sessions.lookup(session.clientId, session.seq);
      if (seen !== undefined) return { kind: 'applied', mutations: [], result: seen, deduplicated: true };
      if (sessions.isForgotten(session.clientId, session.seq)) {
        return { kind: 'rejected', reason: `write ${session.seq} of this client was already completed and acknowledged` };
      }
    }
    const { mutations, result } = this.execute(cmd.op, cmd.proposedTs);
    if (session !== null) this.record(sessions, session, result, cmd.proposedTs);
    return { kind: 'applied', mutations, result, deduplicated: false };
  }

  private record(sessions: SessionTable, s: ClientSession, result: WriteResult, nowTs: Timestamp): void {
    sessions.record(s.clientId, s.seq, s.firstIncompleteSeq, result, nowTs);
  }

  private execute(op: KvOp, proposedTs: Timestamp): { mutations: MvccMutation[]; result: WriteResult } {
    const current = this.current(op.key);
    // Versions of a key strictly increase in log order, whatever the proposers' clocks said: a new
    // leader whose clock is behind still writes above everything it is replacing.
    const version = proposedTs > current.version ? proposedTs : timestamp(current.version + 1n);
    switch (op.kind) {
      case 'put':
        this.overlay.set(op.key, { value: op.value, version });
        return { mutations: [mvcc.put(op.key, version, op.value)], result: { kind: 'put', version } };
      case 'delete': {
        if (current.value === null) {
          // Nothing to delete: no new version (a tombstone over nothing is noise).
          return { mutations: [], result: { kind: 'delete', deleted: false, version: current.version } };
        }
        this.overlay.set(op.key, { value: null, version });
        return { mutations: [mvcc.delete(op.key, version)], result: { kind: 'delete', deleted: true, version } };
      }
      case 'cas': {
        const matches = op.expected === null ? current.value === null : current.value !== null && bytesEqual(current.value, op.expected);
        if (!matches) return { mutations: [], result: { kind: 'cas', succeeded: false, current: current.value, version: current.version } };
        if (op.newValue === null) {
          if (current.value === null) return { mutations: [], result: { kind: 'cas', succeeded: true, current: null, version: current.version } };
          this.overlay.set(op.key, { value: null, version });
          return { mutations: [mvcc.delete(op.key, version)], result: { kind: 'cas', succeeded: true, current: current.value, version } };
        }
        this.overlay.set(op.key, { value: op.newValue, version });
        return { mutations: [mvcc.put(op.key, version, op.newValue)], result: { kind: 'cas', succeeded: true, current: current.value, version } };
      }
    }
  }

  /** The key's newest value (null if absent or deleted) and newest version (including tombstones). */
  private current(key: Uint8Array): PendingVersion {
    const pending = this.overlay.get(key);
    if (pending !== undefined) return pending;
    const newest = this.reader.writeRecords(key, timestampMax, 1)[0];
    if (newest === undefined) return { value: null, version: timestamp(0n) };
    if (newest.kind === 'put') return { value: newest.value, version: newest.commitTs };
    // The newest record may be a delete, or a transaction's lock/rollback record: the visible value
    // is then whatever the newest put/delete says.
    const visible = this.reader.get(key, timestampMax);
    const version = newest.commitTs;
    return { value: visible === null ? null : visible.value, version };
  }
}
