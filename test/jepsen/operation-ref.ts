/**
 * A compact, JSON-friendly reference to one operation, used in checker results so a report can
 * name the operations involved (process, times, values) without carrying the whole history.
 */
import type { Operation } from './history.js';
import type { JsonValue } from './json-value.js';

export interface OperationRef {
  /** Operation ordinal in the history (invoke order). */
  readonly id: number;
  /** `index` of the invoke and of the completion event. */
  readonly invokeIndex: number;
  readonly completionIndex: number;
  readonly process: number;
  readonly f: string;
  readonly key: string | null;
  readonly outcome: Operation['outcome'];
  readonly invokeTimeNs: number;
  readonly completionTimeNs: number;
  readonly input: JsonValue;
  readonly output: JsonValue;
  /** A `fail` refused because of the state it found, and the value found when recorded (history.ts). */
  readonly mismatch?: true;
  readonly current?: JsonValue;
}

export function toOperationRef(op: Operation): OperationRef {
  return {
    id: op.id,
    invokeIndex: op.invoke.index,
    completionIndex: op.completion.index,
    process: op.process,
    f: op.f,
    key: op.key,
    outcome: op.outcome,
    invokeTimeNs: op.invoke.timeNs,
    completionTimeNs: op.completion.timeNs,
    input: op.invoke.value,
    output: op.completion.value,
    ...mismatchOf(op),
  };
}

function mismatchOf(op: Operation): Pick<OperationRef, 'mismatch' | 'current'> {
  if (op.outcome !== 'fail' || op.completion.mismatch !== true) return {};
  const current = op.completion.current;
  return current === undefined ? { mismatch: true } : { mismatch: true, current };
}

/** Nanoseconds since test start as seconds with microsecond digits: "12.345678s". */
export function formatTimeNs(timeNs: number): string {
  const micros = Math.floor(timeNs / 1000);
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = String(micros % 1_000_000).padStart(6, '0');
  return `${seconds}.${fraction}s`;
}

export function formatJson(value: JsonValue): string {
  return JSON.stringify(value);
}

/**
 * "p3 write 7 ok [1.000000s → 1.200000s] #40" where #40 is the invoke's history index. `what`
 * replaces the default "f value" text when the caller knows better (e.g. "read → 7").
 */
export function formatOperationRef(ref: OperationRef, what?: string): string {
  const body = what ?? `${ref.f} ${formatJson(ref.outcome === 'ok' && ref.output !== null ? ref.output : ref.input)}`;
  const key = ref.key === null ? '' : ` key ${JSON.stringify(ref.key)}`;
  return `p${ref.process} ${body} ${ref.outcome}${key} [${formatTimeNs(ref.invokeTimeNs)} → ${formatTimeNs(ref.completionTimeNs)}] #${ref.invokeIndex}`;
}
