/**
 * summary.json: what a run did and what the checker concluded, for machines (CI, the suite table)
 * and for people who want numbers without opening the report.
 */
import type { History } from './history.js';
import type { JsonValue } from './json-value.js';
import type { NemesisEvent } from './nemesis/nemesis-log.js';
import { formatOperationRef } from './operation-ref.js';
import type { CheckResult } from './run-checker.js';
import type { CheckReport, Verdict } from './verdict.js';

export const RUN_SUMMARY_FORMAT = 'rangekv-jepsen-summary/1';

export interface OutcomeCounts {
  readonly ok: number;
  readonly fail: number;
  readonly info: number;
}

export interface OpStats extends OutcomeCounts {
  /** Latency of ok operations (invoke to completion). */
  readonly latencyMsP50: number | null;
  readonly latencyMsP99: number | null;
  readonly latencyMsMax: number | null;
}

export interface UnexpectedExit {
  readonly node: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly timeNs: number | null;
}

export interface RunSummary {
  readonly format: typeof RUN_SUMMARY_FORMAT;
  readonly workload: string;
  readonly nemeses: readonly string[];
  readonly cluster: string;
  readonly nodeCount: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly timeS: number;
  readonly bug: string | null;
  readonly startedAt: string;
  readonly durationMs: number;
  /** Wall time of each phase that ran: setup, run, heal, recovery, final, stop, check. */
  readonly phasesMs: Readonly<Record<string, number>>;
  readonly ops: OutcomeCounts & { readonly total: number; readonly byF: Readonly<Record<string, OpStats>> };
  readonly nemesis: { readonly events: number; readonly byKind: Readonly<Record<string, Readonly<Record<string, number>>>> };
  /** Nodes that died without the harness killing them (a crash is a finding in itself). */
  readonly unexpectedExits: readonly UnexpectedExit[];
  /** Did the cluster serve on every node again after healing (null: not reached)? */
  readonly recovered: boolean | null;
  readonly checker: { readonly model: string; readonly verdict: Verdict; readonly verdictLine: string; readonly details: readonly string[] } | null;
  /** The violations found, compactly (per model). */
  readonly anomalies: readonly JsonValue[];
  readonly verdict: Verdict | 'error';
  readonly exitCode: number;
  readonly error: string | null;
  readonly files: Readonly<Record<string, string>>;
}

const DETAIL_LINES_MAX = 200;

function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return round3(sorted[index]!);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function summarizeOperations(history: History | null): RunSummary['ops'] {
  const byF = new Map<string, { ok: number; fail: number; info: number; latenciesMs: number[] }>();
  let ok = 0;
  let fail = 0;
  let info = 0;
  for (const op of history?.operations ?? []) {
    let entry = byF.get(op.f);
    if (entry === undefined) {
      entry = { ok: 0, fail: 0, info: 0, latenciesMs: [] };
      byF.set(op.f, entry);
    }
    entry[op.outcome] += 1;
    if (op.outcome === 'ok') {
      ok += 1;
      entry.latenciesMs.push((op.completion.timeNs - op.invoke.timeNs) / 1e6);
    } else if (op.outcome === 'fail') {
      fail += 1;
    } else {
      info += 1;
    }
  }
  const stats: Record<string, OpStats> = {};
  for (const [f, entry] of [...byF.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const sorted = entry.latenciesMs.sort((a, b) => a - b);
    stats[f] = {
      ok: entry.ok,
      fail: entry.fail,
      info: entry.info,
      latencyMsP50: percentile(sorted, 0.5),
      latencyMsP99: percentile(sorted, 0.99),
      latencyMsMax: sorted.length === 0 ? null : round3(sorted[sorted.length - 1]!),
    };
  }
  return { total: ok + fail + info, ok, fail, info, byF: stats };
}

export function summarizeNemesis(events: readonly NemesisEvent[]): RunSummary['nemesis'] {
  const byKind: Record<string, Record<string, number>> = {};
  for (const event of events) {
    const kind = (byKind[event.kind] ??= {});
    kind[event.action] = (kind[event.action] ?? 0) + 1;
  }
  return { events: events.length, byKind };
}

/** The violations of a checker result, compactly. */
export function anomaliesOf(result: CheckResult): JsonValue[] {
  switch (result.model) {
    case 'register':
      return result.keys
        .filter((k) => k.verdict !== 'valid')
        .map((k) => ({
          key: k.key,
          verdict: k.verdict,
          operations: k.operationCount,
          why: k.failure?.why ?? null,
          blocking: k.failure === null ? null : formatOperationRef(k.failure.blocking),
        }));
    case 'set':
      return result.keys
        .filter((k) => k.verdict !== 'valid')
        .map((k) => ({
          key: k.key,
          verdict: k.verdict,
          lost: k.lost.length,
          unexpected: k.unexpected.length,
          failedButPresent: k.failedButPresent.length,
          duplicated: k.duplicated.length,
          lostElements: k.lost.slice(0, 20).map((e) => e.element),
        }));
    case 'bank':
      return result.badReads.slice(0, 50).map((b) => ({ read: formatOperationRef(b.read), sum: b.sum, sumMismatch: b.sumMismatch, negative: b.negative.map((n) => ({ ...n })) }));
    case 'list-append':
      return result.violations.map((type) => ({ type, count: result.anomalyCounts[type] ?? 0 }));
  }
}

export function checkerSection(model: string, report: CheckReport): NonNullable<RunSummary['checker']> {
  const details = report.details.length > DETAIL_LINES_MAX ? [...report.details.slice(0, DETAIL_LINES_MAX), `… ${report.details.length - DETAIL_LINES_MAX} more lines in check.txt`] : report.details;
  return { model, verdict: report.verdict, verdictLine: report.verdictLine, details };
}
