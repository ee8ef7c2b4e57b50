/**
 * The set checker: unique adds, then a final read; no acknowledged add may be lost.
 *
 * Operations, one set per `key` (absent key = one set):
 *   f "add"   value = the element (any JSON; each element is added at most once per set).
 *   f "read"  invoke value ignored; `ok` value = a list of the elements present.
 *
 * The final read is the ok read that completed last. Each element is classified against it:
 *   ok          add acknowledged (ok), present.
 *   recovered   add outcome unknown (info), present: it took effect after all.
 *   lost        absent, although its add was acknowledged before the final read began, or an
 *               earlier read had already observed it.
 *   unexpected  present in some read but never added.
 *   failed-but-present  present in some read although its add failed (a failure must be certain).
 *   duplicated  present twice in one read.
 *   stale       (reported, not a violation) an earlier read began after the add was acknowledged,
 *               did not contain it, yet the element is in the final read.
 *   unsettled   (reported, not a violation) acknowledged, absent, but the add completed after the
 *               final read began, so the read need not have seen it.
 * The verdict is invalid iff lost, unexpected, failed-but-present or duplicated is non-empty, and
 * unknown if there is no ok read to judge against.
 */
import { HistoryError, locateOperation, type History, type Operation } from '../history.js';
import { canonicalJson, isJsonArray, type JsonValue } from '../json-value.js';
import { formatJson, formatOperationRef, toOperationRef, type OperationRef } from '../operation-ref.js';
import { combineVerdicts, verdictWord, type CheckReport, type Verdict } from '../verdict.js';

export interface SetElementFinding {
  readonly element: JsonValue;
  /** The add, when there was one. */
  readonly add: OperationRef | null;
  /** The read that shows the finding (where the element was seen, or missed). */
  readonly read: OperationRef | null;
}

export interface SetKeyResult {
  readonly key: string | null;
  readonly verdict: Verdict;
  readonly finalRead: OperationRef | null;
  readonly attemptedCount: number;
  readonly acknowledgedCount: number;
  readonly okCount: number;
  readonly lost: readonly SetElementFinding[];
  readonly recovered: readonly SetElementFinding[];
  readonly unexpected: readonly SetElementFinding[];
  readonly failedButPresent: readonly SetElementFinding[];
  readonly duplicated: readonly SetElementFinding[];
  readonly stale: readonly SetElementFinding[];
  readonly unsettled: readonly SetElementFinding[];
}

export interface SetCheckResult {
  readonly model: 'set';
  readonly verdict: Verdict;
  readonly operationCount: number;
  readonly keys: readonly SetKeyResult[];
}

interface Attempt {
  readonly element: JsonValue;
  readonly add: Operation;
}

interface Read {
  readonly op: Operation;
  readonly elements: readonly JsonValue[];
  readonly texts: ReadonlySet<string>;
}

function checkSetKey(key: string | null, adds: ReadonlyMap<string, Attempt>, reads: readonly Read[]): SetKeyResult {
  const finalRead = reads.reduce<Read | null>((latest, read) => (latest === null || read.op.completionPosition > latest.op.completionPosition ? read : latest), null);
  const acknowledgedCount = [...adds.values()].filter((a) => a.add.outcome === 'ok').length;
  const empty = {
    key,
    attemptedCount: adds.size,
    acknowledgedCount,
    lost: [],
    recovered: [],
    unexpected: [],
    failedButPresent: [],
    duplicated: [],
    stale: [],
    unsettled: [],
  };
  if (finalRead === null) {
    return { ...empty, verdict: 'unknown', finalRead: null, okCount: 0 };
  }
  const finding = (element: JsonValue, add: Operation | null, read: Operation | null): SetElementFinding => ({
    element,
    add: add === null ? null : toOperationRef(add),
    read: read === null ? null : toOperationRef(read),
  });

  const unexpected: SetElementFinding[] = [];
  const failedButPresent: SetElementFinding[] = [];
  const duplicated: SetElementFinding[] = [];
  const firstSeenIn = new Map<string, Read>();
  const reported = new Set<string>();
  for (const read of reads) {
    const seenHere = new Set<string>();
    for (const element of read.elements) {
      const text = canonicalJson(element);
      if (seenHere.has(text)) {
        duplicated.push(finding(element, adds.get(text)?.add ?? null, read.op));
        continue;
      }
      seenHere.add(text);
      if (!firstSeenIn.has(text)) firstSeenIn.set(text, read);
      const attempt = adds.get(text);
      if (reported.has(text)) continue;
      if (attempt === undefined) {
        unexpected.push(finding(element, null, read.op));
        reported.add(text);
      } else if (attempt.add.outcome === 'fail') {
        failedButPresent.push(finding(element, attempt.add, read.op));
        reported.add(text);
      }
    }
  }

  const lost: SetElementFinding[] = [];
  const recovered: SetElementFinding[] = [];
  const stale: SetElementFinding[] = [];
  const unsettled: SetElementFinding[] = [];
  let okCount = 0;
  for (const [text, attempt] of adds) {
    const present = finalRead.texts.has(text);
    const { add } = attempt;
    if (present) {
      if (add.outcome === 'ok') okCount++;
      if (add.outcome === 'info') recovered.push(finding(attempt.element, add, finalRead.op));
      if (add.outcome === 'ok') {
        const missedBy = reads.find((read) => read !== finalRead && read.op.invokePosition > add.completionPosition && !read.texts.has(text));
        if (missedBy !== undefined) stale.push(finding(attempt.element, add, missedBy.op));
      }
      continue;
    }
    const seenEarlier = firstSeenIn.get(text);
    if (seenEarlier !== undefined && add.outcome !== 'fail') {
      lost.push(finding(attempt.element, add, seenEarlier.op));
    } else if (add.outcome === 'ok' && add.completionPosition < finalRead.op.invokePosition) {
      lost.push(finding(attempt.element, add, finalRead.op));
    } else if (add.outcome === 'ok') {
      unsettled.push(finding(attempt.element, add, finalRead.op));
    }
  }
  const bad = lost.length + unexpected.length + failedButPresent.length + duplicated.length;
  return {
    ...empty,
    verdict: bad > 0 ? 'invalid' : 'valid',
    finalRead: toOperationRef(finalRead.op),
    okCount,
    lost,
    recovered,
    unexpected,
    failedButPresent,
    duplicated,
    stale,
    unsettled,
  };
}

/** Throws HistoryError on ops that do not fit the model (unknown f, a read that is not a list, an element added twice). */
export function checkSet(history: History): SetCheckResult {
  const keys = new Map<string | null, { adds: Map<string, Attempt>; reads: Read[] }>();
  for (const op of history.operations) {
    let entry = keys.get(op.key);
    if (entry === undefined) {
      entry = { adds: new Map(), reads: [] };
      keys.set(op.key, entry);
    }
    const where = locateOperation(history, op);
    switch (op.f) {
      case 'add': {
        const element = op.invoke.value;
        const text = canonicalJson(element);
        const earlier = entry.adds.get(text);
        if (earlier !== undefined) {
          throw new HistoryError('DUPLICATE_ELEMENT', null, `${where}: element ${text} is added again (first at ${locateOperation(history, earlier.add)}); the set checker needs unique elements`);
        }
        entry.adds.set(text, { element, add: op });
        break;
      }
      case 'read': {
        if (op.outcome !== 'ok') break;
        const value = op.completion.value;
        if (!isJsonArray(value)) {
          throw new HistoryError('BAD_VALUE', null, `${where}: an ok set read must return a list of elements, got ${formatJson(value)}`);
        }
        entry.reads.push({ op, elements: value, texts: new Set(value.map(canonicalJson)) });
        break;
      }
      default:
        throw new HistoryError('UNKNOWN_F', null, `${where}: the set model knows f "add" and "read", not "${op.f}"`);
    }
  }
  const results = [...keys.entries()].map(([key, { adds, reads }]) => checkSetKey(key, adds, reads));
  const verdict = results.length === 0 ? 'unknown' : combineVerdicts(results.map((r) => r.verdict));
  return { model: 'set', verdict, operationCount: history.operations.length, keys: results };
}

const SHOWN_MAX = 20;

function listFindings(details: string[], title: string, findings: readonly SetElementFinding[], explain: (f: SetElementFinding) => string): void {
  if (findings.length === 0) return;
  details.push(`  ${title} (${findings.length}):`);
  for (const f of findings.slice(0, SHOWN_MAX)) details.push(`    ${formatJson(f.element)}: ${explain(f)}`);
  if (findings.length > SHOWN_MAX) details.push(`    … and ${findings.length - SHOWN_MAX} more (see --json)`);
}

export function renderSetResult(result: SetCheckResult): CheckReport {
  const details: string[] = [];
  const ref = (r: OperationRef | null): string => (r === null ? '?' : formatOperationRef(r, r.f));
  for (const k of result.keys) {
    const name = k.key === null ? 'set' : `set ${JSON.stringify(k.key)}`;
    if (k.finalRead === null) {
      details.push(`${name}: no ok read, nothing to judge (${k.attemptedCount} adds)`);
      continue;
    }
    details.push(`${name}: ${k.attemptedCount} attempted, ${k.acknowledgedCount} acknowledged; final read ${ref(k.finalRead)}`);
    details.push(`  ok ${k.okCount}, recovered ${k.recovered.length}, lost ${k.lost.length}, unexpected ${k.unexpected.length}, failed-but-present ${k.failedButPresent.length}, duplicated ${k.duplicated.length}, stale ${k.stale.length}, unsettled ${k.unsettled.length}`);
    listFindings(details, 'LOST', k.lost, (f) => (f.read !== null && f.read.id !== k.finalRead?.id ? `seen by ${ref(f.read)}, then gone; added by ${ref(f.add)}` : `acknowledged by ${ref(f.add)}, missing from the final read`));
    listFindings(details, 'UNEXPECTED (never added)', k.unexpected, (f) => `in ${ref(f.read)}`);
    listFindings(details, 'FAILED BUT PRESENT', k.failedButPresent, (f) => `add failed (${ref(f.add)}) yet in ${ref(f.read)}`);
    listFindings(details, 'DUPLICATED', k.duplicated, (f) => `twice in ${ref(f.read)}`);
    listFindings(details, 'stale (not a violation)', k.stale, (f) => `acknowledged by ${ref(f.add)}, missed by the later ${ref(f.read)}`);
  }
  const sum = (pick: (k: SetKeyResult) => number): number => result.keys.reduce((total, k) => total + pick(k), 0);
  let summary: string;
  switch (result.verdict) {
    case 'valid':
      summary = `no acknowledged add lost (${sum((k) => k.okCount)} ok, ${sum((k) => k.recovered.length)} recovered, ${sum((k) => k.stale.length)} stale)`;
      break;
    case 'invalid':
      summary = `${sum((k) => k.lost.length)} lost, ${sum((k) => k.unexpected.length)} unexpected, ${sum((k) => k.failedButPresent.length)} failed-but-present, ${sum((k) => k.duplicated.length)} duplicated`;
      break;
    case 'unknown':
      summary = result.keys.length === 0
        ? 'the history has no operations'
        : `no ok read to judge against for ${result.keys.filter((k) => k.finalRead === null).length} set(s); nothing lost elsewhere`;
      break;
  }
  return { verdict: result.verdict, details, verdictLine: `${verdictWord(result.verdict)} set: ${summary}` };
}
