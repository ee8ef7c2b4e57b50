import { invariant, unreachable } from '../raft/assert.js';
import { RaftStorageError } from '../raft/storage.js';
import { emptyHardState, type Entry, type HardState, type LogIndex, type Term } from '../raft/types.js';
import type { EntryCache } from './entry-cache.js';
import { compareKeys, spanContains, spanIsUnbounded, spanIsValid, spansEqual, type KeySpan } from './key-span.js';
import type { LogReader } from './log-reader.js';
import type { MvccMutation } from './mvcc-types.js';
import type { LocalMutation } from './range-local-types.js';
import type { RangeState } from './range-state.js';
import type { StagedSnapshot } from './snapshot-receiver.js';
import { StorageError } from './storage-error.js';
import type { BatchOp } from './write-batch.js';

/**
 * Turning a WriteBatch into SQL happens in two steps. Planning (this file) validates every
 * operation against the range states as the batch would leave them — gaps, overwrites of committed
 * entries, applied index going backwards, keys outside the range's span, a double vote — and
 * computes the new in-memory states, without writing anything. Only if the whole batch is valid
 * does batch-writer.ts run the resulting actions in one SQLite transaction, and only after that
 * transaction is durable are the new states swapped in. A bug caught here therefore never leaves a
 * half-written batch, and it does not fence the store (no I/O happened).
 */
export type Action =
  | { readonly kind: 'insertRange'; readonly state: RangeState }
  | { readonly kind: 'deleteRangeRows'; readonly rangeId: number }
  | { readonly kind: 'raiseTombstone'; readonly rangeId: number; readonly nextReplicaId: number }
  | { readonly kind: 'markBootstrapped'; readonly atMs: number }
  | { readonly kind: 'deleteLogFrom'; readonly rangeId: number; readonly index: LogIndex }
  | { readonly kind: 'deleteLogThrough'; readonly rangeId: number; readonly index: LogIndex }
  | { readonly kind: 'deleteLog'; readonly rangeId: number }
  | { readonly kind: 'append'; readonly rangeId: number; readonly entries: readonly Entry[] }
  | { readonly kind: 'hardState'; readonly rangeId: number; readonly hardState: HardState }
  | { readonly kind: 'writeTruncated'; readonly rangeId: number; readonly index: LogIndex; readonly term: Term }
  | { readonly kind: 'writeApplied'; readonly rangeId: number; readonly index: LogIndex; readonly term: Term }
  | { readonly kind: 'writeApplyStateFull'; readonly state: RangeState }
  | { readonly kind: 'mutate'; readonly mutations: readonly MvccMutation[] }
  | { readonly kind: 'mutateLocal'; readonly rangeId: number; readonly mutations: readonly LocalMutation[] }
  | { readonly kind: 'deleteSpanData'; readonly span: KeySpan }
  /** Replaces the span's MVCC data and the range's local table by the staged snapshot's. */
  | { readonly kind: 'swapStaged'; readonly installId: number; readonly rangeId: number; readonly span: KeySpan };

const noEntries: readonly Entry[] = Object.freeze([]);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** How one range's state and cache change when the batch commits. */
export interface RangeDraft {
  readonly rangeId: number;
  /**
   * The range's state as the batch leaves it so far: a private copy, mutated in place by the
   * planner (one copy per range per batch, not per operation); null when the batch deletes it.
   */
  state: Mutable<RangeState> | null;
  /** Entries written by this batch that form the log's suffix starting at tailStart (never mutated). */
  tail: readonly Entry[];
  tailStart: LogIndex;
  /** Cached entries ≥ this index are gone (overwritten). Infinity when none. */
  cacheTruncateFrom: number;
  /** The whole cached log of the range is gone (snapshot install, deletion). */
  cacheReset: boolean;
}

export interface BatchPlan {
  readonly actions: Action[];
  readonly drafts: Map<number, RangeDraft>;
  readonly stagedInstalled: StagedSnapshot[];
  /** Range tombstones raised by this batch (range → next allowed replica id), published once it is durable. */
  readonly tombstones: Map<number, number>;
  /** Whether the batch marks the store bootstrapped (published once durable). */
  readonly marksBootstrapped: boolean;
  readonly entriesAppended: number;
  readonly mutationsApplied: number;
  readonly localMutationsApplied: number;
}

export interface PlanContext {
  readonly states: ReadonlyMap<number, RangeState>;
  readonly entryCache: EntryCache;
  readonly logReader: LogReader;
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
  readonly localKeyBytesMax: number;
  readonly localValueBytesMax: number;
  isLiveStaged(staged: StagedSnapshot): boolean;
}

export function planBatch(ops: readonly BatchOp[], ctx: PlanContext): BatchPlan {
  return new Planner(ctx).plan(ops);
}

class Planner {
  private readonly actions: Action[] = [];
  private readonly drafts = new Map<number, RangeDraft>();
  private readonly stagedInstalled: StagedSnapshot[] = [];
  private readonly tombstones = new Map<number, number>();
  private marksBootstrapped = false;
  private entriesAppended = 0;
  private mutationsApplied = 0;
  private localMutationsApplied = 0;
  private readonly appliedChecks: Array<{ rangeId: number; index: LogIndex }> = [];

  constructor(private readonly ctx: PlanContext) {}

  plan(ops: readonly BatchOp[]): BatchPlan {
    for (const op of ops) this.planOp(op);
    for (const { rangeId, index } of this.appliedChecks) {
      const s = this.drafts.get(rangeId)?.state;
      if (s === null || s === undefined) continue;
      // A snapshot install later in the batch makes the applied index the snapshot's.
      if (s.appliedIndex !== index) continue;
      invariant(
        index <= s.hardState.commit,
        () => `range ${rangeId}: applied ${index} beyond commit ${s.hardState.commit} (apply only committed entries)`,
      );
    }
    return {
      actions: this.actions,
      drafts: this.drafts,
      stagedInstalled: this.stagedInstalled,
      tombstones: this.tombstones,
      marksBootstrapped: this.marksBootstrapped,
      entriesAppended: this.entriesAppended,
      mutationsApplied: this.mutationsApplied,
      localMutationsApplied: this.localMutationsApplied,
    };
  }

  private planOp(op: BatchOp): void {
    switch (op.kind) {
      case 'createRange':
        return this.createRange(op.rangeId, op);
      case 'append':
        return this.append(op);
      case 'hardState':
        return this.hardState(op);
      case 'apply':
        return this.apply(op);
      case 'truncateLog':
        return this.truncateLog(op.rangeId, op.throughIndex);
      case 'installSnapshot':
        return this.installSnapshot(op);
      case 'deleteRange':
        return this.deleteRange(op.rangeId, op.deleteSpanData, op.tombstoneNextReplicaId);
      case 'markBootstrapped':
        this.marksBootstrapped = true;
        this.actions.push({ kind: 'markBootstrapped', atMs: op.atMs });
        return;
      case 'mvccLocal':
        this.checkMutations(op.mutations, null, 0);
        this.mutationsApplied += op.mutations.length;
        this.actions.push({ kind: 'mutate', mutations: op.mutations });
        return;
      default:
        return unreachable(op, 'batch op');
    }
  }

  private draft(rangeId: number): RangeDraft {
    let d = this.drafts.get(rangeId);
    if (d === undefined) {
      const current = this.ctx.states.get(rangeId);
      const state = current === undefined ? null : { ...current };
      d = {
        rangeId,
        state,
        tail: noEntries,
        tailStart: state === null ? 1 : state.lastIndex + 1,
        cacheTruncateFrom: Infinity,
        cacheReset: false,
      };
      this.drafts.set(rangeId, d);
    }
    return d;
  }

  private existing(rangeId: number): RangeDraft & { state: Mutable<RangeState> } {
    const d = this.draft(rangeId);
    if (d.state === null) throw new StorageError('RANGE_NOT_FOUND', `range ${rangeId} has no replica on this store`, { rangeId });
    return d as RangeDraft & { state: Mutable<RangeState> };
  }

  private createRange(rangeId: number, op: Extract<BatchOp, { kind: 'createRange' }>): void {
    invariant(Number.isSafeInteger(rangeId) && rangeId > 0, () => `range id must be a positive safe integer, got ${rangeId}`);
    if (!spanIsValid(op.init.span)) {
      throw new StorageError('INVALID_ARGUMENT', `range ${rangeId}: span is empty or inverted`, { rangeId });
    }
    const d = this.draft(rangeId);
    if (d.state !== null) throw new StorageError('RANGE_EXISTS', `range ${rangeId} already exists on this store`, { rangeId });
    const state: Mutable<RangeState> = {
      rangeId,
      truncatedIndex: 0,
      truncatedTerm: 0,
      lastIndex: 0,
      hardState: emptyHardState,
      appliedIndex: 0,
      appliedTerm: 0,
      confState: op.init.confState,
      span: op.init.span,
      descriptor: op.init.descriptor,
    };
    d.state = state;
    d.tail = noEntries;
    d.tailStart = 1;
    d.cacheReset = true;
    this.actions.push({ kind: 'insertRange', state: { ...state } });
  }

  /** Mirrors MemoryStorage.append: entries below firstIndex are ignored, a gap is a bug. */
  private append(op: Extract<BatchOp, { kind: 'append' }>): void {
    const { rangeId, entries: input } = op;
    const d = this.existing(rangeId);
    const s = d.state;
    const firstIndex = s.truncatedIndex + 1;
    const last = input[input.length - 1]!.index;
    if (last < firstIndex) return;
    const first = input[0]!.index;
    const entries = first < firstIndex ? input.slice(firstIndex - first) : input;
    const start = entries[0]!.index;
    // Plain ifs on this hot path: invariant(cond, () => msg) would allocate a closure per call.
    if (start > s.lastIndex + 1) fail(`range ${rangeId}: append at ${start} leaves a gap after ${s.lastIndex}`);
    if (start <= s.appliedIndex) fail(`range ${rangeId}: append at ${start} overwrites applied entries (applied ${s.appliedIndex})`);
    if (start <= s.hardState.commit) {
      fail(`range ${rangeId}: append at ${start} overwrites committed entries (commit ${s.hardState.commit})`);
    }
    let prevTerm = this.cheapTerm(d, s, start - 1) ?? 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.index !== start + i) fail(`range ${rangeId}: appended entries not contiguous at ${e.index}`);
      if (!(e.term > 0 && Number.isSafeInteger(e.term))) fail(`range ${rangeId}: entry ${e.index} has term ${e.term}`);
      if (e.term < prevTerm) fail(`range ${rangeId}: entry ${e.index} term ${e.term} < previous ${prevTerm}`);
      prevTerm = e.term;
    }

    if (start <= s.lastIndex) {
      this.actions.push({ kind: 'deleteLogFrom', rangeId, index: start });
      if (d.tail.length > 0 && start >= d.tailStart) {
        d.tail = d.tail.slice(0, start - d.tailStart);
      } else {
        d.tail = noEntries;
        d.tailStart = start;
        d.cacheTruncateFrom = Math.min(d.cacheTruncateFrom, start);
      }
    } else if (d.tail.length === 0) {
      d.tailStart = start;
    }
    // The common case — one append per range per batch — shares the caller's array (the batch
    // holds it by reference anyway) and the op object itself: no per-range copies.
    d.tail = d.tail.length === 0 ? entries : d.tail.concat(entries);
    this.actions.push(entries === input ? op : { kind: 'append', rangeId, entries });
    this.entriesAppended += entries.length;
    s.lastIndex = entries[entries.length - 1]!.index;
  }

  private hardState(op: Extract<BatchOp, { kind: 'hardState' }>): void {
    const { rangeId, hardState: hs } = op;
    const s = this.existing(rangeId).state;
    const prev = s.hardState;
    if (hs.term < prev.term) fail(`range ${rangeId}: hard state term ${hs.term} < ${prev.term}`);
    if (hs.commit < prev.commit) fail(`range ${rangeId}: hard state commit ${hs.commit} < ${prev.commit}`);
    if (hs.term === prev.term && prev.vote !== 0 && hs.vote !== prev.vote) {
      fail(`range ${rangeId}: vote changed from ${prev.vote} to ${hs.vote} within term ${hs.term}`);
    }
    if (hs.term === prev.term && hs.vote === prev.vote && hs.commit === prev.commit) return;
    s.hardState = hs;
    this.actions.push(op);
  }

  private apply(op: Extract<BatchOp, { kind: 'apply' }>): void {
    const { rangeId, applied } = op;
    const d = this.existing(rangeId);
    const s = d.state;
    if (applied.index <= s.appliedIndex) {
      fail(`range ${rangeId}: applied index ${applied.index} not after ${s.appliedIndex} (an entry would be applied twice)`);
    }
    if (applied.index > s.lastIndex) fail(`range ${rangeId}: applied ${applied.index} beyond last index ${s.lastIndex}`);
    // Checked against the batch's final hard state: the batch may carry the commit index after the apply.
    this.appliedChecks.push({ rangeId, index: applied.index });
    const knownTerm = this.cheapTerm(d, s, applied.index);
    if (knownTerm !== undefined && knownTerm !== applied.term) {
      fail(`range ${rangeId}: applied term ${applied.term} ≠ log term ${knownTerm}`);
    }
    const span = applied.span ?? s.span;
    if (applied.span !== undefined && !spanIsValid(applied.span)) {
      throw new StorageError('INVALID_ARGUMENT', `range ${rangeId}: span is empty or inverted`, { rangeId });
    }
    this.checkMutations(op.mutations, span, rangeId);
    this.checkLocalMutations(op.localMutations, rangeId);
    const full = applied.confState !== undefined || applied.span !== undefined || applied.descriptor !== undefined;
    s.appliedIndex = applied.index;
    s.appliedTerm = applied.term;
    s.span = span;
    s.descriptor = applied.descriptor ?? s.descriptor;
    s.confState = applied.confState ?? s.confState;
    if (op.mutations.length > 0) this.actions.push({ kind: 'mutate', mutations: op.mutations });
    this.mutationsApplied += op.mutations.length;
    if (op.localMutations.length > 0) this.actions.push({ kind: 'mutateLocal', rangeId, mutations: op.localMutations });
    this.localMutationsApplied += op.localMutations.length;
    this.actions.push(
      full ? { kind: 'writeApplyStateFull', state: { ...s } } : { kind: 'writeApplied', rangeId, index: applied.index, term: applied.term },
    );
  }

  /** Mirrors MemoryStorage.compact; additionally refuses to drop unapplied entries. */
  private truncateLog(rangeId: number, index: LogIndex): void {
    const d = this.existing(rangeId);
    const s = d.state;
    if (index <= s.truncatedIndex) return;
    invariant(index <= s.lastIndex, () => `range ${rangeId}: truncate ${index} beyond last index ${s.lastIndex}`);
    invariant(index <= s.appliedIndex, () => `range ${rangeId}: truncate ${index} beyond applied index ${s.appliedIndex}`);
    const term = this.term(d, s, index);
    // The tail keeps its compacted head: the cache drops it after commit (dropBelow), and lookups
    // below truncatedIndex never reach the tail.
    s.truncatedIndex = index;
    s.truncatedTerm = term;
    this.actions.push({ kind: 'deleteLogThrough', rangeId, index });
    this.actions.push({ kind: 'writeTruncated', rangeId, index, term });
  }

  /**
   * Mirrors MemoryStorage.applySnapshot, plus the span's data swap when staged. Without staged data
   * the snapshot's `data` becomes the descriptor (RangeLogStorage.snapshot() hands it out as data).
   */
  private installSnapshot(op: Extract<BatchOp, { kind: 'installSnapshot' }>): void {
    const { rangeId, snapshot, staged } = op;
    const d = this.existing(rangeId);
    const s = d.state;
    const { index, term, confState } = snapshot.metadata;
    invariant(index >= s.appliedIndex, () => `range ${rangeId}: snapshot ${index} older than applied ${s.appliedIndex}`);
    let span = s.span;
    let descriptor = snapshot.data;
    if (staged !== null) {
      invariant(this.ctx.isLiveStaged(staged), () => `range ${rangeId}: staged snapshot ${staged.installId} is not live on this store`);
      invariant(!this.stagedInstalled.includes(staged), 'staged snapshot installed twice in one batch');
      invariant(staged.rangeId === rangeId, () => `staged snapshot of range ${staged.rangeId} installed into ${rangeId}`);
      invariant(staged.header.appliedIndex === index, () => `staged snapshot at ${staged.header.appliedIndex}, metadata ${index}`);
      invariant(staged.header.appliedTerm === term, () => `staged snapshot term ${staged.header.appliedTerm}, metadata ${term}`);
      // Spans are fixed (no splits or merges yet): a snapshot that would move a range's keys is
      // refused before anything is written — its install would delete whatever the new span held.
      if (!spansEqual(staged.header.span, s.span)) throw new StorageError('INVALID_ARGUMENT', `range ${rangeId}: the snapshot's span is not the range's`, { rangeId });
      span = staged.header.span;
      descriptor = staged.header.descriptor;
      this.stagedInstalled.push(staged);
    }
    s.truncatedIndex = index;
    s.truncatedTerm = term;
    s.lastIndex = index;
    s.appliedIndex = index;
    s.appliedTerm = term;
    s.confState = confState;
    s.span = span;
    s.descriptor = descriptor;
    d.tail = noEntries;
    d.tailStart = index + 1;
    d.cacheReset = true;
    this.actions.push({ kind: 'deleteLog', rangeId });
    this.actions.push({ kind: 'writeTruncated', rangeId, index, term });
    this.actions.push({ kind: 'writeApplyStateFull', state: { ...s } });
    if (staged !== null) this.actions.push({ kind: 'swapStaged', installId: staged.installId, rangeId, span });
  }

  private deleteRange(rangeId: number, deleteSpanData: boolean, tombstoneNextReplicaId: number): void {
    const d: RangeDraft = this.existing(rangeId);
    const s = this.existing(rangeId).state;
    if (!Number.isSafeInteger(tombstoneNextReplicaId) || tombstoneNextReplicaId < 0) {
      throw new StorageError('INVALID_ARGUMENT', `tombstone replica id must be a non-negative integer, got ${tombstoneNextReplicaId}`, { rangeId });
    }
    d.state = null;
    d.tail = noEntries;
    d.cacheReset = true;
    this.actions.push({ kind: 'deleteRangeRows', rangeId });
    if (deleteSpanData) this.actions.push({ kind: 'deleteSpanData', span: s.span });
    if (tombstoneNextReplicaId > 0) {
      this.actions.push({ kind: 'raiseTombstone', rangeId, nextReplicaId: tombstoneNextReplicaId });
      this.tombstones.set(rangeId, Math.max(this.tombstones.get(rangeId) ?? 0, tombstoneNextReplicaId));
    }
  }

  private checkMutations(mutations: readonly MvccMutation[], span: KeySpan | null, rangeId: number): void {
    const { keyBytesMax, valueBytesMax } = this.ctx;
    const checkKey = (key: Uint8Array): void => {
      if (key.byteLength > keyBytesMax) {
        throw new StorageError('INVALID_ARGUMENT', `key of ${key.byteLength} bytes exceeds ${keyBytesMax}`, { rangeId });
      }
      if (span !== null && !spanContains(span, key)) {
        throw new StorageError('INVALID_ARGUMENT', `range ${rangeId}: mutation of a key outside the range's span`, { rangeId });
      }
    };
    const checkValue = (value: Uint8Array): void => {
      if (value.byteLength > valueBytesMax) {
        throw new StorageError('INVALID_ARGUMENT', `value of ${value.byteLength} bytes exceeds ${valueBytesMax}`, { rangeId });
      }
    };
    for (const m of mutations) {
      switch (m.op) {
        case 'putWrite':
          checkKey(m.key);
          if (m.write.kind === 'put') checkValue(m.write.value);
          invariant(m.write.kind !== 'rollback' || m.write.commitTs === m.write.startTs, 'rollback record with commitTs ≠ startTs');
          break;
        case 'deleteWrite':
        case 'deleteLock':
          checkKey(m.key);
          break;
        case 'putLock':
          checkKey(m.key);
          checkKey(m.lock.primaryKey);
          if (m.lock.value !== null) checkValue(m.lock.value);
          invariant(Number.isSafeInteger(m.lock.ttlMs) && m.lock.ttlMs >= 0, () => `lock ttlMs ${m.lock.ttlMs} invalid`);
          invariant((m.lock.kind === 'put') === (m.lock.value !== null), 'a put lock carries a value, other locks none');
          break;
        case 'deleteSpan':
          if (!spanIsValid(m.span)) throw new StorageError('INVALID_ARGUMENT', 'deleteSpan of an empty or inverted span', { rangeId });
          if (span !== null && !spanCovers(span, m.span)) {
            throw new StorageError('INVALID_ARGUMENT', `range ${rangeId}: deleteSpan outside the range's span`, { rangeId });
          }
          break;
        default:
          unreachable(m, 'mvcc mutation');
      }
    }
  }

  /** Typed errors for limit violations: local mutations come from the node's state machine, which may be fed oversized input. */
  private checkLocalMutations(mutations: readonly LocalMutation[], rangeId: number): void {
    const { localKeyBytesMax, localValueBytesMax } = this.ctx;
    const checkKey = (key: Uint8Array, what: string): void => {
      if (key.byteLength > localKeyBytesMax) {
        throw new StorageError('INVALID_ARGUMENT', `range ${rangeId}: range-local ${what} of ${key.byteLength} bytes exceeds ${localKeyBytesMax}`, {
          rangeId,
        });
      }
    };
    for (const m of mutations) {
      switch (m.op) {
        case 'put':
          checkKey(m.key, 'key');
          if (m.value.byteLength > localValueBytesMax) {
            throw new StorageError(
              'INVALID_ARGUMENT',
              `range ${rangeId}: range-local value of ${m.value.byteLength} bytes exceeds ${localValueBytesMax}`,
              { rangeId },
            );
          }
          break;
        case 'delete':
          checkKey(m.key, 'key');
          break;
        case 'deletePrefix':
          checkKey(m.prefix, 'prefix');
          break;
        default:
          unreachable(m, 'range-local mutation');
      }
    }
  }

  /** The term at `index` as the batch so far leaves the log; reads SQLite for old entries. */
  private term(d: RangeDraft, s: RangeState, index: LogIndex): Term {
    const cheap = this.cheapTerm(d, s, index);
    if (cheap !== undefined) return cheap;
    if (index < s.truncatedIndex) throw new RaftStorageError('COMPACTED', `term of ${index}: compacted through ${s.truncatedIndex}`);
    if (index > s.lastIndex) throw new RaftStorageError('UNAVAILABLE', `term of ${index}: last index is ${s.lastIndex}`);
    return this.ctx.logReader.readOne(d.rangeId, index).term;
  }

  /** The term at `index` if known without reading SQLite. */
  private cheapTerm(d: RangeDraft, s: RangeState, index: LogIndex): Term | undefined {
    if (index === s.truncatedIndex) return s.truncatedTerm;
    if (index < s.truncatedIndex || index > s.lastIndex) return undefined;
    if (d.tail.length > 0 && index >= d.tailStart) return d.tail[index - d.tailStart]?.term;
    if (d.cacheReset) return undefined;
    return this.ctx.entryCache.get(d.rangeId, index)?.term;
  }
}

/** Whether `inner` lies within `outer`. */
function spanCovers(outer: KeySpan, inner: KeySpan): boolean {
  if (compareKeys(inner.start, outer.start) < 0) return false;
  if (spanIsUnbounded(outer)) return true;
  if (spanIsUnbounded(inner)) return false;
  return compareKeys(inner.end, outer.end) <= 0;
}

/** A violated invariant: a bug in the caller, reported like raft/assert.ts `invariant`. */
function fail(message: string): never {
  invariant(false, message);
}
