import { describe, expect, it } from 'vitest';
import { HistoryError } from '../history.js';
import { HistoryBuilder } from '../history-builder.js';
import { checkSet, renderSetResult } from './set.js';

describe('set checker', () => {
  it('accepts a history where every acknowledged add is read, with info adds recovered or not', () => {
    const b = new HistoryBuilder();
    let process = 0;
    const present: number[] = [];
    for (let i = 0; i < 200; i++) {
      if (i % 2 === 0) {
        b.invoke(process, 'add', i).info(process); // outcome unknown
        process++;
        if (i % 4 === 0) present.push(i); // half of those landed
      } else {
        b.invoke(1000, 'add', i).ok(1000);
        present.push(i);
      }
    }
    b.invoke(1000, 'add', 999).fail(1000);
    b.invoke(1001, 'read').ok(1001, present);
    const result = checkSet(b.build());
    expect(result.verdict).toBe('valid');
    const key = result.keys[0];
    expect(key?.okCount).toBe(100);
    expect(key?.recovered.length).toBe(50);
    expect(renderSetResult(result).verdictLine).toBe('VALID set: no acknowledged add lost (100 ok, 50 recovered, 0 stale)');
  });

  it('reports a lost insert', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'add', 1).ok(0)
      .invoke(0, 'add', 2).ok(0)
      .invoke(1, 'read').ok(1, [1])
      .build();
    const result = checkSet(h);
    expect(result.verdict).toBe('invalid');
    expect(result.keys[0]?.lost.map((f) => f.element)).toEqual([2]);
    const report = renderSetResult(result);
    expect(report.verdictLine).toBe('INVALID set: 1 lost, 0 unexpected, 0 failed-but-present, 0 duplicated');
    expect(report.details.join('\n')).toContain('2: acknowledged by p0 add ok');
  });

  it('reports an element seen by an earlier read and gone from the final one as lost, even if its add was info', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'add', 1).info(0)
      .invoke(1, 'read').ok(1, [1])
      .invoke(1, 'read').ok(1, [])
      .build();
    expect(checkSet(h).keys[0]?.lost.map((f) => f.element)).toEqual([1]);
  });

  it('reports unexpected, failed-but-present and duplicated elements', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'add', 1).ok(0)
      .invoke(0, 'add', 2).fail(0)
      .invoke(1, 'read').ok(1, [1, 1, 2, 3])
      .build();
    const key = checkSet(h).keys[0];
    expect(key?.verdict).toBe('invalid');
    expect(key?.unexpected.map((f) => f.element)).toEqual([3]);
    expect(key?.failedButPresent.map((f) => f.element)).toEqual([2]);
    expect(key?.duplicated.map((f) => f.element)).toEqual([1]);
  });

  it('counts stale reads without calling them violations, and does not blame a read for a concurrent add', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'add', 1).ok(0)
      .invoke(1, 'read').ok(1, []) // began after the add was acknowledged
      .invoke(2, 'read')
      .invoke(0, 'add', 2).ok(0) // acknowledged while the final read was running
      .ok(2, [1])
      .build();
    const key = checkSet(h).keys[0];
    expect(key?.verdict).toBe('valid');
    expect(key?.stale.map((f) => f.element)).toEqual([1]);
    expect(key?.unsettled.map((f) => f.element)).toEqual([2]);
  });

  it('checks each key separately and is unknown without a read', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'add', 1, 'a').ok(0)
      .invoke(0, 'read', null, 'a').ok(0, [1])
      .invoke(0, 'add', 1, 'b').ok(0)
      .build();
    const result = checkSet(h);
    expect(result.keys.map((k) => [k.key, k.verdict])).toEqual([['a', 'valid'], ['b', 'unknown']]);
    expect(result.verdict).toBe('unknown');
  });

  it('treats a repeated element or a non-list read as a malformed history', () => {
    const repeated = new HistoryBuilder().invoke(0, 'add', 1).ok(0).invoke(0, 'add', 1).ok(0).build();
    expect(() => checkSet(repeated)).toThrow(HistoryError);
    const notAList = new HistoryBuilder().invoke(0, 'read').ok(0, 5).build();
    expect(() => checkSet(notAList)).toThrow(/must return a list/);
  });
});
