/**
 * Property tests of the register checker against the simulated register (valid by construction),
 * against a deliberately simple brute-force oracle on small histories, and under mutations that
 * must make a history invalid (a stale read; a cas that swapped reported as a mismatch).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildHistory, type FailureFacts, type History, type HistoryEvent, type Operation } from '../history.js';
import { canonicalJson, isJsonArray, type JsonValue } from '../json-value.js';
import { simulateRegisterHistory, type RegisterSimulationSpec } from '../register-simulator.js';
import { checkRegister } from './register.js';

const specArbitrary = (maxOps: number): fc.Arbitrary<RegisterSimulationSpec> =>
  fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    operationCount: fc.integer({ min: 1, max: maxOps }),
    threadCount: fc.integer({ min: 1, max: 6 }),
    keyCount: fc.integer({ min: 1, max: 3 }),
    infoProbability: fc.double({ min: 0, max: 0.5, noNaN: true }),
    failProbability: fc.double({ min: 0, max: 0.2, noNaN: true }),
    readProbability: fc.double({ min: 0.2, max: 0.6, noNaN: true }),
    casProbability: fc.double({ min: 0, max: 0.3, noNaN: true }),
    maxGapNs: fc.integer({ min: 1, max: 2000 }),
    mismatchFacts: fc.constantFrom('none' as const, 'flag' as const, 'current' as const, 'mixed' as const),
  });

/**
 * Brute force: try every order and every choice of which info ops took effect. A cas `fail` on a
 * mismatch is a read where the register does not hold `expected` (and holds `current`, if given).
 */
function bruteForceLinearizable(ops: readonly Operation[]): boolean {
  interface Op { call: number; ret: number; optional: boolean; f: string; input: JsonValue; output: JsonValue; current: JsonValue | undefined }
  const live: Op[] = [];
  for (const op of ops) {
    const mismatch = op.outcome === 'fail' && op.f === 'cas' && op.completion.mismatch === true;
    if (op.outcome === 'fail' && !mismatch) continue;
    if (op.outcome === 'info' && op.f === 'read') continue;
    live.push({ call: op.invokePosition, ret: op.outcome === 'info' ? Infinity : op.completionPosition, optional: op.outcome === 'info', f: mismatch ? 'cas-mismatch' : op.f, input: op.invoke.value, output: op.completion.value, current: op.completion.current });
  }
  const placed = new Array<boolean>(live.length).fill(false);
  const apply = (state: string, op: Op): string | null => {
    switch (op.f) {
      case 'read':
        return canonicalJson(op.output) === state ? state : null;
      case 'write':
        return canonicalJson(op.input);
      case 'cas-mismatch': {
        const pair = isJsonArray(op.input) ? op.input : [];
        if (canonicalJson(pair[0] ?? null) === state) return null;
        if (op.current !== undefined && canonicalJson(op.current) !== state) return null;
        return state;
      }
      default: {
        const pair = isJsonArray(op.input) ? op.input : [];
        return canonicalJson(pair[0] ?? null) === state ? canonicalJson(pair[1] ?? null) : null;
      }
    }
  };
  const search = (state: string): boolean => {
    if (live.every((op, i) => placed[i] === true || op.optional)) return true;
    for (let i = 0; i < live.length; i++) {
      const op = live[i];
      if (op === undefined || placed[i] === true) continue;
      // Every unplaced determinate op that completed before this one was invoked must come first.
      if (live.some((other, j) => j !== i && placed[j] !== true && !other.optional && other.ret < op.call)) continue;
      const after = apply(state, op);
      if (after === null) continue;
      placed[i] = true;
      if (search(after)) return true;
      placed[i] = false;
    }
    return false;
  };
  return search('null');
}

function historyOf(events: readonly HistoryEvent[]): History {
  return buildHistory(events);
}

describe('register checker properties', () => {
  it('accepts every history of a simulated linearizable register', () => {
    fc.assert(
      fc.property(specArbitrary(300), (spec) => {
        const history = historyOf(simulateRegisterHistory(spec).events);
        expect(checkRegister(history).verdict).toBe('valid');
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with a brute-force oracle on small histories with random read values', () => {
    fc.assert(
      fc.property(specArbitrary(8), fc.constantFrom(0, 0.2, 0.4, 0.6), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 16, maxLength: 16 }), (spec, infoProbability, noise) => {
        // Plenty of cas, so that mismatches (and planted wrong ones) are common.
        const simulation = simulateRegisterHistory({ ...spec, keyCount: 1, infoProbability, operationCount: Math.max(3, spec.operationCount), casProbability: 0.25 + spec.casProbability });
        // Perturb some read results, cas outcomes and values found by mismatches, so that many
        // histories are invalid: a cas that swapped reported as a mismatch (pick 3), a mismatch
        // reported as a swap (pick 4), a mismatch that found another value (picks 0-2).
        let n = 0;
        const events = simulation.events.map((event): HistoryEvent => {
          const pick = noise[n++ % noise.length] ?? 0;
          if (event.type === 'ok' && event.f === 'read' && pick < 3) return { ...event, value: pick === 0 ? null : pick };
          if (event.type === 'ok' && event.f === 'cas' && pick === 3) return { ...event, type: 'fail', mismatch: true };
          if (event.type === 'fail' && event.f === 'cas' && pick === 4) {
            const { mismatch: _mismatch, current: _current, ...rest } = event;
            return { ...rest, type: 'ok' };
          }
          if (event.type === 'fail' && event.f === 'cas' && event.current !== undefined && pick < 3) return { ...event, current: pick === 0 ? null : pick };
          return event;
        });
        const history = historyOf(events);
        const expected = bruteForceLinearizable(history.operations) ? 'valid' : 'invalid';
        expect(checkRegister(history).verdict).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects a sequential history once a cas that swapped is reported as a mismatch', () => {
    fc.assert(
      fc.property(specArbitrary(60), fc.nat(), fc.boolean(), (spec, choice, withCurrent) => {
        // One thread and no info: nothing can change the register while the cas runs, and it held
        // `expected` then (the cas swapped), so no point of its window differs from `expected`.
        const simulation = simulateRegisterHistory({ ...spec, threadCount: 1, infoProbability: 0 });
        const history = historyOf(simulation.events);
        const swapped = history.operations.filter((op) => op.f === 'cas' && op.outcome === 'ok');
        fc.pre(swapped.length > 0);
        const target = swapped[choice % swapped.length];
        if (target === undefined) return;
        // With `current`, any value but `expected` (a cas is [expected, new]; new is unique).
        const pair = isJsonArray(target.invoke.value) ? target.invoke.value : [];
        const facts = withCurrent ? { mismatch: true, current: pair[1] ?? null } : { mismatch: true };
        const failed = (extra: FailureFacts): History =>
          historyOf(history.events.map((event, position): HistoryEvent => (position === target.completionPosition ? { ...event, type: 'fail', ...extra } : event)));
        // Only where the mismatch is the sole evidence: as a plain fail the history is still valid
        // (nothing later saw the value the cas wrote).
        fc.pre(checkRegister(failed({})).verdict === 'valid');
        expect(checkRegister(failed(facts)).verdict).toBe('invalid');
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a history once an ok read is made stale', () => {
    fc.assert(
      fc.property(specArbitrary(200), fc.nat(), (spec, choice) => {
        const simulation = simulateRegisterHistory({ ...spec, keyCount: 1, infoProbability: spec.infoProbability / 2 });
        const history = historyOf(simulation.events);
        // Find reads R and a value v written by an ok op W such that another ok write W2 began
        // after W completed and completed before R began: R can no longer see v (values are unique).
        const writers = history.operations.filter((op) => op.outcome === 'ok' && op.f !== 'read');
        const written = (op: Operation): JsonValue => (op.f === 'cas' && isJsonArray(op.invoke.value) ? (op.invoke.value[1] ?? null) : op.invoke.value);
        const stale: { read: Operation; value: JsonValue }[] = [];
        for (const read of history.operations) {
          if (read.f !== 'read' || read.outcome !== 'ok') continue;
          for (const w of writers) {
            const overwritten = writers.some((w2) => w2 !== w && w.completionPosition < w2.invokePosition && w2.completionPosition < read.invokePosition);
            if (overwritten && canonicalJson(written(w)) !== canonicalJson(read.completion.value)) stale.push({ read, value: written(w) });
          }
        }
        fc.pre(stale.length > 0);
        const target = stale[choice % stale.length];
        if (target === undefined) return;
        const events = history.events.map((event, position) => (position === target.read.completionPosition ? { ...event, value: target.value } : event));
        expect(checkRegister(historyOf(events)).verdict).toBe('invalid');
      }),
      { numRuns: 200 },
    );
  });
});
