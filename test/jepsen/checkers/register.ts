/**
 * Linearizability of read/write/compare-and-swap registers, one register per `key`.
 *
 * Operations (see history.ts for the event format):
 *   f "read"   invoke value null (ignored); `ok` value = the value read, null if the key has none.
 *   f "write"  value = the value written.
 *   f "cas"    value = [expected, new]; `ok` means it swapped, `fail` that it certainly did not.
 *              A `fail` with `mismatch: true` says why: the compare did not match; `current`, when
 *              present, is the value the database found instead.
 * A register starts as null. Values are any JSON and compare by content.
 *
 * Keys are checked independently (linearizability is compositional). Within a key:
 * - a plain `fail` (no `mismatch`) took no effect and told us nothing (a refusal on a minority
 *   side, a connection refused): it is dropped;
 * - a cas `fail` with `mismatch` took no effect either, but it observed the register, so it is a
 *   read that takes effect at one point between its invoke and its completion:
 *   - with `current` recorded, a read of exactly that value. We take this stronger reading: the
 *     databases under test decide the compare where the cas linearizes (rangekv in its state
 *     machine, at apply; the in-memory and fake stores atomically) and report the value they
 *     compared against, so it is as much an observation as a read's, and a wrong one (a stale
 *     value, a lost write) is caught even when it differs from `expected`. A client that cannot
 *     vouch for the value found must leave `current` out. A `current` equal to `expected`
 *     contradicts the mismatch: no value of the register explains it, so the op can never take
 *     effect and the key is not linearizable;
 *   - without `current`, a predicate read: the register held some value other than `expected`.
 *   So a cas wrongly answering "not swapped" is caught: `write 1; cas [1,2] → fail mismatch` with
 *   nothing concurrent has no point where the register differs from 1.
 * - `info` reads are dropped (they changed nothing and told us nothing);
 * - an `info` write or cas may take effect once, at any time after its invoke, or never. It is only
 *   worth placing before the last completion of an op that could observe its value: a read of that
 *   value, a cas expecting it, a mismatch that found it, or a mismatch without `current` whose
 *   expected value is any other (any other value satisfies it). After that its value is never
 *   observed again, so it could equally have never happened. An info op whose value nobody could
 *   observe is dropped, and the others get that last completion as their deadline. This bounds the
 *   window in which unknown outcomes multiply the search, without changing the verdict.
 */
import { HistoryError, locateOperation, type History, type Operation } from '../history.js';
import { canonicalJson, isJsonArray, type JsonValue } from '../json-value.js';
import { formatJson, formatOperationRef, toOperationRef, type OperationRef } from '../operation-ref.js';
import { combineVerdicts, verdictWord, type CheckReport, type Verdict } from '../verdict.js';
import { searchLinearization, type SearchModel, type SearchOp } from './linearizability-search.js';

export interface RegisterCheckOptions {
  /** Search budget per key, in memoized (linearized set, state) pairs. */
  readonly maxStatesPerKey?: number;
  /** How many linearized ops before the dead end to show in a failure. */
  readonly failureTailLength?: number;
}

export const REGISTER_MAX_STATES_PER_KEY_DEFAULT = 1_000_000;
const FAILURE_TAIL_LENGTH_DEFAULT = 6;

type RegisterOpKind =
  | { readonly f: 'read'; readonly value: JsonValue }
  | { readonly f: 'write'; readonly value: JsonValue }
  | { readonly f: 'cas'; readonly expected: JsonValue; readonly value: JsonValue };

interface RegisterOp {
  readonly op: Operation;
  readonly kind: RegisterOpKind;
}

export interface RegisterStep {
  readonly op: OperationRef;
  /** False when an info op was resolved as never having taken effect. */
  readonly tookEffect: boolean;
  readonly valueAfter: JsonValue;
}

export interface RegisterCandidate {
  readonly op: OperationRef;
  /** Why it cannot be the next to take effect, in words. */
  readonly reason: string;
}

/**
 * The window where the search died: the longest prefix it could linearize, the register's value
 * there, and every op that was invoked by then but cannot go next, including the one whose
 * completion was reached first (`blocking`).
 */
export interface RegisterFailure {
  /**
   * 'completed': `blocking` completed before it could take effect;
   * 'starved': `blocking` needs a value that is not held and that no op left can write.
   */
  readonly why: 'completed' | 'starved';
  readonly linearizedCount: number;
  readonly checkedCount: number;
  readonly tail: readonly RegisterStep[];
  readonly value: JsonValue;
  /** Every op pending at the dead end, `blocking` included, with why it cannot go next. */
  readonly candidates: readonly RegisterCandidate[];
  readonly blocking: OperationRef;
  /** The value `blocking` needs and every op that writes it, whatever its outcome. */
  readonly needed: { readonly value: JsonValue; readonly writers: readonly OperationRef[] } | null;
}

export interface RegisterKeyResult {
  readonly key: string | null;
  readonly verdict: Verdict;
  /** All ops on this key, whatever their outcome. */
  readonly operationCount: number;
  readonly infoCount: number;
  readonly failCount: number;
  /** Of `failCount`, the cas fails on a mismatch: checked as reads (see the module comment). */
  readonly mismatchCount: number;
  /** Info ops left out because their effect could never be observed (see the module comment). */
  readonly droppedInfoCount: number;
  /** Ops that took part in the search. */
  readonly checkedCount: number;
  readonly statesExplored: number;
  readonly failure: RegisterFailure | null;
}

export interface RegisterCheckResult {
  readonly model: 'register';
  readonly verdict: Verdict;
  readonly operationCount: number;
  readonly maxStatesPerKey: number;
  readonly keys: readonly RegisterKeyResult[];
}

function parseRegisterOp(history: History, op: Operation): RegisterOp {
  const where = locateOperation(history, op);
  if (op.completion.mismatch === true && op.f !== 'cas') {
    throw new HistoryError('BAD_VALUE', null, `${where}: "mismatch" is meaningful on a cas only, not on ${op.f}`);
  }
  switch (op.f) {
    case 'read':
      return { op, kind: { f: 'read', value: op.outcome === 'ok' ? op.completion.value : null } };
    case 'write': {
      const value = op.invoke.value;
      if (op.outcome === 'ok' && op.completion.value !== null && canonicalJson(op.completion.value) !== canonicalJson(value)) {
        throw new HistoryError('BAD_VALUE', null, `${where}: write of ${formatJson(value)} completed ok with a different value ${formatJson(op.completion.value)}`);
      }
      return { op, kind: { f: 'write', value } };
    }
    case 'cas': {
      const pair = op.invoke.value;
      if (!isJsonArray(pair) || pair.length !== 2) {
        throw new HistoryError('BAD_VALUE', null, `${where}: cas value must be [expected, new], got ${formatJson(pair)}`);
      }
      return { op, kind: { f: 'cas', expected: pair[0] ?? null, value: pair[1] ?? null } };
    }
    default:
      throw new HistoryError('UNKNOWN_F', null, `${where}: the register model knows f "read", "write" and "cas", not "${op.f}"`);
  }
}

/** Interns JSON values as small integers; 0 is null, the initial value. */
class ValueTable {
  private readonly ids = new Map<string, number>([['null', 0]]);
  private readonly values: JsonValue[] = [null];

  idOf(value: JsonValue): number {
    const text = canonicalJson(value);
    const known = this.ids.get(text);
    if (known !== undefined) return known;
    const id = this.values.length;
    this.ids.set(text, id);
    this.values.push(value);
    return id;
  }

  valueOf(id: number): JsonValue {
    return this.values[id] ?? null;
  }
}

/** What an op needs the register to hold where it takes effect. */
type Observation =
  | { readonly kind: 'none' }
  /** An ok read. */
  | { readonly kind: 'read'; readonly value: JsonValue }
  /** A cas that swapped, or may have (info). */
  | { readonly kind: 'expects'; readonly value: JsonValue }
  /** A cas fail on a mismatch that recorded the value found. */
  | { readonly kind: 'found'; readonly value: JsonValue }
  /** A cas fail on a mismatch without the value found: anything but `value` (its expected). */
  | { readonly kind: 'not'; readonly value: JsonValue }
  /** A cas fail on a mismatch that reports finding the very value it expected. */
  | { readonly kind: 'contradiction'; readonly value: JsonValue };

interface PreparedOp {
  readonly source: RegisterOp;
  readonly observation: Observation;
  readonly search: SearchOp;
  /** The state it must find: reads, cas, mismatches that found a value; -1 for any. */
  readonly requiresState: number;
  /** The state it must not find (a mismatch without `current`: its expected); -1 for none. */
  readonly excludesState: number;
  /** For writes and cas: the state after; -1 for reads. */
  readonly producesState: number;
  /** For writes and cas: the value id written (before merging unread values); -1 for reads. */
  readonly writtenValueId: number;
}

/**
 * Every value that no op reads, expects, finds or rules out behaves the same in the search:
 * nothing can follow it but another write, and every mismatch without `current` accepts it. They
 * share one state, so the memo does not tell apart the orders in which unread writes could have
 * landed.
 */
const UNREAD_STATE = -2;
/** Required by a self-contradictory mismatch: no value id maps to it, no op produces it. */
const IMPOSSIBLE = -3;

/**
 * The register as a search model, with the bookkeeping that lets the search cut a branch as soon
 * as some determinate op can never take effect any more: a read or cas needs a value that is not
 * held and that no unresolved op can write, or a mismatch needs anything but the value held and
 * every unresolved op writes that value again (or none is left).
 */
function makeRegisterModel(prepared: readonly PreparedOp[], initialState: number): SearchModel {
  const producersLeft = new Map<number, number>();
  const requirersLeft = new Map<number, number>();
  const requirers = new Map<number, number[]>();
  // Every unresolved producer, of any state (UNREAD_STATE included), for the mismatches.
  let producersLeftTotal = 0;
  const excludersLeft = new Map<number, number>();
  const excluders = new Map<number, number[]>();
  const resolved = new Uint8Array(prepared.length);
  prepared.forEach((p, index) => {
    if (p.producesState >= 0) producersLeft.set(p.producesState, (producersLeft.get(p.producesState) ?? 0) + 1);
    if (p.producesState !== -1) producersLeftTotal++;
    if (p.requiresState !== -1 && !p.search.optional) {
      requirersLeft.set(p.requiresState, (requirersLeft.get(p.requiresState) ?? 0) + 1);
      const list = requirers.get(p.requiresState) ?? [];
      list.push(index);
      requirers.set(p.requiresState, list);
    }
    if (p.excludesState !== -1) {
      excludersLeft.set(p.excludesState, (excludersLeft.get(p.excludesState) ?? 0) + 1);
      const list = excluders.get(p.excludesState) ?? [];
      list.push(index);
      excluders.set(p.excludesState, list);
    }
  });
  // Values some determinate op still needs and no unresolved op can produce.
  const starved = new Set<number>();
  const refresh = (value: number): void => {
    if ((producersLeft.get(value) ?? 0) === 0 && (requirersLeft.get(value) ?? 0) > 0) starved.add(value);
    else starved.delete(value);
  };
  for (const value of requirersLeft.keys()) refresh(value);
  const adjust = (index: number, delta: number): void => {
    const p = prepared[index];
    if (p === undefined) return;
    if (p.producesState >= 0) {
      producersLeft.set(p.producesState, (producersLeft.get(p.producesState) ?? 0) + delta);
      refresh(p.producesState);
    }
    if (p.producesState !== -1) producersLeftTotal += delta;
    if (p.requiresState !== -1 && !p.search.optional) {
      requirersLeft.set(p.requiresState, (requirersLeft.get(p.requiresState) ?? 0) + delta);
      refresh(p.requiresState);
    }
    if (p.excludesState !== -1) excludersLeft.set(p.excludesState, (excludersLeft.get(p.excludesState) ?? 0) + delta);
    resolved[index] = delta < 0 ? 1 : 0;
  };
  return {
    initialState,
    step: (state, index) => {
      const p = prepared[index];
      if (p === undefined) return null;
      if (p.requiresState !== -1 && p.requiresState !== state) return null;
      if (p.excludesState !== -1 && p.excludesState === state) return null;
      return p.producesState === -1 ? state : p.producesState;
    },
    resolve: (index) => adjust(index, -1),
    unresolve: (index) => adjust(index, +1),
    starvedOp: (state) => {
      // A mismatch that needs anything but the value held, when nothing left can write another.
      if ((excludersLeft.get(state) ?? 0) > 0 && producersLeftTotal === (producersLeft.get(state) ?? 0)) {
        for (const index of excluders.get(state) ?? []) {
          if (resolved[index] === 0) return index;
        }
      }
      if (starved.size === 0 || (starved.size === 1 && starved.has(state))) return -1;
      for (const value of starved) {
        if (value === state) continue;
        for (const index of requirers.get(value) ?? []) {
          if (resolved[index] === 0) return index;
        }
      }
      return -1;
    },
  };
}

/** What `source` needs the register to hold (see the module comment). */
function observationOf(source: RegisterOp): Observation {
  const { op, kind } = source;
  switch (kind.f) {
    case 'read':
      return op.outcome === 'ok' ? { kind: 'read', value: kind.value } : { kind: 'none' };
    case 'write':
      return { kind: 'none' };
    case 'cas': {
      if (op.outcome !== 'fail') return { kind: 'expects', value: kind.expected };
      if (op.completion.mismatch !== true) return { kind: 'none' };
      const current = op.completion.current;
      if (current === undefined) return { kind: 'not', value: kind.expected };
      if (canonicalJson(current) === canonicalJson(kind.expected)) return { kind: 'contradiction', value: current };
      return { kind: 'found', value: current };
    }
  }
}

/** Why an op whose observation does not hold in the register's value `held` cannot go next. */
function mismatchReason(observation: Observation, held: JsonValue): string {
  switch (observation.kind) {
    case 'read':
      return `read ${formatJson(observation.value)}, but the register holds ${formatJson(held)}`;
    case 'expects':
      return `expects ${formatJson(observation.value)}, but the register holds ${formatJson(held)}`;
    case 'found':
      return `failed on a mismatch having found ${formatJson(observation.value)}, but the register holds ${formatJson(held)}`;
    case 'not':
      return `failed on a mismatch, so the register did not hold ${formatJson(observation.value)}, but it holds ${formatJson(held)}`;
    case 'contradiction':
      return `failed on a mismatch yet found ${formatJson(observation.value)}, the value it expected: no value of the register explains that`;
    case 'none':
      return `cannot take effect while the register holds ${formatJson(held)}`;
  }
}

function checkKey(key: string | null, registerOps: readonly RegisterOp[], maxStates: number, tailLength: number): RegisterKeyResult {
  const table = new ValueTable();
  let infoCount = 0;
  let failCount = 0;
  let mismatchCount = 0;
  interface Candidate {
    readonly source: RegisterOp;
    readonly observation: Observation;
    /** The value id it must find, IMPOSSIBLE if none will do, -1 for any. */
    readonly requiresId: number;
    /** The value id it must not find, -1 for none. */
    readonly excludesId: number;
    readonly producesId: number;
  }
  const candidates: Candidate[] = [];
  // The last completion rank among ops that need each value: the deadline for info ops producing it.
  const neededUntil = new Map<number, number>();
  const need = (id: number, rank: number): void => {
    neededUntil.set(id, Math.max(neededUntil.get(id) ?? -Infinity, rank));
  };
  // The same for mismatches without `current`, by expected value id: any OTHER value satisfies them.
  const excludedUntil = new Map<number, number>();
  for (const source of registerOps) {
    const { op, kind } = source;
    const observation = observationOf(source);
    if (op.outcome === 'fail') failCount++;
    if (op.outcome === 'info') infoCount++;
    const returnRank = op.outcome === 'info' ? Infinity : op.completionPosition;
    switch (observation.kind) {
      case 'none':
        // A write, or what told us nothing: an info read, a plain fail.
        if (kind.f === 'write' && op.outcome !== 'fail') {
          candidates.push({ source, observation, requiresId: -1, excludesId: -1, producesId: table.idOf(kind.value) });
        }
        break;
      case 'read':
      case 'found': {
        if (observation.kind === 'found') mismatchCount++;
        const id = table.idOf(observation.value);
        need(id, returnRank);
        candidates.push({ source, observation, requiresId: id, excludesId: -1, producesId: -1 });
        break;
      }
      case 'not': {
        mismatchCount++;
        const id = table.idOf(observation.value);
        excludedUntil.set(id, Math.max(excludedUntil.get(id) ?? -Infinity, returnRank));
        candidates.push({ source, observation, requiresId: -1, excludesId: id, producesId: -1 });
        break;
      }
      case 'contradiction':
        mismatchCount++;
        candidates.push({ source, observation, requiresId: IMPOSSIBLE, excludesId: -1, producesId: -1 });
        break;
      case 'expects': {
        if (kind.f !== 'cas') throw new Error('internal: only a cas expects');
        const expectedId = table.idOf(kind.expected);
        need(expectedId, returnRank);
        candidates.push({ source, observation, requiresId: expectedId, excludesId: -1, producesId: table.idOf(kind.value) });
        break;
      }
    }
  }
  const stateOf = (valueId: number): number => (neededUntil.has(valueId) || excludedUntil.has(valueId) ? valueId : UNREAD_STATE);
  // The latest mismatch (without `current`) that a write of `valueId` could satisfy: one whose
  // expected value differs. From the two latest by distinct expected value.
  let latestExcluded = { id: -1, rank: -Infinity };
  let secondExcludedRank = -Infinity;
  for (const [id, rank] of excludedUntil) {
    if (rank > latestExcluded.rank) {
      secondExcludedRank = latestExcluded.rank;
      latestExcluded = { id, rank };
    } else if (rank > secondExcludedRank) {
      secondExcludedRank = rank;
    }
  }
  const observableUntil = (valueId: number): number =>
    Math.max(neededUntil.get(valueId) ?? -Infinity, valueId === latestExcluded.id ? secondExcludedRank : latestExcluded.rank);

  const prepared: PreparedOp[] = [];
  let droppedInfoCount = 0;
  for (const { source, observation, requiresId, excludesId, producesId } of candidates) {
    const { op } = source;
    const base = {
      source,
      observation,
      requiresState: requiresId === -1 || requiresId === IMPOSSIBLE ? requiresId : stateOf(requiresId),
      excludesState: excludesId === -1 ? -1 : stateOf(excludesId),
      producesState: producesId === -1 ? -1 : stateOf(producesId),
      writtenValueId: producesId,
    };
    if (op.outcome !== 'info') {
      prepared.push({ ...base, search: { callRank: op.invokePosition, returnRank: op.completionPosition, optional: false, readOnly: producesId === -1 } });
      continue;
    }
    const deadline = observableUntil(producesId);
    if (deadline <= op.invokePosition) {
      droppedInfoCount++;
      continue;
    }
    prepared.push({ ...base, search: { callRank: op.invokePosition, returnRank: deadline, optional: true, readOnly: false } });
  }

  const result = searchLinearization(
    prepared.map((p) => p.search),
    makeRegisterModel(prepared, stateOf(0)),
    { maxStates },
  );

  const base = {
    key,
    operationCount: registerOps.length,
    infoCount,
    failCount,
    mismatchCount,
    droppedInfoCount,
    checkedCount: prepared.length,
    statesExplored: result.statesExplored,
  };
  switch (result.kind) {
    case 'linearizable':
      return { ...base, verdict: 'valid', failure: null };
    case 'budget-exhausted':
      return { ...base, verdict: 'unknown', failure: null };
    case 'not-linearizable': {
      const { deadEnd } = result;
      const refOf = (index: number): OperationRef => {
        const p = prepared[index];
        if (p === undefined) throw new Error(`internal: no prepared op ${index}`);
        return toOperationRef(p.source.op);
      };
      // Replay the prefix with real values (the search merged unread ones into one state).
      const valuesAfter: JsonValue[] = [];
      let heldId = 0;
      for (const step of deadEnd.prefix) {
        const p = prepared[step.op];
        if (p !== undefined && step.tookEffect && p.writtenValueId !== -1) heldId = p.writtenValueId;
        valuesAfter.push(table.valueOf(heldId));
      }
      const held = table.valueOf(heldId);
      const tailStart = Math.max(0, deadEnd.prefix.length - tailLength);
      const tail = deadEnd.prefix.slice(tailStart).map((step, i) => ({
        op: refOf(step.op),
        tookEffect: step.tookEffect,
        valueAfter: valuesAfter[tailStart + i] ?? null,
      }));
      const failureCandidates = deadEnd.candidates.map((index) => {
        const p = prepared[index];
        if (p === undefined) throw new Error(`internal: no prepared op ${index}`);
        let reason: string;
        const blocked = (p.requiresState !== -1 && p.requiresState !== deadEnd.state) || (p.excludesState !== -1 && p.excludesState === deadEnd.state);
        if (blocked) {
          reason = mismatchReason(p.observation, held);
        } else {
          reason = 'could take effect here, but no linearization continues from there';
        }
        if (index === deadEnd.blocking) {
          if (deadEnd.why === 'completed') reason += '; it completed before it could take effect';
          else if (p.observation.kind === 'not') reason += '; no op left can write another value, so it can never take effect';
          else if (p.observation.kind === 'contradiction') reason += ', so it can never take effect';
          else reason += '; no op left can write the value it needs, so it can never take effect';
        }
        return { op: refOf(index), reason };
      });
      const blocking = prepared[deadEnd.blocking];
      let needed: RegisterFailure['needed'] = null;
      const observation = blocking?.observation;
      if (observation !== undefined && (observation.kind === 'read' || observation.kind === 'expects' || observation.kind === 'found')) {
        const value = observation.value;
        const text = canonicalJson(value);
        const writers = registerOps
          .filter((r) => r.kind.f !== 'read' && canonicalJson(r.kind.value) === text)
          .map((r) => toOperationRef(r.op));
        needed = { value, writers };
      }
      return {
        ...base,
        verdict: 'invalid',
        failure: {
          needed,
          why: deadEnd.why,
          linearizedCount: deadEnd.prefix.length,
          checkedCount: prepared.length,
          tail,
          value: held,
          candidates: failureCandidates,
          blocking: refOf(deadEnd.blocking),
        },
      };
    }
  }
}

/** Checks every key's register history. Throws HistoryError on ops that do not fit the model. */
export function checkRegister(history: History, options: RegisterCheckOptions = {}): RegisterCheckResult {
  const maxStatesPerKey = options.maxStatesPerKey ?? REGISTER_MAX_STATES_PER_KEY_DEFAULT;
  const tailLength = options.failureTailLength ?? FAILURE_TAIL_LENGTH_DEFAULT;
  const byKey = new Map<string | null, RegisterOp[]>();
  for (const op of history.operations) {
    const registerOp = parseRegisterOp(history, op);
    const list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, [registerOp]);
    else list.push(registerOp);
  }
  const keys = [...byKey.entries()].map(([key, ops]) => checkKey(key, ops, maxStatesPerKey, tailLength));
  return {
    model: 'register',
    verdict: keys.length === 0 ? 'unknown' : combineVerdicts(keys.map((k) => k.verdict)),
    operationCount: history.operations.length,
    maxStatesPerKey,
    keys,
  };
}

function keyName(key: string | null): string {
  return key === null ? '(no key)' : JSON.stringify(key);
}

function describeRegisterOp(ref: OperationRef): string {
  switch (ref.f) {
    case 'read':
      return formatOperationRef(ref, ref.outcome === 'ok' ? `read → ${formatJson(ref.output)}` : 'read');
    case 'write':
      return formatOperationRef(ref, `write ${formatJson(ref.input)}`);
    case 'cas': {
      const pair = isJsonArray(ref.input) ? ref.input : [];
      const why = ref.mismatch !== true ? '' : ref.current === undefined ? ' (mismatch)' : ` (mismatch: found ${formatJson(ref.current)})`;
      return formatOperationRef(ref, `cas ${formatJson(pair[0] ?? null)} → ${formatJson(pair[1] ?? null)}${why}`);
    }
    default:
      return formatOperationRef(ref);
  }
}

export function renderRegisterResult(result: RegisterCheckResult): CheckReport {
  const details: string[] = [];
  const bad = result.keys.filter((k) => k.verdict === 'invalid');
  const unknown = result.keys.filter((k) => k.verdict === 'unknown');
  for (const key of bad) {
    const failure = key.failure;
    if (failure === null) continue;
    details.push(`key ${keyName(key.key)}: NOT linearizable (${key.operationCount} ops, ${key.infoCount} info, ${key.failCount} fail of which ${key.mismatchCount} on a mismatch)`);
    details.push(`  the search linearized at most ${failure.linearizedCount} of ${failure.checkedCount} ops; then the register holds ${formatJson(failure.value)}.`);
    if (failure.tail.length > 0) {
      details.push(`  last ops of that prefix, in linearization order:`);
      for (const step of failure.tail) {
        const effect = step.tookEffect ? `⇒ ${formatJson(step.valueAfter)}` : '(resolved as never taking effect)';
        details.push(`    ${describeRegisterOp(step.op)}  ${effect}`);
      }
    }
    const blocking = failure.candidates.find((c) => c.op.id === failure.blocking.id);
    details.push(`  stuck on ${describeRegisterOp(failure.blocking)}: ${blocking?.reason ?? ''}`);
    if (failure.needed !== null) {
      const writers = failure.needed.writers;
      const shown = writers.slice(0, 5).map((w) => describeRegisterOp(w));
      details.push(writers.length === 0
        ? `    no operation ever writes ${formatJson(failure.needed.value)}`
        : `    ${formatJson(failure.needed.value)} is written by: ${shown.join('; ')}${writers.length > 5 ? ` and ${writers.length - 5} more` : ''}`);
    }
    const others = failure.candidates.filter((c) => c.op.id !== failure.blocking.id);
    if (others.length > 0) {
      details.push(`  other ops pending then, none of which can go next:`);
      for (const candidate of others) details.push(`    ${describeRegisterOp(candidate.op)}: ${candidate.reason}`);
    }
  }
  for (const key of unknown) {
    details.push(`key ${keyName(key.key)}: UNKNOWN, search budget of ${result.maxStatesPerKey} states exhausted (${key.operationCount} ops, ${key.infoCount} info)`);
  }
  const totals = result.keys.reduce(
    (sum, k) => ({ info: sum.info + k.infoCount, dropped: sum.dropped + k.droppedInfoCount, states: sum.states + k.statesExplored }),
    { info: 0, dropped: 0, states: 0 },
  );
  details.push(`checked ${result.operationCount} operations on ${result.keys.length} key(s): ${totals.info} info (${totals.dropped} of them unobservable), ${totals.states} search states`);
  let summary: string;
  switch (result.verdict) {
    case 'valid':
      summary = `all ${result.keys.length} key(s) linearizable (${result.operationCount} operations)`;
      break;
    case 'invalid':
      summary = `${bad.length} of ${result.keys.length} key(s) not linearizable: ${bad.slice(0, 5).map((k) => keyName(k.key)).join(', ')}${bad.length > 5 ? ', …' : ''}`;
      break;
    case 'unknown':
      if (result.keys.length === 0) {
        summary = 'the history has no operations';
        break;
      }
      summary = `search budget exhausted on ${unknown.length} of ${result.keys.length} key(s): ${unknown.slice(0, 5).map((k) => keyName(k.key)).join(', ')}; no violation found elsewhere`;
      break;
  }
  return { verdict: result.verdict, details, verdictLine: `${verdictWord(result.verdict)} register: ${summary}` };
}
