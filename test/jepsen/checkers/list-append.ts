/**
 * The list-append checker, after Elle (Kingsbury & Alvaro): transactions append unique elements to
 * lists and read whole lists, so every read reveals the order in which the appends before it were
 * applied, and dependencies between transactions can be inferred rather than guessed.
 *
 * Operations (`key` unused): f "txn", value a list of micro-ops
 *   ["append", key, element]   append `element` (unique per key across the whole history);
 *   ["r", key, list-or-null]   read the list; null on the invoke, the list (or null: empty) on `ok`.
 * An `ok` completion carries the same micro-ops with the reads filled in. `fail` means the txn
 * certainly did not commit; `info` that it may or may not have.
 *
 * The analysis:
 * 1. Per key, the version order is the longest list any committed txn read; every other read must
 *    be a prefix of it (else: incompatible-order, and that key yields no dependencies).
 * 2. Direct findings: G1a (a committed read saw an element appended by a failed txn), G1b (it saw
 *    a txn's non-final append to a key), duplicate-elements (an element twice in one list),
 *    garbage-read (an element nobody appended), internal (a txn's read disagrees with its own
 *    earlier reads and appends).
 * 3. A dependency graph over committed txns (ok, and info txns whose appends someone read): ww from
 *    the txn of each element to the txn of the next element in the version order; wr from the txn
 *    of the last element a read saw to the reader; rw from a reader to the txn of the element that
 *    came right after what it saw. An ok txn's append that no read saw must still follow the
 *    whole version order: ww from the txn of its last element, and rw from the reads that saw all
 *    of it. With strict serializability, rt edges too (A completed before B was invoked).
 * 4. Cycles, each spelled out edge by edge: G0 (ww only), G1c (ww and wr, at least one wr),
 *    G-single (exactly one rw), G2 (two or more rw, e.g. write skew); with rt edges the same names
 *    suffixed "-realtime". Each strongly connected component yields at most one cycle per class.
 *
 * Which findings are violations depends on the consistency model: serializable (default) forbids
 * all of them except the -realtime cycles; strict-serializable forbids those too;
 * snapshot-isolation allows G2 (and its realtime form). Adya's G2 includes G-single; we name a
 * cycle with exactly one rw edge G-single and reserve G2 for the rest.
 */
import { HistoryError, locateOperation, type History, type Operation } from '../history.js';
import { canonicalJson, elementKey, isJsonArray, type JsonValue } from '../json-value.js';
import { formatJson, formatTimeNs, toOperationRef, type OperationRef } from '../operation-ref.js';
import { verdictWord, type CheckReport, type Verdict } from '../verdict.js';
import { DependencyGraph, type DependencyEdge, type EdgeKind } from './dependency-graph.js';

export type ConsistencyModel = 'serializable' | 'strict-serializable' | 'snapshot-isolation';

export interface ListAppendCheckOptions {
  readonly consistencyModel?: ConsistencyModel;
  /** Most cycles reported per anomaly type (all components are still counted). */
  readonly cyclesPerTypeMax?: number;
  /** Most rw (or rt) edges tried per component when looking for the cheapest cycle. */
  readonly edgesTriedPerComponentMax?: number;
}

export type CycleAnomalyType =
  | 'G0'
  | 'G1c'
  | 'G-single'
  | 'G2'
  | 'G0-realtime'
  | 'G1c-realtime'
  | 'G-single-realtime'
  | 'G2-realtime';

export type AnomalyType = CycleAnomalyType | 'G1a' | 'G1b' | 'incompatible-order' | 'duplicate-elements' | 'garbage-read' | 'internal';

export interface CycleStep {
  readonly from: OperationRef;
  readonly kind: EdgeKind;
  readonly key: string | null;
  readonly why: string;
  readonly to: OperationRef;
}

export type Anomaly =
  | { readonly type: CycleAnomalyType; readonly steps: readonly CycleStep[] }
  | { readonly type: 'G1a'; readonly reader: OperationRef; readonly key: string; readonly element: JsonValue; readonly writer: OperationRef }
  | { readonly type: 'G1b'; readonly reader: OperationRef; readonly key: string; readonly element: JsonValue; readonly finalElement: JsonValue; readonly writer: OperationRef }
  | { readonly type: 'incompatible-order'; readonly key: string; readonly reader: OperationRef; readonly list: readonly JsonValue[]; readonly otherReader: OperationRef; readonly otherList: readonly JsonValue[] }
  | { readonly type: 'duplicate-elements'; readonly reader: OperationRef; readonly key: string; readonly list: readonly JsonValue[]; readonly element: JsonValue }
  | { readonly type: 'garbage-read'; readonly reader: OperationRef; readonly key: string; readonly element: JsonValue }
  | { readonly type: 'internal'; readonly reader: OperationRef; readonly key: string; readonly list: readonly JsonValue[]; readonly expected: string };

export interface ListAppendCheckResult {
  readonly model: 'list-append';
  readonly verdict: Verdict;
  readonly consistencyModel: ConsistencyModel;
  readonly operationCount: number;
  readonly txnCounts: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly keyCount: number;
  readonly edgeCount: number;
  /** Every anomaly found, allowed by the model or not. */
  readonly anomalies: readonly Anomaly[];
  /** Per anomaly type: how many were found (cycles: components with such a cycle). */
  readonly anomalyCounts: Readonly<Partial<Record<AnomalyType, number>>>;
  /** The anomaly types the consistency model forbids that were found. */
  readonly violations: readonly AnomalyType[];
}

const ALLOWED_BY: Readonly<Record<ConsistencyModel, ReadonlySet<AnomalyType>>> = {
  'serializable': new Set<AnomalyType>(['G0-realtime', 'G1c-realtime', 'G-single-realtime', 'G2-realtime']),
  'strict-serializable': new Set<AnomalyType>(),
  'snapshot-isolation': new Set<AnomalyType>(['G2', 'G0-realtime', 'G1c-realtime', 'G-single-realtime', 'G2-realtime']),
};

type MicroOp =
  | { readonly f: 'append'; readonly key: string; readonly keyText: string; readonly element: JsonValue }
  | { readonly f: 'r'; readonly key: string; readonly keyText: string; readonly list: readonly JsonValue[] | null };

interface Txn {
  readonly op: Operation;
  readonly ref: OperationRef;
  readonly microOps: readonly MicroOp[];
  /** Graph node, or -1 for failed txns. */
  readonly node: number;
}

interface Writer {
  readonly txn: Txn;
  /** Whether this is the txn's last append to the key. */
  readonly final: boolean;
  /** The txn's last append to the key. */
  readonly finalElement: JsonValue;
}

type ElementKey = number | string;

interface ObservedRead {
  readonly txn: Txn;
  readonly list: readonly JsonValue[];
  readonly ids: readonly ElementKey[];
  /** How many leading elements were written by other txns (the rest are the reader's own). */
  readonly externalLength: number;
}

function parseMicroOps(history: History, op: Operation, value: JsonValue): MicroOp[] {
  const where = locateOperation(history, op);
  if (!isJsonArray(value)) {
    throw new HistoryError('BAD_VALUE', null, `${where}: a txn's value must be a list of micro-ops, got ${formatJson(value)}`);
  }
  return value.map((micro, i): MicroOp => {
    if (!isJsonArray(micro) || micro.length !== 3) {
      throw new HistoryError('BAD_VALUE', null, `${where}: micro-op ${i} must be ["append", key, element] or ["r", key, list], got ${formatJson(micro)}`);
    }
    const [f, key, arg] = micro;
    if (typeof key !== 'string' && !(typeof key === 'number' && Number.isSafeInteger(key))) {
      throw new HistoryError('BAD_VALUE', null, `${where}: micro-op ${i} key must be a string or an integer, got ${formatJson(key ?? null)}`);
    }
    const keyText = canonicalJson(key);
    if (f === 'append') {
      return { f: 'append', key: String(key), keyText, element: arg ?? null };
    }
    if (f === 'r') {
      if (arg === null || arg === undefined) return { f: 'r', key: String(key), keyText, list: null };
      if (!isJsonArray(arg)) {
        throw new HistoryError('BAD_VALUE', null, `${where}: micro-op ${i} read must hold a list or null, got ${formatJson(arg)}`);
      }
      return { f: 'r', key: String(key), keyText, list: arg };
    }
    throw new HistoryError('BAD_VALUE', null, `${where}: micro-op ${i} must be "append" or "r", got ${formatJson(f ?? null)}`);
  });
}

function parseTxn(history: History, op: Operation, node: number): Txn {
  const where = locateOperation(history, op);
  if (op.f !== 'txn') {
    throw new HistoryError('UNKNOWN_F', null, `${where}: the list-append model knows f "txn", not "${op.f}"`);
  }
  const invoked = parseMicroOps(history, op, op.invoke.value);
  if (op.outcome !== 'ok') return { op, ref: toOperationRef(op), microOps: invoked, node };
  const completed = parseMicroOps(history, op, op.completion.value);
  if (completed.length !== invoked.length) {
    throw new HistoryError('BAD_VALUE', null, `${where}: the ok completion has ${completed.length} micro-ops, the invoke ${invoked.length}`);
  }
  completed.forEach((micro, i) => {
    const asked = invoked[i];
    const sameAppend = asked?.f === 'append' && micro.f === 'append' && canonicalJson(asked.element) === canonicalJson(micro.element);
    if (asked === undefined || asked.f !== micro.f || asked.keyText !== micro.keyText || (micro.f === 'append' && !sameAppend)) {
      throw new HistoryError('BAD_VALUE', null, `${where}: micro-op ${i} of the ok completion differs from the invoke`);
    }
  });
  return { op, ref: toOperationRef(op), microOps: completed, node };
}

function isPrefix(shorter: readonly ElementKey[], longer: readonly ElementKey[]): boolean {
  if (shorter.length > longer.length) return false;
  for (let i = 0; i < shorter.length; i++) if (shorter[i] !== longer[i]) return false;
  return true;
}

function describeElements(list: readonly JsonValue[]): string {
  return `[${list.map(formatJson).join(' ')}]`;
}

/** Throws HistoryError on ops that do not fit the model (bad micro-ops, an element appended twice to a key). */
export function checkListAppend(history: History, options: ListAppendCheckOptions = {}): ListAppendCheckResult {
  const consistencyModel = options.consistencyModel ?? 'serializable';
  const cyclesPerTypeMax = options.cyclesPerTypeMax ?? 10;
  const edgesTriedMax = options.edgesTriedPerComponentMax ?? 100;

  // Txns: committed-or-maybe ones become graph nodes.
  const txns: Txn[] = [];
  let nodeCount = 0;
  const txnCounts = { ok: 0, fail: 0, info: 0 };
  for (const op of history.operations) {
    txnCounts[op.outcome]++;
    txns.push(parseTxn(history, op, op.outcome === 'fail' ? -1 : nodeCount++));
  }
  const nodeTxn: Txn[] = txns.filter((t) => t.node >= 0);

  const anomalies: Anomaly[] = [];

  // Who appended what, per key.
  const writers = new Map<string, Map<ElementKey, Writer>>();
  const keyNames = new Map<string, string>();
  for (const txn of txns) {
    const appendsByKey = new Map<string, JsonValue[]>();
    for (const micro of txn.microOps) {
      keyNames.set(micro.keyText, micro.key);
      if (micro.f !== 'append') continue;
      const list = appendsByKey.get(micro.keyText) ?? [];
      list.push(micro.element);
      appendsByKey.set(micro.keyText, list);
    }
    for (const [keyText, elements] of appendsByKey) {
      const byElement = writers.get(keyText) ?? new Map<ElementKey, Writer>();
      writers.set(keyText, byElement);
      const finalElement = elements[elements.length - 1] ?? null;
      elements.forEach((element, i) => {
        const id = elementKey(element);
        const earlier = byElement.get(id);
        if (earlier !== undefined) {
          throw new HistoryError('DUPLICATE_ELEMENT', null, `${locateOperation(history, txn.op)}: element ${formatJson(element)} is appended to key ${keyNames.get(keyText) ?? keyText} again (first by the txn at ${locateOperation(history, earlier.txn.op)}); list-append needs unique elements per key`);
        }
        byElement.set(id, { txn, final: i === elements.length - 1, finalElement });
      });
    }
  }

  // Reads of committed txns, with internal consistency and the reader's own tail stripped.
  const readsByKey = new Map<string, ObservedRead[]>();
  for (const txn of txns) {
    if (txn.op.outcome !== 'ok') continue;
    // Per key: the exact list the txn must see next (after a read), or its appends since the
    // start (before any read), which must end the list it sees.
    const known = new Map<string, { values: JsonValue[]; ids: ElementKey[] }>();
    const ownSinceStart = new Map<string, { values: JsonValue[]; ids: ElementKey[] }>();
    const ownAll = new Map<string, Set<ElementKey>>();
    for (const [position, micro] of txn.microOps.entries()) {
      if (micro.f === 'append') {
        const id = elementKey(micro.element);
        const target = known.get(micro.keyText) ?? ownSinceStart.get(micro.keyText) ?? { values: [], ids: [] };
        target.values.push(micro.element);
        target.ids.push(id);
        if (!known.has(micro.keyText)) ownSinceStart.set(micro.keyText, target);
        const own = ownAll.get(micro.keyText) ?? new Set<ElementKey>();
        own.add(id);
        ownAll.set(micro.keyText, own);
        continue;
      }
      const list = micro.list ?? [];
      const ids = list.map(elementKey);
      const exact = known.get(micro.keyText);
      const suffix = ownSinceStart.get(micro.keyText);
      if (exact !== undefined) {
        if (exact.ids.length !== ids.length || !isPrefix(exact.ids, ids)) {
          anomalies.push({ type: 'internal', reader: txn.ref, key: micro.key, list, expected: `${describeElements(exact.values)}, from its own earlier read and appends` });
        }
      } else if (suffix !== undefined) {
        if (ids.length < suffix.ids.length || !isPrefix(suffix.ids, ids.slice(ids.length - suffix.ids.length))) {
          anomalies.push({ type: 'internal', reader: txn.ref, key: micro.key, list, expected: `a list ending with its own appends ${describeElements(suffix.values)}` });
        }
      }
      const later = txn.microOps.slice(position + 1).filter((m) => m.f === 'append' && m.keyText === micro.keyText);
      if (later.length > 0) {
        const seen = new Set(ids);
        const future = later.find((m) => m.f === 'append' && seen.has(elementKey(m.element)));
        if (future !== undefined && future.f === 'append') {
          anomalies.push({ type: 'internal', reader: txn.ref, key: micro.key, list, expected: `no sign of its own later append ${formatJson(future.element)}` });
        }
      }
      known.set(micro.keyText, { values: [...list], ids: [...ids] });
      ownSinceStart.delete(micro.keyText);
      // Strip the reader's own appends from the end: what is left came from other txns.
      const own = ownAll.get(micro.keyText);
      let externalLength = ids.length;
      if (own !== undefined) {
        while (externalLength > 0 && own.has(ids[externalLength - 1] ?? '')) externalLength--;
      }
      const reads = readsByKey.get(micro.keyText) ?? [];
      reads.push({ txn, list, ids, externalLength });
      readsByKey.set(micro.keyText, reads);
    }
  }

  const graph = new DependencyGraph(nodeTxn.length);
  for (const [keyText, reads] of readsByKey) {
    const key = keyNames.get(keyText) ?? keyText;
    const byElement = writers.get(keyText) ?? new Map<ElementKey, Writer>();

    // The version order: the longest read; every read must be a prefix of it.
    let longest: ObservedRead | undefined;
    for (const read of reads) if (longest === undefined || read.ids.length > longest.ids.length) longest = read;
    if (longest === undefined) continue;
    const order = longest.ids;
    const incompatible = reads.find((read) => !isPrefix(read.ids, order));
    if (incompatible !== undefined) {
      anomalies.push({ type: 'incompatible-order', key, reader: incompatible.txn.ref, list: incompatible.list, otherReader: longest.txn.ref, otherList: longest.list });
    }

    // Findings about elements. When the reads agree, every read is a prefix of the longest, so
    // looking at the longest finds each duplicate, aborted or garbage element once; otherwise
    // look at every read.
    for (const read of incompatible === undefined ? [longest] : reads) {
      const seen = new Set<ElementKey>();
      read.ids.forEach((id, i) => {
        const element = read.list[i] ?? null;
        if (seen.has(id)) {
          anomalies.push({ type: 'duplicate-elements', reader: read.txn.ref, key, list: read.list, element });
          return;
        }
        seen.add(id);
        const writer = byElement.get(id);
        if (writer === undefined) {
          anomalies.push({ type: 'garbage-read', reader: read.txn.ref, key, element });
        } else if (writer.txn.op.outcome === 'fail') {
          anomalies.push({ type: 'G1a', reader: read.txn.ref, key, element, writer: writer.txn.ref });
        }
      });
    }
    for (const read of reads) {
      const lastId = read.ids[read.externalLength - 1];
      if (lastId === undefined) continue;
      const writer = byElement.get(lastId);
      if (writer !== undefined && writer.txn !== read.txn && !writer.final && writer.txn.op.outcome !== 'fail') {
        anomalies.push({ type: 'G1b', reader: read.txn.ref, key, element: read.list[read.externalLength - 1] ?? null, finalElement: writer.finalElement, writer: writer.txn.ref });
      }
    }
    if (incompatible !== undefined) continue;

    const nodeOf = (position: number): number => {
      const id = order[position];
      const writer = id === undefined ? undefined : byElement.get(id);
      return writer === undefined ? -1 : writer.txn.node;
    };
    for (let i = 0; i + 1 < order.length; i++) {
      const from = nodeOf(i);
      const to = nodeOf(i + 1);
      if (from < 0 || to < 0 || from === to) continue;
      graph.addEdge({ from, to, kind: 'ww', key, why: `appended ${formatJson(longest.list[i] ?? null)} to ${key}, then the other appended ${formatJson(longest.list[i + 1] ?? null)}` });
    }
    for (const read of reads) {
      const p = read.externalLength;
      const reader = read.txn.node;
      const seenText = p === 0 ? 'nothing' : formatJson(read.list[p - 1] ?? null);
      if (p > 0) {
        const from = nodeOf(p - 1);
        if (from >= 0 && from !== reader) graph.addEdge({ from, to: reader, kind: 'wr', key, why: `appended ${seenText} to ${key}, which the other read` });
      }
      if (p < order.length) {
        const to = nodeOf(p);
        if (to >= 0 && to !== reader) {
          const missed = formatJson(longest.list[p] ?? null);
          const why = p === 0 ? `read ${key} empty, missing ${missed} that the other appended first` : `read ${key} up to ${seenText}, missing ${missed} that the other appended next`;
          graph.addEdge({ from: reader, to, kind: 'rw', key, why });
        }
      }
    }
    // Committed appends no read saw still come after everything that was read: they follow the
    // last element of the version order, and reads that saw that whole order missed them.
    const inOrder = new Set(order);
    const lastNode = order.length === 0 ? -1 : nodeOf(order.length - 1);
    const fullReaders = reads.filter((read) => read.externalLength === order.length);
    for (const [id, writer] of byElement) {
      if (inOrder.has(id) || writer.txn.op.outcome !== 'ok' || !writer.final) continue;
      const to = writer.txn.node;
      const element = formatJson(writer.finalElement);
      if (lastNode >= 0 && lastNode !== to) {
        graph.addEdge({ from: lastNode, to, kind: 'ww', key, why: `appended ${formatJson(longest.list[order.length - 1] ?? null)} to ${key}, the last element anyone read; the other's ${element} came later` });
      }
      for (const read of fullReaders) {
        if (read.txn.node === to) continue;
        graph.addEdge({ from: read.txn.node, to, kind: 'rw', key, why: `read ${key} without ${element}, which the other appended (and nobody saw yet)` });
      }
    }
  }

  if (consistencyModel === 'strict-serializable') addRealtimeEdges(history, nodeTxn, graph);

  const cycles = findCycles(graph, nodeTxn, consistencyModel === 'strict-serializable', cyclesPerTypeMax, edgesTriedMax);
  const anomalyCounts: Partial<Record<AnomalyType, number>> = {};
  for (const anomaly of anomalies) anomalyCounts[anomaly.type] = (anomalyCounts[anomaly.type] ?? 0) + 1;
  for (const [type, count] of cycles.counts) anomalyCounts[type] = count;
  anomalies.push(...cycles.reported);

  const allowed = ALLOWED_BY[consistencyModel];
  const violations = (Object.keys(anomalyCounts) as AnomalyType[]).filter((type) => !allowed.has(type));
  const okTxns = txnCounts.ok;
  const verdict: Verdict = violations.length > 0 ? 'invalid' : okTxns === 0 ? 'unknown' : 'valid';
  return {
    model: 'list-append',
    verdict,
    consistencyModel,
    operationCount: history.operations.length,
    txnCounts,
    keyCount: keyNames.size,
    edgeCount: graph.edgeCount,
    anomalies,
    anomalyCounts,
    violations,
  };
}

/**
 * Real-time edges A → B when A completed before B was invoked, kept near-linear in number: an
 * invoke links from the "frontier" of completed txns not yet followed by another completed txn
 * that itself follows them; the rest are implied transitively.
 */
function addRealtimeEdges(history: History, nodeTxn: readonly Txn[], graph: DependencyGraph): void {
  const byInvoke = new Map<number, Txn>();
  const byCompletion = new Map<number, Txn>();
  for (const txn of nodeTxn) {
    byInvoke.set(txn.op.invokePosition, txn);
    if (txn.op.outcome === 'ok') byCompletion.set(txn.op.completionPosition, txn);
  }
  let frontier = new Set<Txn>();
  const predecessors = new Map<Txn, readonly Txn[]>();
  for (let position = 0; position < history.events.length; position++) {
    const invoked = byInvoke.get(position);
    if (invoked !== undefined) {
      const before = [...frontier];
      predecessors.set(invoked, before);
      for (const earlier of before) {
        graph.addEdge({ from: earlier.node, to: invoked.node, kind: 'rt', key: null, why: `completed at ${formatTimeNs(earlier.op.completion.timeNs)}, before the other began at ${formatTimeNs(invoked.op.invoke.timeNs)}` });
      }
    }
    const completed = byCompletion.get(position);
    if (completed !== undefined) {
      const implied = new Set(predecessors.get(completed) ?? []);
      frontier = new Set([...frontier].filter((t) => !implied.has(t)));
      frontier.add(completed);
    }
  }
}

interface CycleSearch {
  readonly reported: Anomaly[];
  readonly counts: Map<CycleAnomalyType, number>;
}

const WW: ReadonlySet<EdgeKind> = new Set<EdgeKind>(['ww']);
const WW_WR: ReadonlySet<EdgeKind> = new Set<EdgeKind>(['ww', 'wr']);
const DATA: ReadonlySet<EdgeKind> = new Set<EdgeKind>(['ww', 'wr', 'rw']);
const ALL: ReadonlySet<EdgeKind> = new Set<EdgeKind>(['ww', 'wr', 'rw', 'rt']);

function findCycles(graph: DependencyGraph, nodeTxn: readonly Txn[], realtime: boolean, perTypeMax: number, edgesTriedMax: number): CycleSearch {
  const search: CycleSearch = { reported: [], counts: new Map() };
  const rwCost = graph.nodeCount + 1;
  const record = (type: CycleAnomalyType, edges: readonly DependencyEdge[]): void => {
    const count = (search.counts.get(type) ?? 0) + 1;
    search.counts.set(type, count);
    if (count > perTypeMax) return;
    const refOf = (node: number): OperationRef => {
      const txn = nodeTxn[node];
      if (txn === undefined) throw new Error(`internal: no txn for node ${node}`);
      return txn.ref;
    };
    search.reported.push({ type, steps: edges.map((e) => ({ from: refOf(e.from), kind: e.kind, key: e.key, why: e.why, to: refOf(e.to) })) });
  };
  /**
   * For each component over `kinds`, the cheapest cycle through an edge of kind `through`
   * (trying at most edgesTriedMax such edges), handed to `classify`.
   */
  const eachComponentCycle = (kinds: ReadonlySet<EdgeKind>, through: EdgeKind, classify: (cycle: readonly DependencyEdge[]) => void, stopWhen: (cycle: readonly DependencyEdge[]) => boolean): void => {
    const { componentOf, count } = graph.components(kinds);
    const best: (readonly DependencyEdge[] | null)[] = new Array<readonly DependencyEdge[] | null>(count).fill(null);
    const tried = new Int32Array(count);
    const done = new Uint8Array(count);
    const costOf = (cycle: readonly DependencyEdge[]): number => cycle.reduce((sum, e) => sum + (e.kind === 'rw' ? rwCost : 1), 0);
    for (let node = 0; node < graph.nodeCount; node++) {
      const component = componentOf[node] ?? -1;
      if (component < 0 || done[component] === 1) continue;
      for (const edge of graph.edgesFrom(node)) {
        if (edge.kind !== through || componentOf[edge.to] !== component) continue;
        if ((tried[component] ?? 0) >= edgesTriedMax) break;
        tried[component] = (tried[component] ?? 0) + 1;
        const back = graph.cheapestPath(edge.to, edge.from, kinds, componentOf, component, rwCost);
        if (back === null) continue;
        const cycle = [edge, ...back];
        const previous = best[component] ?? null;
        if (previous === null || costOf(cycle) < costOf(previous)) best[component] = cycle;
        if (stopWhen(cycle)) {
          done[component] = 1;
          break;
        }
      }
    }
    for (const cycle of best) if (cycle !== null) classify(cycle);
  };
  const rwCount = (cycle: readonly DependencyEdge[]): number => cycle.filter((e) => e.kind === 'rw').length;

  eachComponentCycle(WW, 'ww', (cycle) => record('G0', cycle), () => true);
  eachComponentCycle(WW_WR, 'wr', (cycle) => record('G1c', cycle), () => true);
  eachComponentCycle(DATA, 'rw', (cycle) => record(rwCount(cycle) === 1 ? 'G-single' : 'G2', cycle), (cycle) => rwCount(cycle) === 1);
  if (realtime) {
    eachComponentCycle(
      ALL,
      'rt',
      (cycle) => {
        const rw = rwCount(cycle);
        const type: CycleAnomalyType = rw === 0 ? (cycle.some((e) => e.kind === 'wr') ? 'G1c-realtime' : 'G0-realtime') : rw === 1 ? 'G-single-realtime' : 'G2-realtime';
        record(type, cycle);
      },
      (cycle) => rwCount(cycle) === 0,
    );
  }
  return search;
}

function describeMicroOps(value: JsonValue): string {
  if (!isJsonArray(value)) return formatJson(value);
  return value
    .map((micro) => {
      if (!isJsonArray(micro)) return formatJson(micro);
      const [f, key, arg] = micro;
      const list = arg === null || arg === undefined ? 'nil' : isJsonArray(arg) ? describeElements(arg) : formatJson(arg);
      return f === 'append' ? `append ${String(key)} ${formatJson(arg ?? null)}` : `r ${String(key)} ${list}`;
    })
    .join(', ');
}

export function txnName(ref: OperationRef): string {
  return `T${ref.invokeIndex}`;
}

export function describeTxn(ref: OperationRef): string {
  const value = ref.outcome === 'ok' ? ref.output : ref.input;
  return `${txnName(ref)} p${ref.process} ${ref.outcome} [${describeMicroOps(value)}] at ${formatTimeNs(ref.invokeTimeNs)}–${formatTimeNs(ref.completionTimeNs)}`;
}

const EXPLAIN: Readonly<Record<AnomalyType, string>> = {
  'G0': 'write cycle: ww edges only',
  'G1c': 'circular information flow: ww and wr edges',
  'G-single': 'read skew: a cycle with exactly one anti-dependency (rw)',
  'G2': 'anti-dependency cycle with two or more rw edges (e.g. write skew)',
  'G0-realtime': 'write cycle once real-time order is included',
  'G1c-realtime': 'ww/wr cycle once real-time order is included',
  'G-single-realtime': 'one-rw cycle once real-time order is included',
  'G2-realtime': 'multi-rw cycle once real-time order is included',
  'G1a': 'aborted read: a committed txn saw an append of a failed txn',
  'G1b': "intermediate read: a committed txn saw a txn's non-final append",
  'incompatible-order': 'two reads of a key that are not prefixes of one another',
  'duplicate-elements': 'an element appears twice in one read',
  'garbage-read': 'a read saw an element nobody appended',
  'internal': "a txn's read disagrees with its own earlier reads and appends",
};

const SHOWN_PER_TYPE_MAX = 10;

export function renderListAppendResult(result: ListAppendCheckResult): CheckReport {
  const details: string[] = [];
  details.push(`${result.txnCounts.ok} ok, ${result.txnCounts.fail} failed, ${result.txnCounts.info} info txns on ${result.keyCount} keys; ${result.edgeCount} dependency edges; model ${result.consistencyModel}`);
  const allowed = ALLOWED_BY[result.consistencyModel];
  const shown = new Map<AnomalyType, number>();
  for (const anomaly of result.anomalies) {
    const n = (shown.get(anomaly.type) ?? 0) + 1;
    shown.set(anomaly.type, n);
    if (n > SHOWN_PER_TYPE_MAX) continue;
    const tag = `${anomaly.type}${allowed.has(anomaly.type) ? ' (allowed by ' + result.consistencyModel + ')' : ''}`;
    switch (anomaly.type) {
      case 'G0':
      case 'G1c':
      case 'G-single':
      case 'G2':
      case 'G0-realtime':
      case 'G1c-realtime':
      case 'G-single-realtime':
      case 'G2-realtime': {
        const first = anomaly.steps[0];
        const chain = first === undefined ? '' : [txnName(first.from), ...anomaly.steps.map((s) => `-${s.kind}${s.key === null ? '' : `(${s.key})`}-> ${txnName(s.to)}`)].join(' ');
        details.push(`${tag}: ${chain}`);
        for (const step of anomaly.steps) {
          details.push(`  ${describeTxn(step.from)}`);
          details.push(`    -${step.kind}${step.key === null ? '' : `(${step.key})`}-> ${txnName(step.to)}: ${txnName(step.from)} ${step.why}`);
        }
        break;
      }
      case 'G1a':
        details.push(`${tag}: ${txnName(anomaly.reader)} read ${anomaly.key} with ${formatJson(anomaly.element)}, appended by the failed ${txnName(anomaly.writer)}`);
        details.push(`  ${describeTxn(anomaly.reader)}`, `  ${describeTxn(anomaly.writer)}`);
        break;
      case 'G1b':
        details.push(`${tag}: ${txnName(anomaly.reader)} read ${anomaly.key} ending in ${formatJson(anomaly.element)}, but ${txnName(anomaly.writer)}'s last append to ${anomaly.key} was ${formatJson(anomaly.finalElement)}`);
        details.push(`  ${describeTxn(anomaly.reader)}`, `  ${describeTxn(anomaly.writer)}`);
        break;
      case 'incompatible-order':
        details.push(`${tag}: reads of ${anomaly.key} disagree: ${describeElements(anomaly.list)} by ${txnName(anomaly.reader)} is not a prefix of ${describeElements(anomaly.otherList)} by ${txnName(anomaly.otherReader)}`);
        break;
      case 'duplicate-elements':
        details.push(`${tag}: ${txnName(anomaly.reader)} read ${anomaly.key} = ${describeElements(anomaly.list)}, with ${formatJson(anomaly.element)} twice`);
        break;
      case 'garbage-read':
        details.push(`${tag}: ${txnName(anomaly.reader)} read ${formatJson(anomaly.element)} in ${anomaly.key}, which no txn appended`);
        break;
      case 'internal':
        details.push(`${tag}: ${txnName(anomaly.reader)} read ${anomaly.key} = ${describeElements(anomaly.list)}, expected ${anomaly.expected}`);
        details.push(`  ${describeTxn(anomaly.reader)}`);
        break;
    }
  }
  for (const [type, n] of shown) {
    const total = result.anomalyCounts[type] ?? n;
    if (total > Math.min(n, SHOWN_PER_TYPE_MAX)) details.push(`… ${total - Math.min(n, SHOWN_PER_TYPE_MAX)} more ${type} not shown (see --json)`);
  }
  const found = (Object.entries(result.anomalyCounts) as [AnomalyType, number][]).map(([type, n]) => `${type} ×${n}`);
  for (const [type, n] of Object.entries(result.anomalyCounts) as [AnomalyType, number][]) {
    if (n > 0) details.push(`${type}: ${EXPLAIN[type]}`);
  }
  let summary: string;
  switch (result.verdict) {
    case 'valid':
      summary = found.length === 0
        ? `no anomalies in ${result.txnCounts.ok} committed txns (${result.consistencyModel})`
        : `only anomalies ${result.consistencyModel} allows: ${found.join(', ')}`;
      break;
    case 'invalid':
      summary = `${result.violations.join(', ')} (${result.consistencyModel}); found ${found.join(', ')}`;
      break;
    case 'unknown':
      summary = 'no committed txn to judge';
      break;
  }
  return { verdict: result.verdict, details, verdictLine: `${verdictWord(result.verdict)} list-append: ${summary}` };
}
