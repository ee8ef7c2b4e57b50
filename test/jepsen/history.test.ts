import { describe, expect, it } from 'vitest';
import { buildHistory, formatHistoryEvent, HistoryError, parseHistoryJsonl, type HistoryErrorCode } from './history.js';
import { HistoryBuilder } from './history-builder.js';
import { simulateRegisterHistory } from './register-simulator.js';

function line(fields: Record<string, unknown>): string {
  return JSON.stringify({ index: 0, time: 0, process: 0, type: 'invoke', f: 'read', value: null, ...fields });
}

function expectError(text: string, code: HistoryErrorCode, lineNumber: number | null, message?: RegExp): void {
  try {
    parseHistoryJsonl(text);
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(HistoryError);
    if (!(error instanceof HistoryError)) return;
    expect(error.code).toBe(code);
    expect(error.line).toBe(lineNumber);
    if (message !== undefined) expect(error.message).toMatch(message);
    return;
  }
  throw new Error('expected a HistoryError');
}

describe('history parsing', () => {
  it('pairs invokes with completions and keeps source lines', () => {
    const text = [
      line({ index: 0, time: 10, process: 1, type: 'invoke', f: 'write', key: 'a', value: 5 }),
      '',
      line({ index: 1, time: 20, process: 2, type: 'invoke', f: 'read', key: 'a' }),
      line({ index: 2, time: 30, process: 1, type: 'ok', f: 'write', key: 'a', value: 5 }),
      line({ index: 5, time: 30, process: 2, type: 'info', f: 'read', key: 'a' }),
    ].join('\n');
    const history = parseHistoryJsonl(text);
    expect(history.lines).toEqual([1, 3, 4, 5]);
    expect(history.operations.map((op) => [op.id, op.process, op.f, op.outcome, op.invokePosition, op.completionPosition])).toEqual([
      [0, 1, 'write', 'ok', 0, 2],
      [1, 2, 'read', 'info', 1, 3],
    ]);
    expect(history.events[0]).toEqual({ index: 0, timeNs: 10, process: 1, type: 'invoke', f: 'write', key: 'a', value: 5 });
  });

  it('round-trips through formatHistoryEvent', () => {
    const events = simulateRegisterHistory({ seed: 7, operationCount: 200, threadCount: 4, keyCount: 3, infoProbability: 0.2, failProbability: 0.1, readProbability: 0.4, casProbability: 0.3, maxGapNs: 100 }).events;
    const text = events.map(formatHistoryEvent).join('\n');
    expect(parseHistoryJsonl(text).events).toEqual(events);
    expect(events.some((e) => e.mismatch === true && e.current !== undefined)).toBe(true); // kept too
    expect(formatHistoryEvent({ index: 3, timeNs: 9, process: 1, type: 'ok', f: 'cas', key: 'k', value: [1, 2] })).toBe('{"index":3,"time":9,"process":1,"type":"ok","f":"cas","key":"k","value":[1,2]}');
  });

  it('keeps the mismatch and current value of a failed cas, and writes them back', () => {
    const invoke = line({ process: 1, f: 'cas', key: 'k', value: [1, 2] });
    const fail = (fields: Record<string, unknown>): string => line({ index: 1, process: 1, type: 'fail', f: 'cas', key: 'k', value: [1, 2], ...fields });
    const found = parseHistoryJsonl([invoke, fail({ mismatch: true, current: 3 })].join('\n'));
    const completion = found.operations[0]?.completion;
    expect(completion).toMatchObject({ type: 'fail', mismatch: true, current: 3 });
    if (completion !== undefined) expect(formatHistoryEvent(completion)).toBe('{"index":1,"time":0,"process":1,"type":"fail","f":"cas","key":"k","value":[1,2],"mismatch":true,"current":3}');
    // null is a value found (no value), not the same as no current at all.
    expect(parseHistoryJsonl([invoke, fail({ mismatch: true, current: null })].join('\n')).events[1]).toHaveProperty('current', null);
    const flagOnly = parseHistoryJsonl([invoke, fail({ mismatch: true })].join('\n')).events[1];
    expect(flagOnly?.mismatch).toBe(true);
    expect(flagOnly).not.toHaveProperty('current');
    const plain = parseHistoryJsonl([invoke, fail({})].join('\n')).events[1];
    expect(plain).not.toHaveProperty('mismatch');
    expect(parseHistoryJsonl([invoke, fail({ mismatch: false })].join('\n')).events[1]?.mismatch).toBe(false);
  });

  it('rejects a mismatch that is not a boolean, not on a fail, or a current without it', () => {
    const invoke = line({ f: 'cas', value: [1, 2] });
    const done = (fields: Record<string, unknown>): string => [invoke, line({ index: 1, type: 'fail', f: 'cas', value: [1, 2], ...fields })].join('\n');
    expectError(done({ mismatch: 'yes' }), 'BAD_EVENT', 2, /"mismatch" must be a boolean/);
    expectError(done({ type: 'ok', mismatch: true }), 'BAD_EVENT', 2, /"mismatch": true belongs on a "fail" completion, not on "ok"/);
    expectError(done({ current: 3 }), 'BAD_EVENT', 2, /"current" is only allowed with "mismatch": true/);
    expectError(done({ mismatch: false, current: 3 }), 'BAD_EVENT', 2, /"current" is only allowed/);
  });

  it('ignores unknown fields', () => {
    const history = parseHistoryJsonl([line({ node: 'n1' }), line({ index: 1, type: 'ok', value: null, extra: [1] })].join('\n'));
    expect(history.operations).toHaveLength(1);
  });

  it('rejects malformed lines, naming the line', () => {
    expectError('{"index":0', 'BAD_JSON', 1, /^line 1: not valid JSON/);
    expectError('[1,2]', 'BAD_EVENT', 1, /JSON object/);
    expectError(line({ index: -1 }), 'BAD_EVENT', 1, /"index" must be an integer ≥ 0/);
    expectError(line({ time: 1.5 }), 'BAD_EVENT', 1, /"time"/);
    expectError(line({ process: '3' }), 'BAD_EVENT', 1, /"process"/);
    expectError(line({ type: 'done' }), 'BAD_EVENT', 1, /"type" must be/);
    expectError(line({ f: '' }), 'BAD_EVENT', 1, /"f" must be a non-empty string/);
    expectError(line({ key: 3 }), 'BAD_EVENT', 1, /"key" must be a string/);
    expectError(JSON.stringify({ index: 0, time: 0, process: 0, type: 'invoke', f: 'read' }), 'BAD_EVENT', 1, /"value" is required/);
  });

  it('rejects histories that break the structural rules', () => {
    const invoke = (index: number, time: number, process: number, f = 'read'): string => line({ index, time, process, f });
    const done = (index: number, time: number, process: number, type = 'ok', f = 'read'): string => line({ index, time, process, type, f });
    expectError([invoke(0, 0, 0), done(0, 1, 0)].join('\n'), 'INDEX_ORDER', 2);
    expectError([invoke(0, 5, 0), done(1, 4, 0)].join('\n'), 'TIME_ORDER', 2);
    expectError([invoke(0, 0, 0), invoke(1, 1, 0)].join('\n'), 'DOUBLE_INVOKE', 2, /process 0 invokes "read" while its "read" from line 1/);
    expectError(done(0, 0, 4), 'ORPHAN_COMPLETION', 1);
    expectError([invoke(0, 0, 0, 'read'), done(1, 1, 0, 'ok', 'write')].join('\n'), 'COMPLETION_MISMATCH', 2);
    expectError([line({ key: 'a' }), line({ index: 1, type: 'ok', key: 'b' })].join('\n'), 'COMPLETION_MISMATCH', 2, /key "b"/);
    expectError([invoke(0, 0, 0), done(1, 1, 0, 'info'), invoke(2, 2, 0)].join('\n'), 'PROCESS_REUSED', 3);
    expectError([invoke(0, 0, 0), invoke(1, 1, 1), done(2, 2, 1)].join('\n'), 'PENDING_AT_END', 1, /1 operation\(s\) never completed/);
  });

  it('can complete pending operations as info', () => {
    const history = parseHistoryJsonl([line({ process: 3 }), line({ index: 4, time: 7, process: 5 })].join('\n'), { pendingAtEnd: 'info' });
    expect(history.operations.map((op) => [op.process, op.outcome, op.completion.index, op.completion.timeNs])).toEqual([
      [3, 'info', 5, 7],
      [5, 'info', 6, 7],
    ]);
    expect(history.lines).toEqual([1, 2, null, null]);
  });

  it('validates histories built in memory the same way', () => {
    expect(() => buildHistory([{ index: 0, timeNs: 0, process: 0, type: 'ok', f: 'read', value: null }])).toThrow(HistoryError);
    const built = new HistoryBuilder().invoke(0, 'add', 1, 's').ok(0).build();
    expect(built.operations[0]?.key).toBe('s');
  });
});
