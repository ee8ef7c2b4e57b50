/**
 * Property tests of the list-append checker against a simulated strictly serializable store:
 * every generated history is valid (also under strict serializability), and making one read
 * stale (dropping the last element, appended by a txn that completed before the reader began)
 * makes it invalid under strict serializability.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildHistory, type HistoryEvent } from '../history.js';
import { isJsonArray, type JsonValue } from '../json-value.js';
import { simulateListAppendHistory, type ListAppendSimulationSpec } from '../list-append-simulator.js';
import { checkListAppend } from './list-append.js';

const specArbitrary: fc.Arbitrary<ListAppendSimulationSpec> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  txnCount: fc.integer({ min: 1, max: 150 }),
  threadCount: fc.integer({ min: 1, max: 6 }),
  keyCount: fc.integer({ min: 1, max: 5 }),
  microOpsMax: fc.integer({ min: 1, max: 4 }),
  infoProbability: fc.constantFrom(0, 0.1, 0.3),
  failProbability: fc.constantFrom(0, 0.1),
  maxGapNs: fc.integer({ min: 1, max: 2000 }),
});

describe('list-append checker properties', () => {
  it('accepts every history of a simulated strictly serializable store', () => {
    fc.assert(
      fc.property(specArbitrary, (spec) => {
        const history = buildHistory(simulateListAppendHistory(spec));
        for (const consistencyModel of ['serializable', 'strict-serializable', 'snapshot-isolation'] as const) {
          const result = checkListAppend(history, { consistencyModel });
          expect(result.anomalies).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a history with one read made stale, under strict serializability', () => {
    fc.assert(
      fc.property(specArbitrary, fc.nat(), (spec, choice) => {
        const history = buildHistory(simulateListAppendHistory({ ...spec, txnCount: Math.max(spec.txnCount, 20) }));
        // Who appended each element, and when that txn completed (ok txns only).
        const appendedBy = new Map<string, { completionPosition: number; process: number; opId: number }>();
        for (const op of history.operations) {
          if (op.outcome !== 'ok' || !isJsonArray(op.invoke.value)) continue;
          for (const micro of op.invoke.value) {
            if (isJsonArray(micro) && micro[0] === 'append') appendedBy.set(`${String(micro[1])}/${String(micro[2])}`, { completionPosition: op.completionPosition, process: op.process, opId: op.id });
          }
        }
        const targets: { position: number; microIndex: number }[] = [];
        for (const op of history.operations) {
          if (op.outcome !== 'ok' || !isJsonArray(op.completion.value)) continue;
          op.completion.value.forEach((micro, microIndex) => {
            if (!isJsonArray(micro) || micro[0] !== 'r' || !isJsonArray(micro[2] ?? null)) return;
            const list = micro[2] as readonly JsonValue[];
            const last = list[list.length - 1];
            const writer = appendedBy.get(`${String(micro[1])}/${String(last)}`);
            // Only the txn's first read of that key, so the mutation cannot be explained away internally.
            const firstRead = (op.completion.value as readonly JsonValue[]).findIndex((m) => isJsonArray(m) && m[1] === micro[1]) === microIndex;
            if (writer !== undefined && writer.opId !== op.id && writer.completionPosition < op.invokePosition && firstRead) {
              targets.push({ position: op.completionPosition, microIndex });
            }
          });
        }
        fc.pre(targets.length > 0);
        const target = targets[choice % targets.length];
        if (target === undefined) return;
        const events = history.events.map((event, position): HistoryEvent => {
          if (position !== target.position || !isJsonArray(event.value)) return event;
          const value = event.value.map((micro, i) => {
            if (i !== target.microIndex || !isJsonArray(micro)) return micro;
            const list = micro[2] as readonly JsonValue[];
            return [micro[0] ?? null, micro[1] ?? null, list.length === 1 ? null : list.slice(0, -1)];
          });
          return { ...event, value };
        });
        const result = checkListAppend(buildHistory(events), { consistencyModel: 'strict-serializable' });
        expect(result.verdict).toBe('invalid');
      }),
      { numRuns: 150 },
    );
  });
});
