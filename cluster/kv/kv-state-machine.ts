import { mvcc, timestamp, timestampMax, type MvccMutation, type MvccReader, type Timestamp } from '../../storage/index.js';
import { CodecError } from '../../proto/byte-codec.js';
import { KvError } from '../../proto/kv-error.js';
import { bytesEqual, type RangeDescriptor } from '../../proto/range-descriptor.js';
import type { LogIndex } from '../../raft/index.js';
import type { EntryApplier, EntryOutcome, RangeLocalMutation, RangeLocalReader, ReplicatedStateMachine } from '../replica/state-machine.js';
import type { BatchOverlay, PendingVersion } from './batch-overlay.js';
import { commandRefusal } from './command-limits.js';
import { commandDigest, decodeCommand, type Command, type KvOp, type WriteResult } from './command.js';
import { SessionTable } from './session-table.js';

export interface KvStateMachineOptions {
  /** Fault switch (tests only): apply a retried write again instead of answering from the exactly-once table. */
  readonly skipDedup: boolean;
}

/**
 * The KV data of a store's ranges as a replicated state machine: applies client writes
 * deterministically — every replica, applying the same log, makes the same decisions (CAS
 * comparisons, versions, deduplication) and produces the same mutations.
 */
export class KvStateMachine implements ReplicatedStateMachine<WriteResult> {
  constructor(
    private readonly reader: MvccReader,
    private readonly overlay: BatchOverlay,
    private readonly options: KvStateMachineOptions,
  ) {}

  beginApply(local: RangeLocalReader): EntryApplier<WriteResult> {
    return new KvApplier(this, new SessionTable(local));
  }

  guessResult(data: Uint8Array): WriteResult {
    const cmd = decodeCommand(data);
    switch (cmd.op.kind) {
      case 'put':
        return { kind: 'put', version: cmd.proposedTs };
      case 'delete':
        return { kind: 'delete', deleted: true, version: cmd.proposedTs };
      case 'cas':
        return { kind: 'cas', succeeded: true, current: cmd.op.expected, version: cmd.proposedTs };
    }
  }

  /** Applies one decoded command; `sessions` is the range's exactly-once table for this batch. */
  applyCommand(cmd: Command, range: RangeDescriptor, sessions: SessionTable, mutations: MvccMutation[]): EntryOutcome<WriteResult> {
    const refusal = commandRefusal(cmd.op, range);
    // Certainly not applied, on every replica alike: the API edge refuses these before the log.
    if (refusal !== undefined) return { error: new KvError('INVALID_ARGUMENT', `committed write refused: ${refusal}`) };
    const session = cmd.session;
    const digest = session === null ? null : commandDigest(cmd.op);
    if (session !== null && digest !== null && !this.options.skipDedup) {
      if (sessions.isCompleted(session.clientId, session.seq)) {
        // The client told us this seq completed, so it never retries it: this is a late duplicate,
        // or a client that reused its id. Whether some write with this seq was applied is no longer
        // known here — never answer "not applied" for it.
        return {
          error: new KvError('OUTCOME_UNKNOWN', `write ${session.seq} of this client id was already completed; a client id must never be reused (a late duplicate is refused)`),
        };
      }
      const seen = sessions.lookupRecorded(session.clientId, session.seq);
      if (seen !== undefined) {
        if (seen.digest !== null && !bytesEqual(seen.digest, digest)) {
          // Certainly not applied: a different write already holds this (client id, seq).
          return {
            error: new KvError('INVALID_ARGUMENT', `client id reused: seq ${session.seq} of this client id was already used by a different write; a client must never reuse an id`),
          };
        }
        return { ok: seen.result };
      }
    }
    const result = this.execute(cmd.op, cmd.proposedTs, mutations);
    if (result instanceof KvError) return { error: result };
    if (session !== null) sessions.record(session.clientId, session.seq, session.firstIncompleteSeq, result, cmd.proposedTs, digest);
    return { ok: result };
  }

  private execute(op: KvOp, proposedTs: Timestamp, mutations: MvccMutation[]): WriteResult | KvError {
    const current = this.current(op.key);
    // Versions of a key strictly increase in log order, whatever the proposers' clocks said: a new
    // leader whose clock is behind still writes above everything it is replacing.
    if (proposedTs <= current.version && current.version >= timestampMax) {
      // Only a command proposed at the very end of time (which no leader's clock reaches) can get here.
      return new KvError('INVALID_ARGUMENT', 'committed write refused: the key has a version at the largest timestamp');
    }
    const version = proposedTs > current.version ? proposedTs : timestamp(current.version + 1n);
    switch (op.kind) {
      case 'put':
        this.overlay.set(op.key, { value: op.value, version });
        mutations.push(mvcc.put(op.key, version, op.value));
        return { kind: 'put', version };
      case 'delete': {
        // Nothing to delete: no new version (a tombstone over nothing is noise).
        if (current.value === null) return { kind: 'delete', deleted: false, version: current.version };
        this.overlay.set(op.key, { value: null, version });
        mutations.push(mvcc.delete(op.key, version));
        return { kind: 'delete', deleted: true, version };
      }
      case 'cas': {
        const matches = op.expected === null ? current.value === null : current.value !== null && bytesEqual(current.value, op.expected);
        if (!matches) return { kind: 'cas', succeeded: false, current: current.value, version: current.version };
        if (op.newValue === null) {
          if (current.value === null) return { kind: 'cas', succeeded: true, current: null, version: current.version };
          this.overlay.set(op.key, { value: null, version });
          mutations.push(mvcc.delete(op.key, version));
          return { kind: 'cas', succeeded: true, current: current.value, version };
        }
        this.overlay.set(op.key, { value: op.newValue, version });
        mutations.push(mvcc.put(op.key, version, op.newValue));
        return { kind: 'cas', succeeded: true, current: current.value, version };
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
    return { value: visible === null ? null : visible.value, version: newest.commitTs };
  }
}

/** One Ready's worth of applied entries of one range. */
class KvApplier implements EntryApplier<WriteResult> {
  private readonly mutations: MvccMutation[] = [];

  constructor(
    private readonly machine: KvStateMachine,
    private readonly sessions: SessionTable,
  ) {}

  apply(data: Uint8Array, _index: LogIndex, range: RangeDescriptor): EntryOutcome<WriteResult> {
    let cmd: Command;
    try {
      cmd = decodeCommand(data);
    } catch (err) {
      // Every replica decodes the same bytes the same way, so refusing is deterministic.
      if (!(err instanceof CodecError)) throw err;
      return { error: new KvError('INTERNAL', `undecodable command: ${err.message}`) };
    }
    return this.machine.applyCommand(cmd, range, this.sessions, this.mutations);
  }

  finish(): { mutations: readonly MvccMutation[]; localMutations: readonly RangeLocalMutation[] } {
    return { mutations: this.mutations, localMutations: this.sessions.takeMutations() };
  }
}
