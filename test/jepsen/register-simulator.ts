/**
 * Generates register histories from a simulated linearizable register, for property tests and
 * checker benchmarks: threads issue reads, writes and compare-and-swaps with random overlap; each
 * op takes effect at a random instant strictly inside its [invoke, completion] interval, in the
 * order of those instants, so the history is linearizable by construction. Some ops end in `info`
 * (and may or may not have taken effect), some writes `fail` (and did not). A cas whose compare
 * does not match fails with `mismatch` (and `current`, as `mismatchFacts` says). Written values
 * are unique. Deterministic for a given seed.
 */
import type { FailureFacts, HistoryEvent } from './history.js';

/**
 * What a cas that failed on a mismatch records: 'none' a plain fail, 'flag' `mismatch` only,
 * 'current' `mismatch` and the value found (what the harness's clients record), 'mixed' one of the
 * three at random per op.
 */
export type MismatchFacts = 'none' | 'flag' | 'current' | 'mixed';

export interface RegisterSimulationSpec {
  readonly seed: number;
  readonly operationCount: number;
  readonly threadCount: number;
  readonly keyCount: number;
  /** Probability that an op's outcome is lost (`info`); half of those took effect. */
  readonly infoProbability: number;
  /** Probability that a write is refused (`fail`, no effect). */
  readonly failProbability: number;
  readonly readProbability: number;
  readonly casProbability: number;
  /** Upper bound of the random gaps and durations, in ns. */
  readonly maxGapNs: number;
  /** Default 'current'. */
  readonly mismatchFacts?: MismatchFacts;
}

/** One simulated op with what really happened, for tests that mutate histories. */
export interface SimulatedRegisterOp {
  readonly ordinal: number;
  readonly thread: number;
  readonly process: number;
  readonly key: string;
  readonly f: 'read' | 'write' | 'cas';
  readonly invokeTimeNs: number;
  readonly effectTimeNs: number;
  readonly completionTimeNs: number;
  readonly outcome: 'ok' | 'fail' | 'info';
  readonly tookEffect: boolean;
  /** Read: the value seen; write: the value written; cas: [expected, new]. */
  readonly input: number | null | readonly [number | null, number];
  readonly output: number | null;
  /** What the completion says about a failure (a cas that failed on a mismatch). */
  readonly facts: FailureFacts;
}

export interface RegisterSimulation {
  readonly events: readonly HistoryEvent[];
  readonly ops: readonly SimulatedRegisterOp[];
}

/** mulberry32: small, fast, seeded. */
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

interface Skeleton {
  ordinal: number;
  thread: number;
  key: string;
  f: 'read' | 'write' | 'cas';
  invokeTimeNs: number;
  effectTimeNs: number;
  completionTimeNs: number;
  outcome: 'ok' | 'fail' | 'info';
  tookEffect: boolean;
  input: number | null | readonly [number | null, number];
  output: number | null;
  process: number;
  facts: FailureFacts;
}

export function simulateRegisterHistory(spec: RegisterSimulationSpec): RegisterSimulation {
  const random = makeRandom(spec.seed);
  const below = (n: number): number => Math.floor(random() * n);
  const mismatchFacts = spec.mismatchFacts ?? 'current';
  const mismatchFactsOf = (found: number | null): FailureFacts => {
    // 'mixed' draws from the generator; the other modes do not, so they share their op sequence.
    const mode = mismatchFacts === 'mixed' ? (['none', 'flag', 'current'] as const)[below(3)] ?? 'none' : mismatchFacts;
    if (mode === 'none') return {};
    return mode === 'flag' ? { mismatch: true } : { mismatch: true, current: found };
  };
  const skeletons: Skeleton[] = [];
  const threadFreeAt = new Array<number>(spec.threadCount).fill(0);
  for (let ordinal = 0; ordinal < spec.operationCount; ordinal++) {
    // Always extend the thread that is free earliest, so threads interleave evenly.
    let thread = 0;
    for (let t = 1; t < spec.threadCount; t++) {
      if ((threadFreeAt[t] ?? 0) < (threadFreeAt[thread] ?? 0)) thread = t;
    }
    const invokeTimeNs = (threadFreeAt[thread] ?? 0) + 1 + below(spec.maxGapNs);
    const effectTimeNs = invokeTimeNs + 1 + below(spec.maxGapNs);
    const completionTimeNs = effectTimeNs + 1 + below(spec.maxGapNs);
    threadFreeAt[thread] = completionTimeNs;
    const roll = random();
    const f = roll < spec.readProbability ? 'read' : roll < spec.readProbability + spec.casProbability ? 'cas' : 'write';
    skeletons.push({
      ordinal,
      thread,
      key: `k${below(spec.keyCount)}`,
      f,
      invokeTimeNs,
      effectTimeNs,
      completionTimeNs,
      outcome: 'ok',
      tookEffect: true,
      input: null,
      output: null,
      process: -1,
      facts: {},
    });
  }

  // Apply in effect order.
  const byEffect = [...skeletons].sort((a, b) => a.effectTimeNs - b.effectTimeNs || a.ordinal - b.ordinal);
  const current = new Map<string, number | null>();
  const written = new Map<string, number[]>();
  let nextValue = 1;
  for (const op of byEffect) {
    const state = current.get(op.key) ?? null;
    const info = random() < spec.infoProbability;
    switch (op.f) {
      case 'read':
        op.input = state;
        op.output = state;
        if (info) op.outcome = 'info';
        break;
      case 'write': {
        const value = nextValue++;
        op.input = value;
        op.output = value;
        if (info) {
          op.outcome = 'info';
          op.tookEffect = random() < 0.5;
        } else if (random() < spec.failProbability) {
          op.outcome = 'fail';
          op.tookEffect = false;
        }
        if (op.tookEffect) {
          current.set(op.key, value);
          const list = written.get(op.key) ?? [];
          list.push(value);
          written.set(op.key, list);
        }
        break;
      }
      case 'cas': {
        const list = written.get(op.key) ?? [];
        const expected = random() < 0.6 || list.length === 0 ? state : (list[below(list.length)] ?? null);
        const value = nextValue++;
        op.input = [expected, value];
        const matches = expected === state;
        if (info) {
          op.outcome = 'info';
          op.tookEffect = matches && random() < 0.5;
        } else {
          op.outcome = matches ? 'ok' : 'fail';
          op.tookEffect = matches;
          if (!matches) op.facts = mismatchFactsOf(state);
        }
        if (op.tookEffect) {
          current.set(op.key, value);
          list.push(value);
          written.set(op.key, list);
        }
        break;
      }
    }
  }

  // Processes: a thread takes a fresh process number after each info.
  let nextProcess = spec.threadCount;
  const threadProcess = Array.from({ length: spec.threadCount }, (_, t) => t);
  for (const op of skeletons) {
    op.process = threadProcess[op.thread] ?? 0;
    if (op.outcome === 'info') threadProcess[op.thread] = nextProcess++;
  }

  interface Pending { timeNs: number; completion: boolean; ordinal: number; event: Omit<HistoryEvent, 'index'> }
  const pending: Pending[] = [];
  for (const op of skeletons) {
    const invokeValue = op.f === 'read' ? null : op.input;
    pending.push({ timeNs: op.invokeTimeNs, completion: false, ordinal: op.ordinal, event: { timeNs: op.invokeTimeNs, process: op.process, type: 'invoke', f: op.f, key: op.key, value: invokeValue } });
    const completionValue = op.f === 'read' ? (op.outcome === 'ok' ? op.output : null) : invokeValue;
    pending.push({ timeNs: op.completionTimeNs, completion: true, ordinal: op.ordinal, event: { timeNs: op.completionTimeNs, process: op.process, type: op.outcome, f: op.f, key: op.key, value: completionValue, ...op.facts } });
  }
  pending.sort((a, b) => a.timeNs - b.timeNs || Number(a.completion) - Number(b.completion) || a.ordinal - b.ordinal);
  const events = pending.map((p, index): HistoryEvent => ({ index, ...p.event }));
  return { events, ops: skeletons };
}
