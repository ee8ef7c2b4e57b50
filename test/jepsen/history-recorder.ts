/**
 * Records client operations as a history (see history.ts for the format), enforcing its process
 * rules as they happen rather than finding out at check time:
 * - a process runs one operation at a time: invoke, then exactly one completion;
 * - an operation that ends in `info` retires its process for good — the worker must take a fresh
 *   process number from `newProcess()` for its next operation;
 * - `index` strictly increases and `time` never decreases (one monotonic clock).
 * A broken rule is a harness bug and throws a RecorderError at once.
 *
 * Each event becomes one line for the sink (history.jsonl). Invokes carry an extra `node` field
 * (which node the client talked to) and failed or info completions an `error` field; the checkers
 * ignore both. A `fail` refused because of the state it found also carries `mismatch` (and
 * `current`, the value found, when known): those are part of the format and the register checker
 * reads them (history.ts).
 */
import { failureFactsRecord, type CompletionType, type FailureFacts, type HistoryEvent } from './history.js';
import type { JsonValue } from './json-value.js';
import type { MonotonicClock } from './monotonic-clock.js';

export type RecorderErrorCode = 'PROCESS_BUSY' | 'PROCESS_RETIRED' | 'PROCESS_UNKNOWN' | 'NOT_PENDING' | 'CLOSED' | 'BAD_FACTS';

export class RecorderError extends Error {
  constructor(
    readonly code: RecorderErrorCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'RecorderError';
  }
}

/** An invoked operation awaiting its completion. */
export interface PendingOp {
  readonly process: number;
  readonly f: string;
  readonly key: string | undefined;
  readonly invoke: HistoryEvent;
}

export interface InvokeExtras {
  /** The node index the client talks to, for people reading the history. */
  readonly node?: number;
}

export interface RecorderCounts {
  readonly invoke: number;
  readonly ok: number;
  readonly fail: number;
  readonly info: number;
}

export class HistoryRecorder {
  private nextIndex = 0;
  private lastTimeNs = 0;
  private nextProcessNumber = 0;
  private readonly pending = new Map<number, PendingOp>();
  private readonly retired = new Set<number>();
  private closed = false;
  private counts = { invoke: 0, ok: 0, fail: 0, info: 0 };

  constructor(
    private readonly clock: MonotonicClock,
    private readonly sink: (line: string) => void,
  ) {}

  /** A process number never used before. */
  newProcess(): number {
    const process = this.nextProcessNumber;
    this.nextProcessNumber += 1;
    return process;
  }

  invoke(process: number, f: string, key: string | undefined, value: JsonValue, extras: InvokeExtras = {}): PendingOp {
    this.assertOpen();
    if (process >= this.nextProcessNumber || process < 0) {
      throw new RecorderError('PROCESS_UNKNOWN', `process ${process} was never handed out by newProcess()`);
    }
    if (this.retired.has(process)) {
      throw new RecorderError('PROCESS_RETIRED', `process ${process} had an operation end in info and must not invoke again`);
    }
    const open = this.pending.get(process);
    if (open !== undefined) {
      throw new RecorderError('PROCESS_BUSY', `process ${process} invokes ${f} while its ${open.f} (index ${open.invoke.index}) is pending`);
    }
    const event = this.makeEvent(process, 'invoke', f, key, value);
    const op: PendingOp = { process, f, key, invoke: event };
    this.pending.set(process, op);
    this.counts.invoke += 1;
    this.emit(event, extras.node === undefined ? undefined : { node: extras.node });
    return op;
  }

  /**
   * Completes `op`. `info` retires its process. `error` is recorded alongside for people. `facts`
   * (a `fail` only) says the operation was refused because of the state it found, and what it found.
   */
  complete(op: PendingOp, type: CompletionType, value: JsonValue, error?: string, facts: FailureFacts = {}): HistoryEvent {
    this.assertOpen();
    if (this.pending.get(op.process) !== op) {
      throw new RecorderError('NOT_PENDING', `process ${op.process}'s ${op.f} (index ${op.invoke.index}) is not the pending operation`);
    }
    if (facts.mismatch === true && type !== 'fail') {
      throw new RecorderError('BAD_FACTS', `process ${op.process}'s ${op.f} (index ${op.invoke.index}) completes ${type} with mismatch: only a fail can be a mismatch`);
    }
    if (facts.current !== undefined && facts.mismatch !== true) {
      throw new RecorderError('BAD_FACTS', `process ${op.process}'s ${op.f} (index ${op.invoke.index}) records a current value without mismatch`);
    }
    this.pending.delete(op.process);
    if (type === 'info') this.retired.add(op.process);
    this.counts[type] += 1;
    const event: HistoryEvent = { ...this.makeEvent(op.process, type, op.f, op.key, value), ...facts };
    this.emit(event, error === undefined ? undefined : { error });
    return event;
  }

  isRetired(process: number): boolean {
    return this.retired.has(process);
  }

  pendingOps(): readonly PendingOp[] {
    return [...this.pending.values()];
  }

  get eventCount(): number {
    return this.nextIndex;
  }

  get tally(): RecorderCounts {
    return { ...this.counts };
  }

  /**
   * Ends the history: every operation still pending is completed as `info` (its outcome is
   * unknown), so the history is complete. Further calls throw CLOSED.
   */
  close(reason: string): void {
    if (this.closed) return;
    for (const op of [...this.pending.values()]) this.complete(op, 'info', op.invoke.value, reason);
    this.closed = true;
  }

  private makeEvent(process: number, type: HistoryEvent['type'], f: string, key: string | undefined, value: JsonValue): HistoryEvent {
    const timeNs = Math.max(this.lastTimeNs, this.clock.nowNs());
    this.lastTimeNs = timeNs;
    const index = this.nextIndex;
    this.nextIndex += 1;
    return key === undefined ? { index, timeNs, process, type, f, value } : { index, timeNs, process, type, f, key, value };
  }

  private emit(event: HistoryEvent, extra: { readonly node: number } | { readonly error: string } | undefined): void {
    const record: Record<string, JsonValue> = {
      index: event.index,
      time: event.timeNs,
      process: event.process,
      type: event.type,
      f: event.f,
    };
    if (event.key !== undefined) record['key'] = event.key;
    record['value'] = event.value;
    Object.assign(record, failureFactsRecord(event));
    if (extra !== undefined) Object.assign(record, extra);
    this.sink(JSON.stringify(record));
  }

  private assertOpen(): void {
    if (this.closed) throw new RecorderError('CLOSED', 'the history is closed');
  }
}
