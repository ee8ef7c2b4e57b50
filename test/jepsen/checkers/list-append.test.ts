import { describe, expect, it } from 'vitest';
import { HistoryError, type History } from '../history.js';
import { HistoryBuilder } from '../history-builder.js';
import type { JsonValue } from '../json-value.js';
import { checkListAppend, renderListAppendResult, type AnomalyType, type ConsistencyModel } from './list-append.js';

type Micro = readonly ['append', string, number] | readonly ['r', string, readonly number[] | null];

function invokeValue(micros: readonly Micro[]): JsonValue {
  return micros.map((m): JsonValue => (m[0] === 'r' ? ['r', m[1], null] : [...m]));
}

/** A small DSL: txns either run alone (serial) or are begun and ended explicitly. */
class Txns {
  readonly b = new HistoryBuilder();
  begin(process: number, micros: readonly Micro[]): this {
    this.b.invoke(process, 'txn', invokeValue(micros));
    return this;
  }
  end(process: number, micros: readonly Micro[], outcome: 'ok' | 'fail' | 'info' = 'ok'): this {
    if (outcome === 'ok') this.b.ok(process, [...micros]);
    else if (outcome === 'fail') this.b.fail(process);
    else this.b.info(process);
    return this;
  }
  run(process: number, micros: readonly Micro[], outcome: 'ok' | 'fail' | 'info' = 'ok'): this {
    return this.begin(process, micros).end(process, micros, outcome);
  }
  build(): History {
    return this.b.build();
  }
}

function check(history: History, consistencyModel: ConsistencyModel = 'serializable') {
  const result = checkListAppend(history, { consistencyModel });
  return { result, types: new Set(result.anomalies.map((a) => a.type)), report: renderListAppendResult(result) };
}

function expectOnly(history: History, expected: readonly AnomalyType[], model: ConsistencyModel = 'serializable'): void {
  const { result, report } = check(history, model);
  expect(result.violations.slice().sort(), report.details.join('\n')).toEqual([...expected].sort());
  expect(result.verdict).toBe(expected.length === 0 ? 'valid' : 'invalid');
  expect(report.verdictLine.startsWith(expected.length === 0 ? 'VALID list-append' : 'INVALID list-append')).toBe(true);
}

describe('list-append checker: valid histories', () => {
  it('accepts a serial history', () => {
    const h = new Txns()
      .run(0, [['append', 'x', 1], ['r', 'x', [1]]])
      .run(1, [['r', 'x', [1]], ['append', 'x', 2], ['append', 'y', 1]])
      .run(0, [['r', 'x', [1, 2]], ['r', 'y', [1]], ['r', 'z', null]])
      .build();
    expectOnly(h, [], 'strict-serializable');
  });

  it('accepts concurrent txns in either order', () => {
    const h = new Txns()
      .begin(0, [['append', 'x', 1]])
      .begin(1, [['append', 'x', 2]])
      .end(1, [['append', 'x', 2]])
      .end(0, [['append', 'x', 1]])
      .run(2, [['r', 'x', [2, 1]]])
      .build();
    expectOnly(h, [], 'strict-serializable');
  });

  it('accepts many indeterminate txns, committed or not', () => {
    const t = new Txns();
    const order: number[] = [];
    let process = 0;
    for (let i = 1; i <= 300; i++) {
      const landed = i % 3 !== 0; // two in three info txns did commit
      t.run(process, [['append', 'x', i], ['append', 'y', i]], 'info');
      process++;
      if (landed) order.push(i);
      if (i % 10 === 0) t.run(1_000_000 + i, [['r', 'x', [...order]], ['r', 'y', [...order]]]);
    }
    // A failed txn whose append nobody sees is fine too.
    t.run(process, [['append', 'x', 9999]], 'fail');
    const { result } = check(t.build(), 'strict-serializable');
    expect(result.txnCounts.info).toBe(300);
    expect(result.verdict).toBe('valid');
  });

  it('accepts a stale read under serializable but not under strict serializability', () => {
    const h = new Txns()
      .run(0, [['append', 'x', 1]])
      .run(1, [['r', 'x', null]]) // began after the append completed, yet saw nothing
      .build();
    expectOnly(h, []);
    expectOnly(h, ['G-single-realtime'], 'strict-serializable');
  });
});

describe('list-append checker: anomalies', () => {
  it('G0: write cycle', () => {
    const h = new Txns()
      .begin(0, [['append', 'x', 1], ['append', 'y', 1]])
      .begin(1, [['append', 'x', 2], ['append', 'y', 2]])
      .end(0, [['append', 'x', 1], ['append', 'y', 1]])
      .end(1, [['append', 'x', 2], ['append', 'y', 2]])
      .run(2, [['r', 'x', [1, 2]], ['r', 'y', [2, 1]]])
      .build();
    const { report } = check(h);
    expectOnly(h, ['G0']);
    expect(report.details.join('\n')).toMatch(/G0: T\d+ -ww\((x|y)\)-> T\d+ -ww\((x|y)\)-> T\d+/);
  });

  it('G1a: aborted read', () => {
    const h = new Txns()
      .run(0, [['append', 'x', 1]], 'fail')
      .run(1, [['r', 'x', [1]]])
      .build();
    expectOnly(h, ['G1a']);
  });

  it('G1b: intermediate read', () => {
    const h = new Txns()
      .begin(0, [['append', 'x', 1], ['append', 'x', 2]])
      .run(1, [['r', 'x', [1]]])
      .end(0, [['append', 'x', 1], ['append', 'x', 2]])
      .build();
    // Seeing half of a txn is also a cycle: T0 -wr-> T1 (saw 1) -rw-> T0 (missed 2).
    expectOnly(h, ['G1b', 'G-single']);
    expect(check(h).report.details.join('\n')).toMatch(/G1b: T\d+ read x ending in 1, but T\d+'s last append to x was 2/);
  });

  it('G1c: circular information flow', () => {
    const h = new Txns()
      .begin(0, [['append', 'x', 1], ['r', 'y', null]])
      .begin(1, [['append', 'y', 1], ['r', 'x', null]])
      .end(0, [['append', 'x', 1], ['r', 'y', [1]]])
      .end(1, [['append', 'y', 1], ['r', 'x', [1]]])
      .build();
    expectOnly(h, ['G1c']);
  });

  it('G-single: read skew', () => {
    const h = new Txns()
      .begin(1, [['r', 'x', null], ['r', 'y', null]])
      .run(0, [['append', 'x', 1], ['append', 'y', 1]])
      .end(1, [['r', 'x', null], ['r', 'y', [1]]])
      .build();
    const { report } = check(h);
    expectOnly(h, ['G-single']);
    expect(report.details.join('\n')).toContain('-rw(x)->');
    expect(report.details.join('\n')).toContain('-wr(y)->');
  });

  it('G2: write skew, allowed by snapshot isolation', () => {
    const h = new Txns()
      .begin(0, [['r', 'x', null], ['append', 'y', 1]])
      .begin(1, [['r', 'y', null], ['append', 'x', 1]])
      .end(0, [['r', 'x', null], ['append', 'y', 1]])
      .end(1, [['r', 'y', null], ['append', 'x', 1]])
      .run(2, [['r', 'x', [1]], ['r', 'y', [1]]])
      .build();
    const { report } = check(h);
    expectOnly(h, ['G2']);
    expect(report.details.join('\n')).toMatch(/G2: T\d+ -rw\((x|y)\)-> T\d+ -rw\((x|y)\)-> T\d+/);
    expectOnly(h, [], 'snapshot-isolation');
    expect(check(h, 'snapshot-isolation').report.verdictLine).toContain('only anomalies snapshot-isolation allows: G2');
  });

  it('a lost update is G-single (one rw edge), forbidden by snapshot isolation too', () => {
    const h = new Txns()
      .begin(0, [['r', 'x', null], ['append', 'x', 1]])
      .begin(1, [['r', 'x', null], ['append', 'x', 2]])
      .end(0, [['r', 'x', null], ['append', 'x', 1]])
      .end(1, [['r', 'x', null], ['append', 'x', 2]])
      .run(2, [['r', 'x', [1, 2]]])
      .build();
    expectOnly(h, ['G-single'], 'snapshot-isolation');
  });

  it('incompatible orders, duplicates, garbage and internal inconsistency', () => {
    const incompatible = new Txns()
      .run(0, [['append', 'x', 1]])
      .run(1, [['append', 'x', 2]])
      .run(2, [['r', 'x', [1, 2]]])
      .run(3, [['r', 'x', [2, 1]]])
      .build();
    expectOnly(incompatible, ['incompatible-order']);

    const duplicate = new Txns().run(0, [['append', 'x', 1]]).run(1, [['r', 'x', [1, 1]]]).build();
    expect(check(duplicate).result.violations).toContain('duplicate-elements');

    const garbage = new Txns().run(0, [['r', 'x', [7]]]).build();
    expectOnly(garbage, ['garbage-read']);

    const internal = new Txns().run(0, [['append', 'x', 1]]).run(1, [['append', 'x', 5], ['r', 'x', [1]]]).build();
    expect(check(internal).result.violations).toContain('internal');
  });

  it('rejects malformed txns and duplicate appends as HistoryError', () => {
    const badMicro = new HistoryBuilder().invoke(0, 'txn', [['put', 'x', 1]]).ok(0, [['put', 'x', 1]]).build();
    expect(() => checkListAppend(badMicro)).toThrow(HistoryError);
    const duplicateAppend = new Txns().run(0, [['append', 'x', 1]]).run(1, [['append', 'x', 1]]).build();
    expect(() => checkListAppend(duplicateAppend)).toThrow(/appended to key x again/);
  });

  it('says unknown with no committed txn', () => {
    const h = new Txns().run(0, [['append', 'x', 1]], 'info').build();
    expect(check(h).result.verdict).toBe('unknown');
  });
});
