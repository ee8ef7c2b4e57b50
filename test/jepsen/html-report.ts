/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, no external assets) that
 * shows a run at a glance — the verdict and the checker's evidence, latency of every operation over
 * time (one scatter per f, coloured by outcome, log scale), throughput over time per outcome, and
 * the nemesis's faults as shaded intervals behind every plot and as a timeline of their own.
 */
import type { History, Operation } from './history.js';
import type { JsonValue } from './json-value.js';
import type { NemesisEvent } from './nemesis/nemesis-log.js';
import type { RunSummary } from './run-summary.js';

export interface ReportInput {
  readonly summary: RunSummary;
  readonly history: History | null;
  readonly nemesisEvents: readonly NemesisEvent[];
}

const WIDTH = 960;
const PLOT_HEIGHT = 200;
const MARGIN = { left: 64, right: 16, top: 12, bottom: 30 } as const;
const POINTS_PER_PLOT_MAX = 6000;
const OUTCOME_COLOURS = { ok: '#1f77b4', fail: '#d62728', info: '#f0a202' } as const;
const NEMESIS_PALETTE = ['#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#2ca02c', '#ff7f0e'];

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A fault interval: [startNs, endNs) of one nemesis kind. */
interface Interval {
  readonly kind: string;
  readonly startNs: number;
  readonly endNs: number;
  readonly label: string;
}

interface Axis {
  readonly toX: (timeNs: number) => number;
  readonly durationS: number;
}

function niceStep(range: number, targetTicks: number): number {
  const raw = range / Math.max(1, targetTicks);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= raw) return step * magnitude;
  return 10 * magnitude;
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 2 : 1);
}

function describeDetail(detail: JsonValue): string {
  if (detail === null) return '';
  const text = JSON.stringify(detail);
  return text.length > 240 ? `${text.slice(0, 237)}…` : text;
}

/** Pairs start with stop (or heal, or the heal of everything; else the end of the run). */
export function nemesisIntervals(events: readonly NemesisEvent[], endNs: number): { intervals: Interval[]; instants: NemesisEvent[] } {
  const open = new Map<string, NemesisEvent>();
  const intervals: Interval[] = [];
  const instants: NemesisEvent[] = [];
  const close = (kind: string, atNs: number): void => {
    const start = open.get(kind);
    if (start === undefined) return;
    open.delete(kind);
    intervals.push({ kind, startNs: start.timeNs, endNs: Math.max(atNs, start.timeNs), label: `${kind} ${start.targets.join(' ')} ${describeDetail(start.detail)}` });
  };
  for (const event of events) {
    switch (event.action) {
      case 'start':
        close(event.kind, event.timeNs);
        open.set(event.kind, event);
        break;
      case 'stop':
        close(event.kind, event.timeNs);
        break;
      case 'heal':
        close(event.kind, event.timeNs);
        // The end-of-run heal of everything ends every fault, and is worth a line of its own.
        if (event.kind === 'all') {
          for (const kind of [...open.keys()]) close(kind, event.timeNs);
          instants.push(event);
        }
        break;
      case 'once':
        instants.push(event);
        break;
      case 'error':
        break;
    }
  }
  for (const kind of [...open.keys()]) close(kind, endNs);
  return { intervals, instants };
}

function colourOf(kinds: readonly string[], kind: string): string {
  const index = kinds.indexOf(kind);
  return NEMESIS_PALETTE[(index < 0 ? 0 : index) % NEMESIS_PALETTE.length]!;
}

function shading(intervals: readonly Interval[], instants: readonly NemesisEvent[], kinds: readonly string[], axis: Axis, height: number): string {
  const parts: string[] = [];
  for (const interval of intervals) {
    const x = axis.toX(interval.startNs);
    const w = Math.max(1, axis.toX(interval.endNs) - x);
    parts.push(`<rect x="${x.toFixed(1)}" y="${MARGIN.top}" width="${w.toFixed(1)}" height="${height}" fill="${colourOf(kinds, interval.kind)}" fill-opacity="0.13"><title>${escapeHtml(interval.label)}</title></rect>`);
  }
  for (const instant of instants) {
    const x = axis.toX(instant.timeNs).toFixed(1);
    parts.push(`<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + height}" stroke="${colourOf(kinds, instant.kind)}" stroke-dasharray="3,3"><title>${escapeHtml(`${instant.kind} ${instant.targets.join(' ')} ${describeDetail(instant.detail)}`)}</title></line>`);
  }
  return parts.join('');
}

function timeAxis(axis: Axis, height: number): string {
  const step = niceStep(axis.durationS, 10);
  const parts: string[] = [];
  const y = MARGIN.top + height;
  parts.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${WIDTH - MARGIN.right}" y2="${y}" stroke="#333"/>`);
  for (let t = 0; t <= axis.durationS + 1e-9; t += step) {
    const x = axis.toX(t * 1e9).toFixed(1);
    parts.push(`<line x1="${x}" y1="${y}" x2="${x}" y2="${y + 4}" stroke="#333"/><text x="${x}" y="${y + 16}" text-anchor="middle">${fmt(t)}s</text>`);
  }
  return parts.join('');
}

/** Deterministic thinning: keeps every non-ok op while possible, then every k-th ok op. */
function thin(ops: readonly Operation[]): Operation[] {
  if (ops.length <= POINTS_PER_PLOT_MAX) return [...ops];
  const notOk = ops.filter((op) => op.outcome !== 'ok');
  const ok = ops.filter((op) => op.outcome === 'ok');
  const okBudget = Math.max(0, POINTS_PER_PLOT_MAX - notOk.length);
  const stride = Math.max(1, Math.ceil(ok.length / Math.max(1, okBudget)));
  return [...notOk.slice(0, POINTS_PER_PLOT_MAX), ...ok.filter((_, i) => i % stride === 0)];
}

function latencyPlot(f: string, ops: readonly Operation[], axis: Axis, shade: string): string {
  const latenciesMs = ops.map((op) => Math.max(0.01, (op.completion.timeNs - op.invoke.timeNs) / 1e6));
  const lowestMs = latenciesMs.reduce((a, b) => Math.min(a, b), 1);
  const highestMs = latenciesMs.reduce((a, b) => Math.max(a, b), 1);
  const minExp = Math.floor(Math.log10(lowestMs));
  const maxExp = Math.max(minExp + 1, Math.ceil(Math.log10(highestMs)));
  const toY = (ms: number): number => MARGIN.top + PLOT_HEIGHT - ((Math.log10(Math.max(ms, 10 ** minExp)) - minExp) / (maxExp - minExp)) * PLOT_HEIGHT;
  const parts: string[] = [shade];
  for (let e = minExp; e <= maxExp; e++) {
    const y = toY(10 ** e).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${WIDTH - MARGIN.right}" y2="${y}" stroke="#ddd"/><text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(10 ** e)}ms</text>`);
  }
  for (const op of thin(ops)) {
    const ms = Math.max(0.01, (op.completion.timeNs - op.invoke.timeNs) / 1e6);
    parts.push(`<circle cx="${axis.toX(op.invoke.timeNs).toFixed(1)}" cy="${toY(ms).toFixed(1)}" r="1.8" fill="${OUTCOME_COLOURS[op.outcome]}" fill-opacity="0.7"/>`);
  }
  parts.push(timeAxis(axis, PLOT_HEIGHT));
  const counts = { ok: 0, fail: 0, info: 0 };
  for (const op of ops) counts[op.outcome] += 1;
  return `<h3>latency of ${escapeHtml(f)} <small>(${counts.ok} ok, ${counts.fail} fail, ${counts.info} info; by invoke time)</small></h3>\n${svg(parts.join(''), PLOT_HEIGHT)}`;
}

function throughputPlot(ops: readonly Operation[], axis: Axis, shade: string): string {
  const bucketS = Math.max(0.1, niceStep(axis.durationS, 80));
  const bucketCount = Math.max(1, Math.ceil(axis.durationS / bucketS));
  const series = { ok: new Array<number>(bucketCount).fill(0), fail: new Array<number>(bucketCount).fill(0), info: new Array<number>(bucketCount).fill(0) };
  for (const op of ops) {
    const bucket = Math.min(bucketCount - 1, Math.floor(op.completion.timeNs / 1e9 / bucketS));
    series[op.outcome][bucket]! += 1 / bucketS;
  }
  const peak = Math.max(1, ...series.ok, ...series.fail, ...series.info);
  const step = niceStep(peak, 4);
  const top = Math.ceil(peak / step) * step;
  const toY = (rate: number): number => MARGIN.top + PLOT_HEIGHT - (rate / top) * PLOT_HEIGHT;
  const parts: string[] = [shade];
  for (let r = 0; r <= top + 1e-9; r += step) {
    const y = toY(r).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${WIDTH - MARGIN.right}" y2="${y}" stroke="#ddd"/><text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(r)}/s</text>`);
  }
  for (const outcome of ['ok', 'fail', 'info'] as const) {
    const points = series[outcome].map((rate, i) => `${axis.toX((i + 0.5) * bucketS * 1e9).toFixed(1)},${toY(rate).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${OUTCOME_COLOURS[outcome]}" stroke-width="1.5"/>`);
  }
  parts.push(timeAxis(axis, PLOT_HEIGHT));
  return `<h3>throughput <small>(completions per second, ${fmt(bucketS)} s buckets)</small></h3>\n${svg(parts.join(''), PLOT_HEIGHT)}`;
}

function nemesisTimeline(intervals: readonly Interval[], instants: readonly NemesisEvent[], kinds: readonly string[], axis: Axis): string {
  if (kinds.length === 0) return '<p>No nemesis in this run.</p>';
  const rowHeight = 22;
  const height = kinds.length * rowHeight;
  const parts: string[] = [];
  kinds.forEach((kind, row) => {
    const y = MARGIN.top + row * rowHeight;
    parts.push(`<text x="${MARGIN.left - 6}" y="${y + rowHeight / 2}" text-anchor="end" dominant-baseline="middle">${escapeHtml(kind)}</text>`);
    for (const interval of intervals.filter((i) => i.kind === kind)) {
      const x = axis.toX(interval.startNs);
      const w = Math.max(1, axis.toX(interval.endNs) - x);
      parts.push(`<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${colourOf(kinds, kind)}" fill-opacity="0.7"><title>${escapeHtml(interval.label)}</title></rect>`);
    }
    for (const instant of instants.filter((i) => i.kind === kind)) {
      const x = axis.toX(instant.timeNs).toFixed(1);
      parts.push(`<line x1="${x}" y1="${y + 2}" x2="${x}" y2="${y + rowHeight - 2}" stroke="${colourOf(kinds, kind)}" stroke-width="2"><title>${escapeHtml(`${kind} ${instant.targets.join(' ')} ${describeDetail(instant.detail)}`)}</title></line>`);
    }
  });
  parts.push(timeAxis(axis, height));
  return svg(parts.join(''), height);
}

function svg(body: string, plotHeight: number): string {
  const height = MARGIN.top + plotHeight + MARGIN.bottom;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-size="11" font-family="sans-serif">${body}</svg>`;
}

function legend(kinds: readonly string[]): string {
  const outcomes = (['ok', 'fail', 'info'] as const).map((o) => `<span class="key"><span class="swatch" style="background:${OUTCOME_COLOURS[o]}"></span>${o}</span>`);
  const faults = kinds.map((k) => `<span class="key"><span class="swatch faint" style="background:${colourOf(kinds, k)}"></span>${escapeHtml(k)}</span>`);
  return `<p class="legend">${outcomes.join(' ')}${faults.length > 0 ? ` &#160; faults: ${faults.join(' ')}` : ''}</p>`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function formatSeconds(timeNs: number): string {
  return `${(timeNs / 1e9).toFixed(3)}s`;
}

export function renderHtmlReport(input: ReportInput): string {
  const { summary, history, nemesisEvents } = input;
  const ops = history?.operations ?? [];
  const lastEventNs = history === null || history.events.length === 0 ? 0 : history.events[history.events.length - 1]!.timeNs;
  const lastNemesisNs = nemesisEvents.length === 0 ? 0 : nemesisEvents[nemesisEvents.length - 1]!.timeNs;
  const endNs = Math.max(lastEventNs, lastNemesisNs, 1e9);
  const durationS = endNs / 1e9;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const axis: Axis = { durationS, toX: (timeNs) => MARGIN.left + (timeNs / endNs) * plotWidth };
  const { intervals, instants } = nemesisIntervals(nemesisEvents, endNs);
  const kinds = [...new Set(nemesisEvents.filter((e) => e.action !== 'error').map((e) => e.kind))];
  const shade = shading(intervals, instants, kinds, axis, PLOT_HEIGHT);

  const byF = new Map<string, Operation[]>();
  for (const op of ops) {
    const list = byF.get(op.f) ?? [];
    list.push(op);
    byF.set(op.f, list);
  }
  const verdictClass = summary.verdict === 'valid' ? 'valid' : summary.verdict === 'invalid' ? 'invalid' : 'other';
  const title = `${summary.workload} × ${summary.nemeses.length === 0 ? 'no nemesis' : summary.nemeses.join('+')} — ${summary.verdict.toUpperCase()}`;
  const opRows = Object.entries(summary.ops.byF).map(([f, s]) => [f, String(s.ok), String(s.fail), String(s.info), String(s.latencyMsP50 ?? '–'), String(s.latencyMsP99 ?? '–'), String(s.latencyMsMax ?? '–')]);
  const nemesisRows = nemesisEvents.map((e) => [formatSeconds(e.timeNs), e.kind, e.action, e.targets.join(' '), describeDetail(e.detail)]);
  const exitRows = summary.unexpectedExits.map((e) => [e.node, String(e.pid), String(e.code), String(e.signal), e.timeNs === null ? '–' : formatSeconds(e.timeNs)]);
  const checker = summary.checker;

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>${escapeHtml(title)}</title>
<style>
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1000px; }
h1 { font-size: 20px; } h2 { font-size: 17px; margin-top: 28px; } h3 { font-size: 14px; margin: 18px 0 4px; }
small { color: #666; font-weight: normal; }
.verdict { display: inline-block; padding: 4px 10px; border-radius: 4px; font-weight: bold; color: #fff; }
.verdict.valid { background: #2e7d32; } .verdict.invalid { background: #c62828; } .verdict.other { background: #ef6c00; }
table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
pre { background: #f6f6f6; padding: 10px; font-size: 12px; overflow-x: auto; white-space: pre-wrap; }
.legend { font-size: 12px; } .key { margin-right: 12px; white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; } .swatch.faint { opacity: 0.5; }
</style>
</head>
<body>
<h1>rangekv fault-harness run: ${escapeHtml(title)}</h1>
<p><span class="verdict ${verdictClass}">${escapeHtml(summary.verdict.toUpperCase())}</span> &#160; exit code ${summary.exitCode}${checker === null ? '' : ` &#160; <code>${escapeHtml(checker.verdictLine)}</code>`}</p>
${summary.error === null ? '' : `<p><b>Error:</b> ${escapeHtml(summary.error)}</p>`}
${table(['workload', 'nemeses', 'cluster', 'nodes', 'concurrency', 'seed', 'time', 'bug', 'started', 'took', 'recovered'], [[summary.workload, summary.nemeses.join(', ') || 'none', summary.cluster, String(summary.nodeCount), String(summary.concurrency), String(summary.seed), `${summary.timeS}s`, summary.bug ?? 'none', summary.startedAt, `${(summary.durationMs / 1000).toFixed(1)}s`, String(summary.recovered)]])}
<h2>Operations</h2>
${table(['f', 'ok', 'fail', 'info', 'p50 ms', 'p99 ms', 'max ms'], opRows)}
${legend(kinds)}
${[...byF.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([f, list]) => latencyPlot(f, list, axis, shade)).join('\n')}
${throughputPlot(ops, axis, shade)}
<h2>Nemesis</h2>
${nemesisTimeline(intervals, instants, kinds, axis)}
${nemesisRows.length === 0 ? '' : table(['time', 'kind', 'action', 'targets', 'detail'], nemesisRows)}
${exitRows.length === 0 ? '' : `<h2>Nodes that died by themselves</h2>\n${table(['node', 'pid', 'code', 'signal', 'time'], exitRows)}`}
<h2>Checker</h2>
${checker === null ? '<p>The history was not checked.</p>' : `<pre>${escapeHtml([...checker.details, checker.verdictLine].join('\n'))}</pre>`}
<p><small>Files: ${Object.entries(summary.files).map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(v)}`).join(' · ')}</small></p>
</body>
</html>
`;
}
