/**
 * The set workload: unique adds (integers, never repeated), a few reads, and final reads after
 * healing; the set checker then looks for acknowledged adds that were lost.
 *
 * A set lives in one key as a JSON list. An add is a read-compare-and-swap loop: read the list, cas
 * it to the list plus the element; a cas that lost a race is retried (up to `casAttemptsMax`). An
 * add is `ok` once a cas succeeded (or a read shows the element, placed by an earlier attempt whose
 * outcome was unknown), `fail` only if every attempt certainly failed, otherwise unknown. Each key
 * takes at most `elementsPerKeyMax` elements, then a fresh key is used, so values stay small.
 *
 * History (set model): f "add" (value: the element), f "read" (value: the list).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SeededRng } from '../../../raft/rng.js';
import { isJsonArray, type JsonValue } from '../json-value.js';
import { kvFailed, kvUnknown, type KvCallOptions, type KvClient } from '../kv-client.js';
import type { OpResult, PlannedOp, Workload, WorkloadOptions } from './workload.js';

export interface SetWorkloadOptions extends WorkloadOptions {
  readonly activeKeyCount?: number;
  readonly elementsPerKeyMax?: number;
  readonly readFraction?: number;
  readonly casAttemptsMax?: number;
  /** How to wait between cas attempts (the whole-cluster simulator passes its virtual timers). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

interface ActiveSet {
  readonly name: string;
  elementsIssued: number;
}

const CAS_BACKOFF_MS_PER_ATTEMPT = 2;

export class SetWorkload implements Workload {
  readonly name = 'set';
  readonly checkModel = 'set';
  private readonly keys: ActiveSet[] = [];
  private readonly everyKey: string[] = [];
  private nextKeyNumber = 0;
  private nextElement = 0;
  private readonly elementsPerKeyMax: number;
  private readonly readFraction: number;
  private readonly casAttemptsMax: number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(options: SetWorkloadOptions) {
    const activeKeyCount = options.activeKeyCount ?? Math.max(2, Math.ceil(options.concurrency / 3));
    this.elementsPerKeyMax = options.elementsPerKeyMax ?? 400;
    this.readFraction = options.readFraction ?? 0.05;
    this.casAttemptsMax = options.casAttemptsMax ?? 25;
    this.sleep = options.sleep ?? ((ms, signal) => sleep(ms, undefined, { signal }));
    if (activeKeyCount < 1 || this.elementsPerKeyMax < 1 || this.casAttemptsMax < 1) throw new RangeError('set workload: counts must be ≥ 1');
    for (let i = 0; i < activeKeyCount; i++) this.keys.push(this.freshKey());
  }

  nextOp(rng: SeededRng): PlannedOp {
    const slot = rng.int(this.keys.length);
    const key = this.keys[slot]!;
    if (rng.float() < this.readFraction) return { f: 'read', key: key.name, value: null };
    key.elementsIssued += 1;
    if (key.elementsIssued >= this.elementsPerKeyMax) this.keys[slot] = this.freshKey();
    const element = this.nextElement;
    this.nextElement += 1;
    return { f: 'add', key: key.name, value: element };
  }

  async execute(op: PlannedOp, client: KvClient, options: KvCallOptions): Promise<OpResult> {
    switch (op.f) {
      case 'read':
        return { type: 'ok', value: asList(await client.get(op.key, options), op.key) };
      case 'add':
        return this.add(op, client, options);
      default:
        throw new Error(`set workload: unknown f ${op.f}`);
    }
  }

  activeKeys(): readonly string[] {
    return this.keys.map((k) => k.name);
  }

  /** A final read of every set that was ever used. */
  finalOps(): readonly PlannedOp[] {
    return this.everyKey.map((key) => ({ f: 'read', key, value: null }));
  }

  /**
   * Errors propagate as they are: a certain failure of any step (nothing swapped so far, since a
   * swap ends the loop) makes the add a certain failure; an unknown outcome makes it unknown.
   */
  private async add(op: PlannedOp, client: KvClient, options: KvCallOptions): Promise<OpResult> {
    for (let attempt = 1; attempt <= this.casAttemptsMax; attempt++) {
      const current = await client.get(op.key, options);
      const list = asList(current, op.key);
      if (list.some((e) => e === op.value)) return { type: 'ok', value: op.value };
      if ((await client.cas(op.key, current, [...list, op.value], options)).swapped) return { type: 'ok', value: op.value };
      await this.sleep(attempt * CAS_BACKOFF_MS_PER_ATTEMPT, options.signal);
    }
    throw kvFailed('REJECTED', `add ${JSON.stringify(op.value)}: lost every one of ${this.casAttemptsMax} compare-and-swap races`);
  }

  private freshKey(): ActiveSet {
    const name = `s${this.nextKeyNumber}`;
    this.nextKeyNumber += 1;
    this.everyKey.push(name);
    return { name, elementsIssued: 0 };
  }
}

function asList(value: JsonValue, key: string): readonly JsonValue[] {
  if (value === null) return [];
  if (isJsonArray(value)) return value;
  throw kvUnknown('BAD_RESPONSE', `set ${key} holds ${JSON.stringify(value)}, not a list`);
}
