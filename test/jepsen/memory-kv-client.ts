/**
 * An in-memory KvClient for tests of the workloads, workers and recorder without processes:
 * linearizable (each call takes effect at one instant between its start and its end), with
 * injectable faults drawn from a seeded rng — certain failures, unknown outcomes that did or did not
 * take effect, hangs until the harness gives up — and a planted bug (stale reads) for teeth.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SeededRng } from '../../raft/rng.js';
import { canonicalJson, type JsonValue } from './json-value.js';
import { kvFailed, kvUnknown, type CasResult, type KvCallOptions, type KvClient } from './kv-client.js';

export interface MemoryKvFaults {
  readonly failProbability?: number;
  /** Took effect, but the caller is told the outcome is unknown. */
  readonly unknownAppliedProbability?: number;
  /** Did not take effect, and the caller is told the outcome is unknown. */
  readonly unknownLostProbability?: number;
  /** Never answers; only the caller's abort ends it. */
  readonly hangProbability?: number;
  readonly latencyMsMax?: number;
  /** Reads answer from a copy of the data refreshed every 7th operation (the planted bug). */
  readonly staleReads?: boolean;
}

/** The shared state behind every MemoryKvClient of a test. */
export class MemoryKvStore {
  readonly values = new Map<string, string>();
  snapshot = new Map<string, string>();
  operations = 0;
}

export class MemoryKvClient implements KvClient {
  constructor(
    private readonly store: MemoryKvStore,
    private readonly rng: SeededRng,
    private readonly faults: MemoryKvFaults = {},
  ) {}

  get(key: string, options: KvCallOptions): Promise<JsonValue> {
    return this.call(options, () => {
      const source = this.faults.staleReads === true ? this.store.snapshot : this.store.values;
      const text = source.get(key);
      return text === undefined ? null : (JSON.parse(text) as JsonValue);
    });
  }

  async put(key: string, value: JsonValue, options: KvCallOptions): Promise<void> {
    await this.call(options, () => {
      this.store.values.set(key, canonicalJson(value));
      return null;
    });
  }

  cas(key: string, expected: JsonValue, next: JsonValue, options: KvCallOptions): Promise<CasResult> {
    return this.call(options, (): CasResult => {
      const current = this.store.values.get(key) ?? null;
      if (current !== (expected === null ? null : canonicalJson(expected))) {
        return { swapped: false, current: current === null ? null : (JSON.parse(current) as JsonValue) };
      }
      this.store.values.set(key, canonicalJson(next));
      return { swapped: true };
    });
  }

  async delete(key: string, options: KvCallOptions): Promise<void> {
    await this.call(options, () => {
      this.store.values.delete(key);
      return null;
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async call<T>(options: KvCallOptions, effect: () => T): Promise<T> {
    const faults = this.faults;
    const roll = this.rng.float();
    let threshold = faults.failProbability ?? 0;
    if (roll < threshold) throw kvFailed('UNAVAILABLE', 'injected failure');
    const latencyMs = faults.latencyMsMax === undefined ? 0 : this.rng.float() * faults.latencyMsMax;
    threshold += faults.hangProbability ?? 0;
    if (roll < threshold) {
      await sleep(3_600_000, undefined, { signal: options.signal, ref: false }).catch(() => undefined);
      throw kvUnknown('ABORTED', 'injected hang, abandoned');
    }
    if (latencyMs > 0) await sleep(latencyMs / 2);
    this.store.operations += 1;
    if (this.store.operations % 7 === 0) this.store.snapshot = new Map(this.store.values);
    threshold += faults.unknownLostProbability ?? 0;
    if (roll < threshold) throw kvUnknown('OUTCOME_UNKNOWN', 'injected: lost');
    const result = effect();
    threshold += faults.unknownAppliedProbability ?? 0;
    if (roll < threshold) throw kvUnknown('OUTCOME_UNKNOWN', 'injected: applied');
    if (latencyMs > 0) await sleep(latencyMs / 2);
    return result;
  }
}
