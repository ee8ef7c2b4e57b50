/**
 * Core value types of the Raft state machine.
 *
 * Replica ids are branded so that a replica id is never confused with a store id or range id at
 * the layers above. Terms and log indexes stay plain numbers: the protocol does arithmetic on them
 * on every line (index + 1, term comparisons), and a brand would turn each into a cast that hides
 * more than it protects. Both are safe integers: 2^53 entries at a million per second is 285 years.
 */

/** Identifies one replica (one member) of a raft group. Positive; 0 is reserved for "none". */
export type NodeId = number & { readonly __brand: 'NodeId' };
/** A raft term. Monotonic per node. */
export type Term = number;
/** A position in the raft log; the first real entry has index 1. */
export type LogIndex = number;

export const NoNode = 0 as NodeId;

export function nodeId(value: number): NodeId {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`node id must be a positive safe integer, got ${value}`);
  }
  return value as NodeId;
}

/** `normal` carries application data (possibly empty: a new leader's no-op); `confChange` carries an encoded ConfChange. */
export type EntryType = 'normal' | 'confChange';

export interface Entry {
  readonly term: Term;
  readonly index: LogIndex;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** Bytes an entry is charged for in size limits: its payload plus a fixed header estimate. */
export const entryOverheadBytes = 24;
export function entrySizeBytes(entry: Entry): number {
  return entry.data.byteLength + entryOverheadBytes;
}

/** State that must be durable before any message that depends on it leaves the node. */
export interface HardState {
  readonly term: Term;
  /** The node voted for in `term`, or NoNode. */
  readonly vote: NodeId;
  readonly commit: LogIndex;
}

export const emptyHardState: HardState = Object.freeze({ term: 0, vote: NoNode, commit: 0 });

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === NoNode && hs.commit === 0;
}

export function hardStateEquals(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/**
 * Membership of a group. Outside a joint configuration `votersOutgoing` is empty. `learnersNext`
 * holds voters of the outgoing config that become learners when the joint config is left (they
 * cannot be learners and voters at once).
 */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly votersOutgoing: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly learnersNext: readonly NodeId[];
  /** When true the leader proposes leaving the joint config as soon as it is committed. */
  readonly autoLeave: boolean;
}

export const emptyConfState: ConfState = Object.freeze({
  voters: [],
  votersOutgoing: [],
  learners: [],
  learnersNext: [],
  autoLeave: false,
});

export interface SnapshotMetadata {
  readonly index: LogIndex;
  readonly term: Term;
  readonly confState: ConfState;
}

/**
 * A point-in-time image of the state machine at `metadata.index`. `data` is opaque to the core: the
 * simulator puts the whole state in it; the node puts a small descriptor there and streams the
 * range's data on a separate call.
 */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

export const emptySnapshot: Snapshot = Object.freeze({
  metadata: Object.freeze({ index: 0, term: 0, confState: emptyConfState }),
  data: new Uint8Array(0),
});

export function isEmptySnapshot(s: Snapshot): boolean {
  return s.metadata.index === 0;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state reported to the application when it changes. */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

/** A linearizable read became safe: once applied ≥ index, the read may be served from the state machine. */
export interface ReadState {
  readonly index: LogIndex;
  readonly requestCtx: string;
}
