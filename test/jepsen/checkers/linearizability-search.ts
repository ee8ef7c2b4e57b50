/**
 * A WGL-style linearizability search (Wing & Gong, with Lowe's memoization as in Knossos and
 * Porcupine), over one object whose states are small integers.
 *
 * The history is a doubly linked list of call and return entries in real-time order. The search
 * walks the list from its head: a call entry is a candidate to take effect next; if the model
 * accepts it and the pair (set of ops already linearized, resulting state) has not been seen
 * before, it is "lifted" out of the list (call and return) and the walk restarts at the head.
 * Reaching the return entry of an op that is not linearized means every op invoked so far that
 * could go next has been tried: backtrack. The memo of (linearized set, state) pairs is what keeps
 * this from being exponential on ordinary histories; the set is a bitset with an incremental
 * Zobrist hash, and the memo compares bitsets exactly on a hash match, so a collision can cost
 * time but never a wrong verdict.
 *
 * Optional ops are those whose outcome is unknown (`info`): each either takes effect once
 * somewhere between its call and its return rank, or never. "Never" is modelled as a no-op
 * resolution performed when the walk reaches the op's return entry, which is as late as a no-op
 * can be placed and so loses no generality.
 *
 * Pure: no I/O, no clock, no randomness beyond a fixed-seed hash table.
 */
import { invariant } from '../check-assert.js';

export interface SearchOp {
  /** Real-time rank of the invoke (e.g. the event's position in the history). */
  readonly callRank: number;
  /** Rank of the completion; may be Infinity. Must be greater than callRank. */
  readonly returnRank: number;
  /** Optional ops may be resolved as never having taken effect. */
  readonly optional: boolean;
  /**
   * The op never changes the state where it can take effect (a read). A determinate read-only op
   * that can take effect now may as well take effect now: any linearization from here can be
   * reordered to start with it. So it is taken without leaving a choice point to backtrack into,
   * which prunes most of the search on read-heavy histories.
   */
  readonly readOnly: boolean;
}

export interface SearchModel {
  readonly initialState: number;
  /** The state after op `opIndex` takes effect in `state`, or null if it cannot take effect there. */
  step(state: number, opIndex: number): number | null;
  /** Bookkeeping for `starvedOp`: an op was resolved (took effect, or not), or that was undone. */
  resolve?(opIndex: number, tookEffect: boolean): void;
  unresolve?(opIndex: number, tookEffect: boolean): void;
  /**
   * A determinate op, not yet resolved, that can never take effect any more from `state` given
   * the ops resolved so far (say a read of a value that is not held and that no remaining op can
   * write), or -1. Lets the search abandon a branch as soon as it is doomed instead of when the
   * walk reaches that op's completion, which on wide histories is the difference between
   * milliseconds and an exhausted budget.
   */
  starvedOp?(state: number): number;
}

export interface SearchLimits {
  /** Most (linearized set, state) pairs memoized before giving up with 'budget-exhausted'. */
  readonly maxStates: number;
}

export interface ResolvedStep {
  readonly op: number;
  /** False for an optional op resolved as never having taken effect. */
  readonly tookEffect: boolean;
  readonly stateAfter: number;
}

/** Where the search got furthest before every continuation failed. */
export interface DeadEnd {
  /** The longest sequence of resolved ops from which no continuation was found. */
  readonly prefix: readonly ResolvedStep[];
  readonly state: number;
  /**
   * 'completed': `blocking` is a determinate op whose completion came before it could take effect.
   * 'starved': `blocking` is a determinate op that can no longer take effect at all.
   */
  readonly why: 'completed' | 'starved';
  readonly blocking: number;
  /** Ops invoked by then (before the first pending completion) and not yet resolved, and `blocking`. */
  readonly candidates: readonly number[];
}

export type SearchResult =
  | { readonly kind: 'linearizable'; readonly linearization: readonly ResolvedStep[]; readonly statesExplored: number }
  | { readonly kind: 'not-linearizable'; readonly deadEnd: DeadEnd; readonly statesExplored: number }
  | { readonly kind: 'budget-exhausted'; readonly statesExplored: number };

const NONE = -1;
const FULL_WORD = 0xffffffff;
/** A choice point: after undoing it, the walk resumes at the next candidate. */
const FRAME_APPLY = 0;
/** Forced moves, after which undoing keeps unwinding: a read-only op taken as soon as it can go… */
const FRAME_FORCED_READ = 1;
/** …and an optional op resolved as a no-op at its return entry. */
const FRAME_FORCED_SKIP = 2;

/** splitmix32: a fixed-seed generator for the Zobrist keys, so runs are reproducible. */
function zobristKeys(count: number, seed: number): Uint32Array {
  const keys = new Uint32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    keys[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return keys;
}

interface MemoEntry {
  readonly state: number;
  /** Words below `low` are all ones and words above `low + bits.length - 1` all zeros. */
  readonly low: number;
  readonly bits: Uint32Array;
}

export function searchLinearization(ops: readonly SearchOp[], model: SearchModel, limits: SearchLimits): SearchResult {
  const opCount = ops.length;
  invariant(limits.maxStates > 0, 'maxStates must be positive');

  // Entries: call of op i is 2i, return is 2i+1; the head sentinel is 2n.
  const entryCount = 2 * opCount;
  const head = entryCount;
  const order: number[] = [];
  for (let entry = 0; entry < entryCount; entry++) order.push(entry);
  const rankOf = (entry: number): number => {
    const op = ops[entry >> 1];
    invariant(op !== undefined, 'entry out of range');
    return (entry & 1) === 0 ? op.callRank : op.returnRank;
  };
  for (const op of ops) {
    invariant(op.returnRank > op.callRank, () => `op returns (rank ${op.returnRank}) before it is called (rank ${op.callRank})`);
  }
  order.sort((a, b) => {
    const ra = rankOf(a);
    const rb = rankOf(b);
    if (ra !== rb) return ra < rb ? -1 : 1;
    // Equal ranks only happen for Infinity returns, or callers using times: calls go first so
    // that ops meeting at an instant count as concurrent.
    return (a & 1) - (b & 1) || a - b;
  });
  const next = new Int32Array(entryCount + 1).fill(NONE);
  const prev = new Int32Array(entryCount + 1).fill(NONE);
  let last = head;
  for (const entry of order) {
    next[last] = entry;
    prev[entry] = last;
    last = entry;
  }

  const at = (array: Int32Array, i: number): number => {
    const value = array[i];
    invariant(value !== undefined, 'link out of range');
    return value;
  };
  const lift = (op: number): void => {
    const call = 2 * op;
    const ret = call + 1;
    next[at(prev, call)] = at(next, call);
    prev[at(next, call)] = at(prev, call);
    next[at(prev, ret)] = at(next, ret);
    if (at(next, ret) !== NONE) prev[at(next, ret)] = at(prev, ret);
  };
  const unlift = (op: number): void => {
    const call = 2 * op;
    const ret = call + 1;
    next[at(prev, ret)] = ret;
    if (at(next, ret) !== NONE) prev[at(next, ret)] = ret;
    next[at(prev, call)] = call;
    prev[at(next, call)] = call;
  };

  // The linearized set: a bitset with a running Zobrist hash and bounds on its all-ones prefix
  // and its last non-zero word, so memo entries store only the interesting middle.
  const wordCount = Math.ceil(opCount / 32);
  const words = new Uint32Array(wordCount);
  const zobristA = zobristKeys(opCount, 0x1234567);
  const zobristB = zobristKeys(opCount, 0x7654321);
  let hashA = 0;
  let hashB = 0;
  let lowHint = 0;
  let highWord = -1;
  const setBit = (op: number): void => {
    const w = op >>> 5;
    words[w] = ((words[w] ?? 0) | (1 << (op & 31))) >>> 0;
    hashA = (hashA ^ (zobristA[op] ?? 0)) >>> 0;
    hashB = (hashB ^ (zobristB[op] ?? 0)) >>> 0;
    if (w > highWord) highWord = w;
  };
  const clearBit = (op: number): void => {
    const w = op >>> 5;
    words[w] = ((words[w] ?? 0) & ~(1 << (op & 31))) >>> 0;
    hashA = (hashA ^ (zobristA[op] ?? 0)) >>> 0;
    hashB = (hashB ^ (zobristB[op] ?? 0)) >>> 0;
    if (w < lowHint) lowHint = w;
    while (highWord >= 0 && words[highWord] === 0) highWord--;
  };

  const memo = new Map<number, MemoEntry[]>();
  let statesExplored = 0;
  /** Records (current set, state) in the memo; false if it was already there. */
  const remember = (state: number): boolean => {
    while (lowHint < wordCount && words[lowHint] === FULL_WORD) lowHint++;
    const low = lowHint;
    const length = Math.max(0, highWord - low + 1);
    const mixed = (hashA ^ Math.imul(state + 1, 0x9e3779b1)) >>> 0;
    const memoKey = mixed * 0x200000 + (hashB >>> 11);
    const bucket = memo.get(memoKey);
    if (bucket !== undefined) {
      for (const entry of bucket) {
        if (entry.state !== state || entry.low !== low || entry.bits.length !== length) continue;
        let same = true;
        for (let i = 0; i < length; i++) {
          if (entry.bits[i] !== words[low + i]) {
            same = false;
            break;
          }
        }
        if (same) return false;
      }
    }
    const stored: MemoEntry = { state, low, bits: words.slice(low, low + length) };
    if (bucket === undefined) memo.set(memoKey, [stored]);
    else bucket.push(stored);
    statesExplored++;
    return true;
  };

  // The stack of resolved ops, with the state before each.
  const stackOp = new Int32Array(opCount);
  const stackStateBefore = new Float64Array(opCount);
  const stackKind = new Uint8Array(opCount);
  let depth = 0;
  let state = model.initialState;
  // Held in an object because closures update it (keeps the type checker's narrowing honest).
  const found: { deadEnd: DeadEnd | null } = { deadEnd: null };

  const resolvedSteps = (): ResolvedStep[] => {
    const steps: ResolvedStep[] = [];
    for (let i = 0; i < depth; i++) {
      const stateAfter = i + 1 < depth ? (stackStateBefore[i + 1] ?? NONE) : state;
      steps.push({ op: stackOp[i] ?? NONE, tookEffect: stackKind[i] !== FRAME_FORCED_SKIP, stateAfter });
    }
    return steps;
  };
  const noteDeadEnd = (why: DeadEnd['why'], blocking: number): void => {
    if (found.deadEnd !== null && found.deadEnd.prefix.length >= depth) return;
    const candidates: number[] = [];
    for (let entry = at(next, head); entry !== NONE && (entry & 1) === 0; entry = at(next, entry)) {
      candidates.push(entry >> 1);
    }
    if (!candidates.includes(blocking)) candidates.push(blocking);
    found.deadEnd = { prefix: resolvedSteps(), state, why, blocking, candidates };
  };
  /** Resolves `op` (its bit is already set and remembered); false if that starves another op. */
  const resolveOp = (op: number, kind: number, stateAfter: number): boolean => {
    stackOp[depth] = op;
    stackStateBefore[depth] = state;
    stackKind[depth] = kind;
    depth++;
    state = stateAfter;
    lift(op);
    model.resolve?.(op, kind !== FRAME_FORCED_SKIP);
    const starved = model.starvedOp?.(state) ?? NONE;
    if (starved === NONE) return true;
    noteDeadEnd('starved', starved);
    return false;
  };

  let entry = at(next, head);
  while (at(next, head) !== NONE) {
    if (statesExplored >= limits.maxStates) {
      return { kind: 'budget-exhausted', statesExplored };
    }
    invariant(entry !== NONE, 'walked off the end of a non-empty entry list');
    const op = entry >> 1;
    const searchOp = ops[op];
    invariant(searchOp !== undefined, 'entry names no op');
    if ((entry & 1) === 0) {
      const forced = searchOp.readOnly && !searchOp.optional;
      const stateAfter = model.step(state, op);
      if (stateAfter === null) {
        entry = at(next, entry);
        continue;
      }
      invariant(!forced || stateAfter === state, 'a read-only op changed the state');
      setBit(op);
      if (remember(stateAfter)) {
        if (resolveOp(op, forced ? FRAME_FORCED_READ : FRAME_APPLY, stateAfter)) {
          entry = at(next, head);
          continue;
        }
      } else {
        clearBit(op);
        // A read-only op that could go now but whose successor configuration already failed:
        // this configuration fails too. Any other op: try the next candidate.
        if (!forced) {
          entry = at(next, entry);
          continue;
        }
      }
    } else if (searchOp.optional) {
      // The return entry of an optional op not yet resolved: resolve it as a no-op.
      setBit(op);
      if (remember(state)) {
        if (resolveOp(op, FRAME_FORCED_SKIP, state)) {
          entry = at(next, head);
          continue;
        }
      } else {
        clearBit(op);
      }
    } else {
      // The return entry of a determinate op not yet linearized.
      noteDeadEnd('completed', op);
    }
    // Backtrack: undo the most recent choice and try the next candidate after it. Forced moves
    // leave nothing else to try at their level: a no-op resolution happens at a return entry,
    // after every candidate was tried, and a read-only op would have been taken first by any
    // linearization. So undoing one keeps unwinding.
    let resumed = false;
    while (depth > 0) {
      depth--;
      const undone = stackOp[depth] ?? NONE;
      const kind = stackKind[depth] ?? FRAME_APPLY;
      state = stackStateBefore[depth] ?? NONE;
      unlift(undone);
      clearBit(undone);
      model.unresolve?.(undone, kind !== FRAME_FORCED_SKIP);
      if (kind === FRAME_APPLY) {
        entry = at(next, 2 * undone);
        resumed = true;
        break;
      }
    }
    if (!resumed) {
      const deadEnd = found.deadEnd;
      invariant(deadEnd !== null, 'search failed without a dead end');
      return { kind: 'not-linearizable', deadEnd, statesExplored };
    }
  }

  return { kind: 'linearizable', linearization: resolvedSteps(), statesExplored };
}
