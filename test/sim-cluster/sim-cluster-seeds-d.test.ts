/**
 * The whole-cluster simulation in npm test: seeds 151-200 of 200, in four files so that vitest
 * spreads them over the cores (see seed-batch.ts for what each block checks).
 */
import { describeSeedBatch } from './seed-batch.js';

describeSeedBatch(151, 200);
