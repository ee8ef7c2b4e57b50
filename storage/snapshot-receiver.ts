import { compareKeys, spanContains, spanIsValid } from './key-span.js';
import type { KeyedLock, KeyedWriteRecord } from './mvcc-types.js';
import type { LocalLimits } from './range-local-reader.js';
import type { LocalEntry } from './range-local-types.js';
import type { SnapshotChunk, SnapshotHeader } from './snapshot-types.js';
import { StorageError } from './storage-error.js';

/** Implemented by the Store: writes to the staging tables (never to live data). */
export interface StagingWriter {
  stageBegin(rangeId: number, header: SnapshotHeader): number;
  stageWrites(installId: number, records: readonly KeyedWriteRecord[]): void;
  stageLocks(installId: number, locks: readonly KeyedLock[]): void;
  stageLocal(installId: number, entries: readonly LocalEntry[]): void;
  stageDiscard(installId: number): void;
  /** Called once the receiver is finished with (installed, aborted or failed). */
  releaseReceiver(installId: number): void;
}

/**
 * A snapshot fully received into the staging area, ready for `WriteBatch.installSnapshot`. Only
 * the store that staged it accepts it, and only once.
 */
export class StagedSnapshot {
  constructor(
    readonly installId: number,
    readonly rangeId: number,
    readonly header: SnapshotHeader,
    readonly writeCount: number,
    readonly lockCount: number,
    readonly localCount: number,
    /** @internal identity of the staging writer (the store) that owns the staged rows. */
    readonly owner: StagingWriter,
  ) {}
}

type ReceiverPhase = 'writes' | 'locks' | 'local' | 'complete' | 'staged' | 'aborted';

/**
 * Receives a snapshot stream into the staging tables, validating as it goes: chunk order, every
 * key inside the header's span, records strictly ordered (so duplicates are caught here and not
 * as a constraint failure in SQLite), local-table entries within this store's limits, counts
 * matching the end chunk. Each chunk is written in its
 * own transaction; nothing live changes until the staged snapshot is installed by a write batch.
 * A receiver that is aborted, or whose process dies, leaves the old range state untouched; leftover
 * staging rows are discarded by `abort()` or when the store next opens.
 */
export class SnapshotReceiver {
  private phase: ReceiverPhase = 'writes';
  private writeCount = 0;
  private lockCount = 0;
  private localCount = 0;
  private lastLocalKey: Uint8Array | undefined;
  private lastWrite: KeyedWriteRecord | undefined;
  private lastLockKey: Uint8Array | undefined;
  private staged: StagedSnapshot | undefined;

  constructor(
    readonly rangeId: number,
    readonly header: SnapshotHeader,
    readonly installId: number,
    private readonly writer: StagingWriter,
    private readonly localLimits: LocalLimits,
  ) {}

  static validateHeader(rangeId: number, header: SnapshotHeader): void {
    if (header.rangeId !== rangeId) {
      throw new StorageError('SNAPSHOT_INVALID', `snapshot of range ${header.rangeId} offered to range ${rangeId}`, { rangeId });
    }
    if (!spanIsValid(header.span)) {
      throw new StorageError('SNAPSHOT_INVALID', `snapshot span of range ${rangeId} is empty or inverted`, { rangeId });
    }
    if (!Number.isSafeInteger(header.appliedIndex) || header.appliedIndex < 0) {
      throw new StorageError('SNAPSHOT_INVALID', `snapshot applied index ${header.appliedIndex} is not valid`, { rangeId });
    }
  }

  receive(chunk: SnapshotChunk): void {
    switch (chunk.kind) {
      case 'header':
        this.fail('a second header chunk');
        break;
      case 'writes':
        if (this.phase !== 'writes') this.fail(`a writes chunk in phase ${this.phase}`);
        for (const r of chunk.records) this.checkWrite(r);
        this.guard(() => this.writer.stageWrites(this.installId, chunk.records));
        this.writeCount += chunk.records.length;
        break;
      case 'locks':
        if (this.phase !== 'writes' && this.phase !== 'locks') this.fail(`a locks chunk in phase ${this.phase}`);
        this.phase = 'locks';
        for (const l of chunk.locks) this.checkLock(l);
        this.guard(() => this.writer.stageLocks(this.installId, chunk.locks));
        this.lockCount += chunk.locks.length;
        break;
      case 'local':
        if (this.phase !== 'writes' && this.phase !== 'locks' && this.phase !== 'local') this.fail(`a local chunk in phase ${this.phase}`);
        this.phase = 'local';
        for (const e of chunk.entries) this.checkLocal(e);
        this.guard(() => this.writer.stageLocal(this.installId, chunk.entries));
        this.localCount += chunk.entries.length;
        break;
      case 'end':
        if (this.phase !== 'writes' && this.phase !== 'locks' && this.phase !== 'local') this.fail(`an end chunk in phase ${this.phase}`);
        if (chunk.writeCount !== this.writeCount || chunk.lockCount !== this.lockCount || chunk.localCount !== this.localCount) {
          this.fail(
            `end chunk counts ${chunk.writeCount}/${chunk.lockCount}/${chunk.localCount} ` +
              `but received ${this.writeCount}/${this.lockCount}/${this.localCount}`,
          );
        }
        this.phase = 'complete';
        break;
    }
  }

  /** The staged snapshot, once the end chunk arrived. */
  finish(): StagedSnapshot {
    if (this.phase === 'staged' && this.staged !== undefined) return this.staged;
    if (this.phase !== 'complete') this.fail(`finish in phase ${this.phase}: the stream was cut short`);
    this.phase = 'staged';
    this.staged = new StagedSnapshot(
      this.installId,
      this.rangeId,
      this.header,
      this.writeCount,
      this.lockCount,
      this.localCount,
      this.writer,
    );
    return this.staged;
  }

  /** Discards everything staged. Safe to call in any phase, more than once. */
  abort(): void {
    if (this.phase === 'aborted') return;
    this.phase = 'aborted';
    try {
      this.writer.stageDiscard(this.installId);
    } finally {
      this.writer.releaseReceiver(this.installId);
    }
  }

  get isAborted(): boolean {
    return this.phase === 'aborted';
  }

  private checkWrite(r: KeyedWriteRecord): void {
    if (!spanContains(this.header.span, r.key)) this.fail('a write record outside the snapshot span');
    if (r.write.kind === 'rollback' && r.write.commitTs !== r.write.startTs) this.fail('a rollback record with commitTs ≠ startTs');
    const prev = this.lastWrite;
    if (prev !== undefined) {
      const c = compareKeys(prev.key, r.key);
      if (c > 0 || (c === 0 && prev.write.commitTs <= r.write.commitTs)) this.fail('write records out of (key, ts DESC) order');
    }
    this.lastWrite = r;
  }

  private checkLock(l: KeyedLock): void {
    if (!spanContains(this.header.span, l.key)) this.fail('a lock outside the snapshot span');
    if (this.lastLockKey !== undefined && compareKeys(this.lastLockKey, l.key) >= 0) this.fail('locks out of key order');
    this.lastLockKey = l.key;
  }

  /**
   * The sender's limits should equal ours (one cluster configuration); an entry past ours is
   * refused here rather than installed into a table whose writes would refuse it.
   */
  private checkLocal(e: LocalEntry): void {
    if (e.key.byteLength > this.localLimits.keyBytesMax) this.fail(`a local key of ${e.key.byteLength} bytes (max ${this.localLimits.keyBytesMax})`);
    if (e.value.byteLength > this.localLimits.valueBytesMax) {
      this.fail(`a local value of ${e.value.byteLength} bytes (max ${this.localLimits.valueBytesMax})`);
    }
    if (this.lastLocalKey !== undefined && compareKeys(this.lastLocalKey, e.key) >= 0) this.fail('local entries out of key order');
    this.lastLocalKey = e.key;
  }

  private guard(write: () => void): void {
    try {
      write();
    } catch (e) {
      this.abortQuietly();
      throw e;
    }
  }

  private fail(what: string): never {
    this.abortQuietly();
    throw new StorageError('SNAPSHOT_INVALID', `snapshot for range ${this.rangeId}: ${what}`, { rangeId: this.rangeId });
  }

  private abortQuietly(): void {
    try {
      this.abort();
    } catch {
      // The original failure is the one to report; a fenced store cannot discard staging rows,
      // and they are discarded at the next open anyway.
    }
  }
}
