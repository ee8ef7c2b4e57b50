/**
 * Builds histories in code, for tests and for the harness's own fixtures: each call appends one
 * event, completions copy f and key from the process's pending invoke, and time advances by a fixed
 * step per event.
 */
import { buildHistory, formatHistoryEvent, type FailureFacts, type History, type HistoryEvent } from './history.js';
import type { JsonValue } from './json-value.js';

export class HistoryBuilder {
  private readonly events: HistoryEvent[] = [];
  private readonly pending = new Map<number, HistoryEvent>();
  private timeNs = 0;

  constructor(private readonly stepNs = 1_000_000) {}

  invoke(process: number, f: string, value: JsonValue = null, key?: string): this {
    const event: HistoryEvent = key === undefined
      ? { index: this.events.length, timeNs: this.tick(), process, type: 'invoke', f, value }
      : { index: this.events.length, timeNs: this.tick(), process, type: 'invoke', f, key, value };
    this.pending.set(process, event);
    this.events.push(event);
    return this;
  }

  ok(process: number, value?: JsonValue): this {
    return this.complete(process, 'ok', value);
  }

  /** A certain failure; `facts` says whether it was a mismatch (and what was found). */
  fail(process: number, value?: JsonValue, facts: FailureFacts = {}): this {
    return this.complete(process, 'fail', value, facts);
  }

  /**
   * A `fail` on a mismatch (a cas whose compare did not match), with the value found when given
   * (null: none). Without `current`, the history does not say what was found.
   */
  mismatch(process: number, ...current: [] | [JsonValue]): this {
    const facts: FailureFacts = current.length === 0 ? { mismatch: true } : { mismatch: true, current: current[0] };
    return this.complete(process, 'fail', undefined, facts);
  }

  info(process: number, value?: JsonValue): this {
    return this.complete(process, 'info', value);
  }

  build(): History {
    return buildHistory(this.events);
  }

  jsonl(): string {
    return this.events.map(formatHistoryEvent).join('\n') + '\n';
  }

  private complete(process: number, type: 'ok' | 'fail' | 'info', value: JsonValue | undefined, facts: FailureFacts = {}): this {
    const invoke = this.pending.get(process);
    if (invoke === undefined) throw new Error(`HistoryBuilder: process ${process} has nothing pending`);
    this.pending.delete(process);
    const base = { index: this.events.length, timeNs: this.tick(), process, type, f: invoke.f, value: value === undefined ? invoke.value : value, ...facts };
    this.events.push(invoke.key === undefined ? base : { ...base, key: invoke.key });
    return this;
  }

  private tick(): number {
    this.timeNs += this.stepNs;
    return this.timeNs;
  }
}
