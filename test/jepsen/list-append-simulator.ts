/**
 * Generates list-append histories from a simulated strictly serializable store, for property
 * tests: threads run small transactions of appends and reads with random overlap; each committed
 * txn takes effect atomically at an instant strictly inside its [invoke, completion] interval.
 * Some txns end in `info` (half of those committed), some `fail` (and did not commit). Appended
 * elements are unique per key. Deterministic for a given seed.
 */
import type { HistoryEvent } from './history.js';
import type { JsonValue } from './json-value.js';

export interface ListAppendSimulationSpec {
  readonly seed: number;
  readonly txnCount: number;
  readonly threadCount: number;
  readonly keyCount: number;
  readonly microOpsMax: number;
  readonly infoProbability: number;
  readonly failProbability: number;
  readonly maxGapNs: number;
}

type Micro = ['append', string, number] | ['r', string, number[] | null];

function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SimTxn {
  ordinal: number;
  thread: number;
  process: number;
  invokeTimeNs: number;
  effectTimeNs: number;
  completionTimeNs: number;
  micros: Micro[];
  outcome: 'ok' | 'fail' | 'info';
}

export function simulateListAppendHistory(spec: ListAppendSimulationSpec): readonly HistoryEvent[] {
  const random = makeRandom(spec.seed);
  const below = (n: number): number => Math.floor(random() * n);
  const txns: SimTxn[] = [];
  const threadFreeAt = new Array<number>(spec.threadCount).fill(0);
  let nextElement = 1;
  for (let ordinal = 0; ordinal < spec.txnCount; ordinal++) {
    let thread = 0;
    for (let t = 1; t < spec.threadCount; t++) if ((threadFreeAt[t] ?? 0) < (threadFreeAt[thread] ?? 0)) thread = t;
    const invokeTimeNs = (threadFreeAt[thread] ?? 0) + 1 + below(spec.maxGapNs);
    const effectTimeNs = invokeTimeNs + 1 + below(spec.maxGapNs);
    const completionTimeNs = effectTimeNs + 1 + below(spec.maxGapNs);
    threadFreeAt[thread] = completionTimeNs;
    const micros: Micro[] = [];
    const count = 1 + below(spec.microOpsMax);
    for (let i = 0; i < count; i++) {
      const key = `k${below(spec.keyCount)}`;
      micros.push(random() < 0.5 ? ['append', key, nextElement++] : ['r', key, null]);
    }
    txns.push({ ordinal, thread, process: -1, invokeTimeNs, effectTimeNs, completionTimeNs, micros, outcome: 'ok' });
  }
  const lists = new Map<string, number[]>();
  for (const txn of [...txns].sort((a, b) => a.effectTimeNs - b.effectTimeNs || a.ordinal - b.ordinal)) {
    const roll = random();
    const committed = roll < spec.failProbability ? false : roll < spec.failProbability + spec.infoProbability ? random() < 0.5 : true;
    txn.outcome = roll < spec.failProbability ? 'fail' : roll < spec.failProbability + spec.infoProbability ? 'info' : 'ok';
    if (!committed) continue;
    for (const micro of txn.micros) {
      const list = lists.get(micro[1]) ?? [];
      lists.set(micro[1], list);
      if (micro[0] === 'append') list.push(micro[2]);
      else micro[2] = list.length === 0 ? null : [...list];
    }
  }
  let nextProcess = spec.threadCount;
  const threadProcess = Array.from({ length: spec.threadCount }, (_, t) => t);
  for (const txn of txns) {
    txn.process = threadProcess[txn.thread] ?? 0;
    if (txn.outcome === 'info') threadProcess[txn.thread] = nextProcess++;
  }
  const invokeValue = (micros: readonly Micro[]): JsonValue => micros.map((m): JsonValue => (m[0] === 'r' ? ['r', m[1], null] : [...m]));
  const completedValue = (micros: readonly Micro[]): JsonValue => micros.map((m): JsonValue => (m[0] === 'r' ? ['r', m[1], m[2] === null ? null : [...m[2]]] : [...m]));
  const pending: { timeNs: number; completion: boolean; ordinal: number; event: Omit<HistoryEvent, 'index'> }[] = [];
  for (const txn of txns) {
    pending.push({ timeNs: txn.invokeTimeNs, completion: false, ordinal: txn.ordinal, event: { timeNs: txn.invokeTimeNs, process: txn.process, type: 'invoke', f: 'txn', value: invokeValue(txn.micros) } });
    const value = txn.outcome === 'ok' ? completedValue(txn.micros) : invokeValue(txn.micros);
    pending.push({ timeNs: txn.completionTimeNs, completion: true, ordinal: txn.ordinal, event: { timeNs: txn.completionTimeNs, process: txn.process, type: txn.outcome, f: 'txn', value } });
  }
  pending.sort((a, b) => a.timeNs - b.timeNs || Number(a.completion) - Number(b.completion) || a.ordinal - b.ordinal);
  return pending.map((p, index): HistoryEvent => ({ index, ...p.event }));
}
