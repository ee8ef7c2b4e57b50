/**
 * The history format shared by the fault harness and the checkers: JSON Lines, one event per line.
 *
 *   {"index": 0, "time": 1500, "process": 3, "type": "invoke", "f": "write", "key": "k1", "value": 7}
 *
 * - `index`   integer ≥ 0, strictly increasing from line to line (gaps allowed: a filtered history
 *             keeps its original indices). The order of the lines is the real-time order: an
 *             operation whose completion line comes before another's invoke line precedes it.
 * - `time`    integer nanoseconds since the test started, never decreasing from line to line.
 *             Shown in reports; ordering uses the line order, which `time` must agree with.
 * - `process` integer ≥ 0, the logical client issuing the operation. A process runs one operation
 *             at a time: each `invoke` is followed by exactly one completion (`ok`, `fail` or
 *             `info`) by the same process with the same `f` and `key`, before its next `invoke`.
 * - `type`    "invoke" | "ok" (took effect, result known) | "fail" (certainly took no effect) |
 *             "info" (outcome unknown: it may have taken effect, at any time after its invoke, or
 *             never). A process whose operation ended in `info` never invokes again; the worker
 *             continues under a new process number.
 * - `f`       the operation's name; its meaning and the shape of `value` belong to each model.
 * - `key`     optional string naming the object (register, set) the operation touches.
 * - `value`   any JSON, required (may be null). The invoke carries the argument, the completion
 *             the result (for example a read's invoke has null, its `ok` has the value read).
 *
 * Optional, on a `fail` completion only — why an operation certainly took no effect, when that
 * why is itself an observation of the object's state:
 * - `mismatch` boolean. true: the operation was refused because of the state it found, not for a
 *             reason unrelated to the data (a minority-side refusal, a connection refused, a
 *             deadline before proposing), which tells nothing about the value. For the register
 *             model: a cas whose compare did not match, i.e. the register did not hold `expected`
 *             when the cas took its (no-)effect. Absent or false: a plain failure.
 * - `current` any JSON, only with `mismatch: true`: the value the operation found (null: none),
 *             when the database reported it. Absent: not reported (not the same as null).
 *   {"index": 9, "time": 3200, "process": 3, "type": "fail", "f": "cas", "key": "k1", "value": [1, 2],
 *    "mismatch": true, "current": 4}
 * What a mismatch means belongs to each model (register reads it; the others ignore it). A checker
 * that does not know these fields ignores them and drops the `fail` as before, which stays sound:
 * it only sees less.
 *
 * Other fields are ignored, so the format can grow without breaking old checkers. Nemesis events do
 * not belong in a history; the harness records them separately.
 *
 * A history that breaks any of these rules is malformed: parsing throws a HistoryError naming the
 * line, and no checker gives a verdict on it.
 */
import { asJsonValue, type JsonValue } from './json-value.js';

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';
export type CompletionType = Exclude<EventType, 'invoke'>;

/**
 * What a `fail` completion may say about why it failed (see the header comment): `mismatch` true
 * when it was refused because of the state it found, and then `current`, the value found, if known.
 */
export interface FailureFacts {
  readonly mismatch?: boolean;
  /** Only with `mismatch: true`. null: the object had no value; absent: not reported. */
  readonly current?: JsonValue;
}

export interface HistoryEvent extends FailureFacts {
  readonly index: number;
  readonly timeNs: number;
  readonly process: number;
  readonly type: EventType;
  readonly f: string;
  readonly key?: string;
  readonly value: JsonValue;
}

/** One invoke paired with its completion. */
export interface Operation {
  /** Ordinal in invoke order, 0-based; stable for a given history. */
  readonly id: number;
  readonly process: number;
  readonly f: string;
  readonly key: string | null;
  readonly outcome: CompletionType;
  readonly invoke: HistoryEvent;
  readonly completion: HistoryEvent;
  /** Positions of the two events in `History.events`: the real-time order. */
  readonly invokePosition: number;
  readonly completionPosition: number;
}

export interface History {
  readonly events: readonly HistoryEvent[];
  /** Ordered by invoke position. */
  readonly operations: readonly Operation[];
  /** Source line (1-based) of each event, null for events not read from a file. */
  readonly lines: readonly (number | null)[];
}

export type HistoryErrorCode =
  | 'BAD_JSON'
  | 'BAD_EVENT'
  | 'INDEX_ORDER'
  | 'TIME_ORDER'
  | 'DOUBLE_INVOKE'
  | 'ORPHAN_COMPLETION'
  | 'COMPLETION_MISMATCH'
  | 'PROCESS_REUSED'
  | 'PENDING_AT_END'
  | 'UNKNOWN_F'
  | 'BAD_VALUE'
  | 'DUPLICATE_ELEMENT';

/** A malformed history: the checkers cannot judge it. `line` is 1-based, null when unknown. */
export class HistoryError extends Error {
  constructor(
    readonly code: HistoryErrorCode,
    readonly line: number | null,
    readonly detail: string,
  ) {
    super(line === null ? detail : `line ${line}: ${detail}`);
    this.name = 'HistoryError';
  }
}

export interface BuildHistoryOptions {
  /**
   * What to do with operations still pending when the history ends (a harness that was killed
   * mid-run). 'reject' (default) treats the history as malformed; 'info' completes each with a
   * synthetic `info` event at the end, which is what a crash means: outcome unknown.
   */
  readonly pendingAtEnd?: 'reject' | 'info';
}

const EVENT_TYPES: ReadonlySet<string> = new Set<EventType>(['invoke', 'ok', 'fail', 'info']);

function isEventType(value: string): value is EventType {
  return EVENT_TYPES.has(value);
}

function nonNegativeInteger(record: Record<string, unknown>, field: string, line: number | null): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new HistoryError('BAD_EVENT', line, `"${field}" must be an integer ≥ 0, got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  return value;
}

/** Parses one event from untrusted input (a JSON.parse result or an object built by a caller). */
export function parseHistoryEvent(raw: unknown, line: number | null): HistoryEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new HistoryError('BAD_EVENT', line, 'an event must be a JSON object');
  }
  const record = raw as Record<string, unknown>;
  const index = nonNegativeInteger(record, 'index', line);
  const timeNs = nonNegativeInteger(record, 'time', line);
  const process = nonNegativeInteger(record, 'process', line);
  const type = record['type'];
  if (typeof type !== 'string' || !isEventType(type)) {
    throw new HistoryError('BAD_EVENT', line, `"type" must be "invoke", "ok", "fail" or "info", got ${JSON.stringify(type) ?? 'nothing'}`);
  }
  const f = record['f'];
  if (typeof f !== 'string' || f.length === 0) {
    throw new HistoryError('BAD_EVENT', line, `"f" must be a non-empty string, got ${JSON.stringify(f) ?? 'nothing'}`);
  }
  if (!('value' in record)) {
    throw new HistoryError('BAD_EVENT', line, '"value" is required (use null when there is none)');
  }
  const value = asJsonValue(record['value']);
  if (value === undefined) {
    throw new HistoryError('BAD_EVENT', line, '"value" must be plain JSON');
  }
  const key = record['key'];
  if (key !== undefined && typeof key !== 'string') {
    throw new HistoryError('BAD_EVENT', line, `"key" must be a string when present, got ${JSON.stringify(key)}`);
  }
  const facts = parseFailureFacts(record, type, line);
  return { index, timeNs, process, type, f, ...(key === undefined ? {} : { key }), value, ...facts };
}

/** The optional `mismatch` and `current` fields, checked against the event's type. */
function parseFailureFacts(record: Record<string, unknown>, type: EventType, line: number | null): FailureFacts {
  const mismatch = record['mismatch'];
  if (mismatch !== undefined && typeof mismatch !== 'boolean') {
    throw new HistoryError('BAD_EVENT', line, `"mismatch" must be a boolean when present, got ${JSON.stringify(mismatch)}`);
  }
  if (mismatch === true && type !== 'fail') {
    throw new HistoryError('BAD_EVENT', line, `"mismatch": true belongs on a "fail" completion, not on "${type}"`);
  }
  if (!('current' in record)) return mismatch === undefined ? {} : { mismatch };
  if (mismatch !== true) {
    throw new HistoryError('BAD_EVENT', line, '"current" is only allowed with "mismatch": true');
  }
  const current = asJsonValue(record['current']);
  if (current === undefined) {
    throw new HistoryError('BAD_EVENT', line, '"current" must be plain JSON');
  }
  return { mismatch, current };
}

/** Parses a whole JSON Lines text. Blank lines are skipped. Throws HistoryError. */
export function parseHistoryJsonl(text: string, options: BuildHistoryOptions = {}): History {
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  const rows = text.split('\n');
  for (let row = 0; row < rows.length; row++) {
    const source = (rows[row] ?? '').trim();
    if (source.length === 0) continue;
    const line = row + 1;
    let raw: unknown;
    try {
      raw = JSON.parse(source);
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new HistoryError('BAD_JSON', line, `not valid JSON (${reason})`);
    }
    events.push(parseHistoryEvent(raw, line));
    lines.push(line);
  }
  return buildHistory(events, options, lines);
}

interface PendingInvoke {
  readonly position: number;
  readonly event: HistoryEvent;
}

/**
 * Checks the structural rules (order, pairing, one op at a time, no reuse after info) and pairs
 * each invoke with its completion. Events are trusted to be well-typed (see parseHistoryEvent).
 */
export function buildHistory(
  inputEvents: readonly HistoryEvent[],
  options: BuildHistoryOptions = {},
  inputLines: readonly (number | null)[] = [],
): History {
  const events: HistoryEvent[] = [...inputEvents];
  const lines: (number | null)[] = inputEvents.map((_, position) => inputLines[position] ?? null);
  const lineAt = (position: number): number | null => lines[position] ?? null;
  const where = (position: number): string => {
    const line = lineAt(position);
    const event = events[position];
    const index = event === undefined ? '?' : String(event.index);
    return line === null ? `index ${index}` : `line ${line} (index ${index})`;
  };

  const pending = new Map<number, PendingInvoke>();
  const crashed = new Map<number, number>();
  const operations: Omit<Operation, 'id'>[] = [];

  for (let position = 0; position < events.length; position++) {
    const event = events[position];
    if (event === undefined) continue;
    const line = lineAt(position);
    if (position > 0) {
      const previous = events[position - 1];
      if (previous !== undefined && event.index <= previous.index) {
        throw new HistoryError('INDEX_ORDER', line, `index ${event.index} does not follow index ${previous.index} of the line before; indices must strictly increase`);
      }
      if (previous !== undefined && event.timeNs < previous.timeNs) {
        throw new HistoryError('TIME_ORDER', line, `time ${event.timeNs} ns goes back from ${previous.timeNs} ns on the line before; lines must be in time order`);
      }
    }
    if (event.type === 'invoke') {
      const open = pending.get(event.process);
      if (open !== undefined) {
        throw new HistoryError('DOUBLE_INVOKE', line, `process ${event.process} invokes "${event.f}" while its "${open.event.f}" from ${where(open.position)} has not completed`);
      }
      const crashedAt = crashed.get(event.process);
      if (crashedAt !== undefined) {
        throw new HistoryError('PROCESS_REUSED', line, `process ${event.process} invokes again after its operation ended in info at ${where(crashedAt)}; a crashed process must not be reused`);
      }
      pending.set(event.process, { position, event });
      continue;
    }
    const open = pending.get(event.process);
    if (open === undefined) {
      throw new HistoryError('ORPHAN_COMPLETION', line, `"${event.type}" for process ${event.process}, which has no operation in progress`);
    }
    if (open.event.f !== event.f) {
      throw new HistoryError('COMPLETION_MISMATCH', line, `completion has f "${event.f}" but process ${event.process} invoked "${open.event.f}" at ${where(open.position)}`);
    }
    if (open.event.key !== event.key) {
      throw new HistoryError('COMPLETION_MISMATCH', line, `completion has key ${JSON.stringify(event.key) ?? 'none'} but the invoke at ${where(open.position)} has key ${JSON.stringify(open.event.key) ?? 'none'}`);
    }
    pending.delete(event.process);
    if (event.type === 'info') crashed.set(event.process, position);
    operations.push(makeOperation(open, event, position));
  }

  if (pending.size > 0) {
    const open = [...pending.values()].sort((a, b) => a.position - b.position);
    const first = open[0];
    if (options.pendingAtEnd !== 'info' && first !== undefined) {
      throw new HistoryError('PENDING_AT_END', lineAt(first.position), `${open.length} operation(s) never completed, the first by process ${first.event.process}; every invoke needs a completion (or pass pendingAtEnd 'info' / --pending-as-info)`);
    }
    const last = events[events.length - 1];
    let index = last === undefined ? 0 : last.index + 1;
    const timeNs = last === undefined ? 0 : last.timeNs;
    for (const invoke of open) {
      const completion: HistoryEvent = { ...invoke.event, index, timeNs, type: 'info' };
      index += 1;
      events.push(completion);
      lines.push(null);
      operations.push(makeOperation(invoke, completion, events.length - 1));
    }
  }

  operations.sort((a, b) => a.invokePosition - b.invokePosition);
  const numbered: Operation[] = operations.map((op, id) => ({ id, ...op }));
  return { events, operations: numbered, lines };
}

function makeOperation(invoke: PendingInvoke, completion: HistoryEvent, completionPosition: number): Omit<Operation, 'id'> {
  const type = completion.type;
  if (type === 'invoke') {
    throw new HistoryError('BAD_EVENT', null, 'internal: a completion cannot be an invoke');
  }
  return {
    process: invoke.event.process,
    f: invoke.event.f,
    key: invoke.event.key ?? null,
    outcome: type,
    invoke: invoke.event,
    completion,
    invokePosition: invoke.position,
    completionPosition,
  };
}

/** Where an operation sits in the source, for error messages: "line 12" or "index 40". */
export function locateOperation(history: History, op: Operation): string {
  const line = history.lines[op.invokePosition] ?? null;
  return line === null ? `index ${op.invoke.index}` : `line ${line}`;
}

/** Serializes an event as one history line, fields in the documented order. */
export function formatHistoryEvent(event: HistoryEvent): string {
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
  return JSON.stringify(record);
}

/** The failure facts of an event as history fields (`mismatch`, `current`), none when absent. */
export function failureFactsRecord(facts: FailureFacts): Record<string, JsonValue> {
  const record: Record<string, JsonValue> = {};
  if (facts.mismatch !== undefined) record['mismatch'] = facts.mismatch;
  if (facts.current !== undefined) record['current'] = facts.current;
  return record;
}
