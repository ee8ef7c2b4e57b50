/**
 * The register workload: reads, writes and compare-and-swaps on many keys, values 0..4 (a small
 * value space makes cas succeed often and gives the checker real choices). Each key takes at most
 * `opsPerKeyMax` operations and is then retired for a fresh one, so every key's history stays small
 * enough for the linearizability search however long the run; `activeKeyCount` keys are in play at
 * a time, so concurrent workers overlap on keys.
 *
 * History (register model): f "read" (value read, null if none), "write" (value), "cas"
 * ([expected, new]; fail with `mismatch` when the value differed, and `current`, the value the
 * database found, when it says; a plain fail when refused for another reason). Final reads: every
 * key still active.
 */
import type { SeededRng } from '../../../raft/rng.js';
import type { JsonValue } from '../json-value.js';
import type { KvCallOptions, KvClient } from '../kv-client.js';
import type { OpResult, PlannedOp, Workload, WorkloadOptions } from './workload.js';

export interface RegisterWorkloadOptions extends WorkloadOptions {
  readonly activeKeyCount?: number;
  readonly opsPerKeyMax?: number;
  readonly valueCount?: number;
  readonly readFraction?: number;
  readonly writeFraction?: number;
}

interface ActiveKey {
  readonly name: string;
  opsIssued: number;
}

export const REGISTER_OPS_PER_KEY_MAX_DEFAULT = 150;

export class RegisterWorkload implements Workload {
  readonly name = 'register';
  readonly checkModel = 'register';
  private readonly keys: ActiveKey[] = [];
  private nextKeyNumber = 0;
  private readonly opsPerKeyMax: number;
  private readonly valueCount: number;
  private readonly readFraction: number;
  private readonly writeFraction: number;

  constructor(options: RegisterWorkloadOptions) {
    const activeKeyCount = options.activeKeyCount ?? Math.max(4, options.concurrency);
    this.opsPerKeyMax = options.opsPerKeyMax ?? REGISTER_OPS_PER_KEY_MAX_DEFAULT;
    this.valueCount = options.valueCount ?? 5;
    this.readFraction = options.readFraction ?? 0.5;
    this.writeFraction = options.writeFraction ?? 0.25;
    if (activeKeyCount < 1 || this.opsPerKeyMax < 1 || this.valueCount < 1) throw new RangeError('register workload: counts must be ≥ 1');
    for (let i = 0; i < activeKeyCount; i++) this.keys.push(this.freshKey());
  }

  nextOp(rng: SeededRng): PlannedOp {
    const slot = rng.int(this.keys.length);
    const key = this.keys[slot]!;
    key.opsIssued += 1;
    if (key.opsIssued >= this.opsPerKeyMax) this.keys[slot] = this.freshKey();
    const roll = rng.float();
    if (roll < this.readFraction) return { f: 'read', key: key.name, value: null };
    if (roll < this.readFraction + this.writeFraction) return { f: 'write', key: key.name, value: rng.int(this.valueCount) };
    return { f: 'cas', key: key.name, value: [rng.int(this.valueCount), rng.int(this.valueCount)] };
  }

  async execute(op: PlannedOp, client: KvClient, options: KvCallOptions): Promise<OpResult> {
    switch (op.f) {
      case 'read':
        return { type: 'ok', value: await client.get(op.key, options) };
      case 'write':
        await client.put(op.key, op.value, options);
        return { type: 'ok', value: op.value };
      case 'cas': {
        const [expected, next] = casPair(op.value);
        const result = await client.cas(op.key, expected, next, options);
        if (result.swapped) return { type: 'ok', value: op.value };
        return { type: 'fail', value: op.value, facts: result.current === undefined ? { mismatch: true } : { mismatch: true, current: result.current } };
      }
      default:
        throw new Error(`register workload: unknown f ${op.f}`);
    }
  }

  activeKeys(): readonly string[] {
    return this.keys.map((k) => k.name);
  }

  finalOps(): readonly PlannedOp[] {
    return this.keys.filter((k) => k.opsIssued > 0).map((k) => ({ f: 'read', key: k.name, value: null }));
  }

  private freshKey(): ActiveKey {
    const name = `r${this.nextKeyNumber}`;
    this.nextKeyNumber += 1;
    return { name, opsIssued: 0 };
  }
}

function casPair(value: JsonValue): readonly [JsonValue, JsonValue] {
  if (!Array.isArray(value) || value.length !== 2) throw new Error(`register workload: cas value must be [expected, new], got ${JSON.stringify(value)}`);
  return [value[0] ?? null, value[1] ?? null];
}
