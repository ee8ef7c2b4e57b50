/**
 * Property tests of the register checker against the simulated register (valid by construction),
 * against a deliberately simple brute-force oracle on small histories, and under a mutation that
 * must make a history invalid (a stale read).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildHistory, type History, type HistoryEvent, type Operation } from '../history.js';
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
  });

/** Brute force: try every order and every choice of which info ops took effect. */
function bruteForceLinearizable(ops: readonly Operation[]): boolean {
  interface Op { call: number; ret: number; optional: boolean; f: string; input: JsonValue; output: JsonValue }
  const live: Op[] = [];
  for (const op of ops) {
    if (op.outcome === 'fail') continue;
    if (op.outcome === 'info' && op.f === 'read') continue;
    live.push({ call: op.invokePosition, ret: op.outcome === 'info' ? Infinity : op.completionPosition, optional: op.outcome === 'info', f: op.f, input: op.invoke.value, output: op.completion.value });
  }
  const placed = new Array<boolean>(live.length).fill(false);
  const apply = (state: string, op: Op): string | null => {
    switch (op.f) {
      case 'read':
        return canonicalJson(op.output) === state ? state : null;
      case 'write':
        return canonicalJson(op.input);
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
        const simulation = simulateRegisterHistory({ ...spec, keyCount: 1, infoProbability, operationCount: Math.max(3, spec.operationCount) });
        // Perturb some read results (and cas outcomes) so that many histories are invalid.
        let n = 0;
        const events = simulation.events.map((event): HistoryEvent => {
          const pick = noise[n++ % noise.length] ?? 0;
          if (event.type === 'ok' && event.f === 'read' && pick < 3) return { ...event, value: pick === 0 ? null : pick };
          if (event.type === 'fail' && event.f === 'cas' && pick === 4) return { ...event, type: 'ok' };
          return event;
        });
        const history = historyOf(events);
        const expected = bruteForceLinearizable(history.operations) ? 'valid' : 'invalid';
        expect(checkRegister(history).verdict).toBe(expected);
      }),
      { numRuns: 3000 },
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
