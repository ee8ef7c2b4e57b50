/**
 * The list-append checker on 10,000 transactions over a few hot keys (long lists): bounded by a
 * generous timeout, no timing assertion (the machine is shared); the time is printed.
 */
import { expect, it } from 'vitest';
import { buildHistory } from '../history.js';
import { simulateListAppendHistory } from '../list-append-simulator.js';
import { checkListAppend } from './list-append.js';

it('checks 10,000 txns on 3 keys under strict serializability', () => {
  const history = buildHistory(simulateListAppendHistory({ seed: 1, txnCount: 10_000, threadCount: 10, keyCount: 3, microOpsMax: 4, infoProbability: 0.1, failProbability: 0.05, maxGapNs: 1000 }));
  const startedMs = performance.now();
  const result = checkListAppend(history, { consistencyModel: 'strict-serializable' });
  console.log(`list-append check: 10000 txns, 3 keys, ${result.edgeCount} edges: ${(performance.now() - startedMs).toFixed(0)} ms`);
  expect(result.anomalies).toEqual([]);
  expect(result.verdict).toBe('valid');
}, 240_000);
