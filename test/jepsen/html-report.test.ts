/**
 * report.html is one well-formed, self-contained page (no scripts, no external references) with a
 * latency plot per f, a throughput plot and a nemesis timeline, with everything escaped; the
 * summary's counts and percentiles are right.
 */
import { describe, expect, it } from 'vitest';
import { HistoryBuilder } from './history-builder.js';
import { escapeHtml, nemesisIntervals, renderHtmlReport } from './html-report.js';
import type { NemesisEvent } from './nemesis/nemesis-log.js';
import { RUN_SUMMARY_FORMAT, summarizeNemesis, summarizeOperations, type RunSummary } from './run-summary.js';

const VOID_ELEMENTS = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/** Every tag closed in order (XML-style self-closing allowed); returns the first problem or null. */
function tagBalanceProblem(html: string): string | null {
  const stack: string[] = [];
  const body = html.replace(/^<!DOCTYPE html>/, '');
  for (const match of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*?)(\/?)>/g)) {
    const [, closing, rawName, , selfClosing] = match;
    const name = rawName!.toLowerCase();
    if (selfClosing === '/' || (VOID_ELEMENTS.has(name) && closing === '')) continue;
    if (closing === '') {
      stack.push(name);
      continue;
    }
    const open = stack.pop();
    if (open !== name) return `</${name}> closes <${String(open)}> at offset ${match.index}`;
  }
  return stack.length === 0 ? null : `unclosed: ${stack.join(', ')}`;
}

function nemesisEvent(index: number, timeMs: number, kind: string, action: NemesisEvent['action'], targets: string[] = [], detail: NemesisEvent['detail'] = null): NemesisEvent {
  return { index, timeNs: timeMs * 1e6, kind, action, targets, detail };
}

function summaryFor(partial: Partial<RunSummary>): RunSummary {
  return {
    format: RUN_SUMMARY_FORMAT,
    workload: 'register',
    nemeses: ['kill', 'partition'],
    cluster: 'fake',
    nodeCount: 3,
    concurrency: 2,
    seed: 1,
    timeS: 1,
    bug: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1234,
    phasesMs: {},
    ops: summarizeOperations(null),
    nemesis: summarizeNemesis([]),
    unexpectedExits: [],
    recovered: true,
    checker: null,
    anomalies: [],
    verdict: 'valid',
    exitCode: 0,
    error: null,
    files: { history: 'history.jsonl' },
    ...partial,
  };
}

describe('html report', () => {
  const builder = new HistoryBuilder(5_000_000);
  for (let i = 0; i < 40; i++) {
    builder.invoke(0, 'write', i, 'k').ok(0);
    builder.invoke(1, 'read', null, 'k').ok(1, i);
  }
  builder.invoke(2, 'cas', [1, 2], 'k<evil>').fail(2);
  builder.invoke(3, 'write', 9, 'k').info(3);
  const history = builder.build();
  const events = [
    nemesisEvent(0, 20, 'kill', 'start', ['n1'], { target: 'one' }),
    nemesisEvent(1, 120, 'kill', 'stop', ['n1']),
    nemesisEvent(2, 150, 'partition', 'start', ['n1', 'n2'], { shape: 'ring', note: '<script>alert(1)</script>' }),
    nemesisEvent(3, 200, 'leader-transfer', 'once', ['n2']),
    nemesisEvent(4, 210, 'partition', 'error', [], { action: 'stop', error: 'boom' }),
    nemesisEvent(5, 390, 'all', 'heal'),
  ];

  it('is well-formed, self-contained and escapes what it shows', () => {
    const summary = summaryFor({
      ops: summarizeOperations(history),
      nemesis: summarizeNemesis(events),
      checker: { model: 'register', verdict: 'invalid', verdictLine: 'INVALID register: 1 of 1 key(s) not linearizable: "k<evil>"', details: ['stuck on p1 read <3> & more'] },
      verdict: 'invalid',
      exitCode: 1,
    });
    const html = renderHtmlReport({ summary, history, nemesisEvents: events });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(tagBalanceProblem(html)).toBeNull();
    // read, write, cas latency plots + throughput + nemesis timeline
    expect(html.match(/<svg /g)).toHaveLength(5);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('stuck on p1 read &lt;3&gt; &amp; more');
    expect(html).toContain('INVALID');
    expect(html).toMatch(/latency of cas/);
    expect(html).toMatch(/throughput/);
  });

  it('pairs nemesis starts with stops, closes what is still open at the end, and keeps one-shots and the final heal as instants', () => {
    const { intervals, instants } = nemesisIntervals(events, 400e6);
    expect(intervals.map((i) => [i.kind, i.startNs / 1e6, i.endNs / 1e6])).toEqual([
      ['kill', 20, 120],
      ['partition', 150, 390],
    ]);
    expect(instants.map((i) => i.kind)).toEqual(['leader-transfer', 'all']);
  });

  it('caps the points of a plot, and renders a run without history', () => {
    const big = new HistoryBuilder(100_000);
    for (let i = 0; i < 20_000; i++) big.invoke(i % 4, 'read', null, 'k').ok(i % 4, 1);
    const startedMs = Date.now();
    const html = renderHtmlReport({ summary: summaryFor({}), history: big.build(), nemesisEvents: [] });
    expect(Date.now() - startedMs).toBeLessThan(5000);
    expect((html.match(/<circle /g) ?? []).length).toBeLessThanOrEqual(6000);
    expect(tagBalanceProblem(html)).toBeNull();
    const empty = renderHtmlReport({ summary: summaryFor({ verdict: 'error', exitCode: 3, error: 'cluster <did not> start' }), history: null, nemesisEvents: [] });
    expect(tagBalanceProblem(empty)).toBeNull();
    expect(empty).toContain('cluster &lt;did not&gt; start');
    expect(escapeHtml(`a"b'c`)).toBe('a&quot;b&#39;c');
  });
});

describe('run summary', () => {
  it('counts outcomes per f and takes latency percentiles of ok operations', () => {
    const builder = new HistoryBuilder(1_000_000);
    for (let i = 0; i < 100; i++) builder.invoke(0, 'read', null, 'k').ok(0, null);
    builder.invoke(1, 'write', 1, 'k').fail(1);
    builder.invoke(2, 'write', 2, 'k').info(2);
    const ops = summarizeOperations(builder.build());
    expect(ops).toMatchObject({ total: 102, ok: 100, fail: 1, info: 1 });
    expect(ops.byF['read']).toEqual({ ok: 100, fail: 0, info: 0, latencyMsP50: 1, latencyMsP99: 1, latencyMsMax: 1 });
    expect(ops.byF['write']).toMatchObject({ ok: 0, fail: 1, info: 1, latencyMsP50: null });
    expect(summarizeNemesis([nemesisEvent(0, 1, 'kill', 'start'), nemesisEvent(1, 2, 'kill', 'stop'), nemesisEvent(2, 3, 'kill', 'start')])).toEqual({ events: 3, byKind: { kill: { start: 2, stop: 1 } } });
  });
});
