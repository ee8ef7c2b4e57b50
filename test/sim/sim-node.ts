import {
  MemoryStorage,
  bootstrapHardState,
  bootstrapIndex,
  bootstrapSnapshot,
  RawNode,
  SeededRng,
  decodeConfChange,
  emptyConfState,
  type ConfState,
  type Entry,
  type LogIndex,
  type NodeId,
  type Ready,
  type Snapshot,
} from '../../raft/index.js';
import { fnv1a, mix } from './hash.js';
import type { SimOptions } from './sim-options.js';

/** The replicated state machine of the simulation: a register plus a fingerprint of everything applied. */
export interface AppState {
  readonly appliedIndex: LogIndex;
  /** Fingerprint of the sequence of applied entries (index, term, data). */
  readonly hash: number;
  /** The last non-empty command applied. */
  readonly register: string;
  readonly confState: ConfState;
  readonly confIndex: LogIndex;
}

export const initialAppState = (confState: ConfState): AppState => ({
  // An initial member starts with the bootstrap snapshot applied; a new empty node at 0.
  appliedIndex: confState.voters.length > 0 ? bootstrapIndex : 0,
  hash: 0,
  register: '',
  confState,
  confIndex: 0,
});

/** What survives a crash: the raft storage and the applied state, each written atomically. */
export interface Disk {
  readonly storage: SimStorage;
  app: AppState;
}

/**
 * MemoryStorage whose snapshot() is generated at the applied index on demand, as the real store
 * does (a leader ships current state, never a stale snapshot that predates a new member).
 */
export class SimStorage extends MemoryStorage {
  app: (() => AppState) | undefined;

  /** The snapshot last recorded, without generating one. */
  stored(): Snapshot {
    return super.snapshot();
  }

  override snapshot(): Snapshot {
    const current = super.snapshot();
    const app = this.app?.();
    if (app === undefined || app.appliedIndex <= current.metadata.index || app.appliedIndex > this.lastIndex()) return current;
    return this.createSnapshot(app.appliedIndex, app.confState, encodeApp(app));
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeApp(app: AppState): Uint8Array {
  return encoder.encode(JSON.stringify(app));
}

export function decodeApp(data: Uint8Array): AppState {
  return JSON.parse(decoder.decode(data)) as AppState;
}

export function entryLabel(e: Entry): string {
  if (e.type === 'confChange') return `conf:${decoder.decode(e.data)}`;
  return e.data.length === 0 ? '<noop>' : decoder.decode(e.data);
}

/** Where a crash may interrupt the processing of a Ready. */
export type CrashPoint = 'none' | 'afterPersist' | 'afterSend';

export interface AppliedEntry {
  readonly entry: Entry;
  /** Fingerprint of the applied state right after this entry. */
  readonly hashAfter: number;
}

export interface ReadyEffects {
  /** Entries newly applied by this Ready (entries already applied before a restart are skipped). */
  readonly applied: readonly AppliedEntry[];
  readonly crashed: boolean;
}

/**
 * One simulated replica. `raw` exists only while the node is up; everything in it is lost on a
 * crash. The disk is what was persisted before the crash.
 */
export class SimNode {
  raw: RawNode | undefined;
  pausedUntilStep = -1;
  restartAtTick = -1;
  /** Permanently stopped (removed from the group and shut down by the operator). */
  retired = false;
  private tickAccumulator = 0;
  /** Ticks that elapsed on this node's clock while it was paused, due the moment it resumes. */
  owedTicks = 0;
  /** Writes this node proposed for clients, by op id. */
  readonly pendingWrites = new Map<string, number>();
  /** Read contexts accepted by this node and not yet answered. */
  readonly pendingReads = new Set<string>();
  /** ReadStates waiting for the applied index to catch up. */
  readyReads: { ctx: string; index: LogIndex }[] = [];
  /** Highest commit index already reported to the checker. */
  checkedCommit: LogIndex = 0;
  lastLeaderTerm = -1;

  constructor(
    readonly id: NodeId,
    readonly disk: Disk,
    private readonly opts: SimOptions,
    private readonly rng: SeededRng,
    readonly tickRate: number,
  ) {}

  static create(id: NodeId, confState: ConfState | undefined, opts: SimOptions, rng: SeededRng): SimNode {
    const storage = confState === undefined ? new SimStorage() : new SimStorage(bootstrapSnapshot(confState));
    if (confState !== undefined) storage.setHardState(bootstrapHardState);
    const disk: Disk = { storage, app: initialAppState(confState ?? emptyConfState) };
    storage.app = () => disk.app;
    const rate = 1 - rng.float() * opts.clockDriftMax;
    const node = new SimNode(id, disk, opts, rng.fork(), rate);
    node.start();
    return node;
  }

  isUp(): boolean {
    return this.raw !== undefined;
  }

  isPaused(step: number): boolean {
    return this.pausedUntilStep > step;
  }

  /** Boots from disk alone, as a restarted process would. */
  start(): void {
    const o = this.opts;
    this.raw = new RawNode(
      {
        id: this.id,
        rng: this.rng.fork(),
        electionTimeoutTicks: o.electionTimeoutTicks,
        heartbeatIntervalTicks: o.heartbeatIntervalTicks,
        appliedIndex: this.disk.app.appliedIndex,
        preVote: o.preVote,
        checkQuorum: o.checkQuorum,
        leaseReads: o.leaseReads,
        leaseDriftMarginTicks: o.leaseDriftMarginTicks,
        quiesce: o.quiesce,
        appendBytesMax: o.appendBytesMax,
        inflightMessagesMax: o.inflightMessagesMax,
        uncommittedBytesMax: o.uncommittedBytesMax,
        testingKnobs: o.knobs,
      },
      this.disk.storage,
    );
    this.checkedCommit = this.raw.raft.log.committed;
    this.lastLeaderTerm = -1;
    this.tickAccumulator = 0;
    this.owedTicks = 0;
  }

  crash(): void {
    this.raw = undefined;
    this.pendingWrites.clear();
    this.pendingReads.clear();
    this.readyReads = [];
  }

  /** How many ticks this node's clock produces in one global tick (clock drift). */
  ticksDue(): number {
    this.tickAccumulator += this.tickRate;
    let n = 0;
    while (this.tickAccumulator >= 1) {
      this.tickAccumulator -= 1;
      n++;
    }
    return n;
  }

  /**
   * Processes one Ready per the contract: persist → send → apply → advance. `crashAt` interrupts it
   * the way a power cut would; `send` returns nothing and may drop messages.
   */
  handleReady(rd: Ready, crashAt: CrashPoint, send: (rd: Ready) => void, onPersisted: (rd: Ready) => void): ReadyEffects {
    const raw = this.raw;
    if (raw === undefined) throw new Error('handleReady on a down node');
    // 1. One atomic durable write. An incoming snapshot replaces log and state machine together.
    const { storage } = this.disk;
    if (rd.snapshot !== undefined) {
      storage.applySnapshot(rd.snapshot);
      this.disk.app = decodeApp(rd.snapshot.data);
    }
    storage.append(rd.entries);
    if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
    onPersisted(rd);
    if (crashAt === 'afterPersist') {
      this.crash();
      return { applied: [], crashed: true };
    }
    // 2. Messages may leave now that what they promise is durable.
    send(rd);
    if (crashAt === 'afterSend') {
      this.crash();
      return { applied: [], crashed: true };
    }
    // 3. Apply, then record the applied state atomically.
    let app = this.disk.app;
    const applied: AppliedEntry[] = [];
    for (const e of rd.committedEntries) {
      if (e.index <= app.appliedIndex) continue;
      let { register, confState, confIndex } = app;
      if (e.type === 'confChange') {
        confState = raw.applyConfChange(decodeConfChange(e.data));
        confIndex = e.index;
        storage.setConfState(confState);
      } else if (e.data.length > 0) {
        register = decoder.decode(e.data);
      }
      const hash = mix(mix(mix(app.hash, e.index), e.term), fnv1a(e.data));
      app = { appliedIndex: e.index, hash, register, confState, confIndex };
      applied.push({ entry: e, hashAfter: hash });
    }
    this.disk.app = app;
    for (const rs of rd.readStates) this.readyReads.push({ ctx: rs.requestCtx, index: rs.index });
    raw.advance();
    return { applied, crashed: false };
  }

  /** Takes a snapshot of the applied state and compacts the log, keeping a tail for slow followers. */
  maybeSnapshot(keepTailEntries: number): Snapshot | undefined {
    const app = this.disk.app;
    const storage = this.disk.storage;
    if (app.appliedIndex <= storage.stored().metadata.index) return undefined;
    if (app.appliedIndex > storage.lastIndex()) return undefined;
    const snap = storage.createSnapshot(app.appliedIndex, app.confState, encodeApp(app));
    const compactTo = app.appliedIndex - keepTailEntries;
    if (compactTo >= storage.firstIndex()) storage.compact(compactTo);
    return snap;
  }

  /** Reads that can be served now: the applied index reached their read index. */
  takeServableReads(): { ctx: string; index: LogIndex }[] {
    const applied = this.disk.app.appliedIndex;
    const ready = this.readyReads.filter((r) => r.index <= applied);
    if (ready.length > 0) this.readyReads = this.readyReads.filter((r) => r.index > applied);
    return ready;
  }

  members(): Set<NodeId> {
    const cs = this.disk.app.confState;
    return new Set([...cs.voters, ...cs.votersOutgoing, ...cs.learners]);
  }

  randomChance(p: number): boolean {
    return this.rng.chance(p);
  }
}
