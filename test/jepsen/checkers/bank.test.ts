import { describe, expect, it } from 'vitest';
import { HistoryError } from '../history.js';
import { HistoryBuilder } from '../history-builder.js';
import { checkBank, renderBankResult } from './bank.js';

function transfer(b: HistoryBuilder, process: number, from: string, to: string, amount: number, outcome: 'ok' | 'fail' | 'info'): void {
  b.invoke(process, 'transfer', { from, to, amount });
  if (outcome === 'ok') b.ok(process);
  else if (outcome === 'fail') b.fail(process);
  else b.info(process);
}

describe('bank checker', () => {
  it('accepts reads that all sum to the total, with info transfers', () => {
    const b = new HistoryBuilder();
    b.invoke(0, 'read').ok(0, { a: 50, b: 50 });
    transfer(b, 1, 'a', 'b', 10, 'ok');
    transfer(b, 2, 'b', 'a', 5, 'info');
    transfer(b, 3, 'a', 'b', 100, 'fail');
    b.invoke(0, 'read').ok(0, { a: 45, b: 55 });
    const result = checkBank(b.build(), { totalBalance: 100 });
    expect(result.verdict).toBe('valid');
    expect(result.transferCounts).toEqual({ ok: 1, fail: 1, info: 1 });
    expect(renderBankResult(result).verdictLine).toBe('VALID bank: all 2 reads sum to 100 with no negative balance');
  });

  it('reports a read that does not sum, inferring the total from the first read', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'read').ok(0, { a: 50, b: 50 })
      .invoke(0, 'read').ok(0, { a: 40, b: 50 })
      .build();
    const result = checkBank(h);
    expect(result.totalSource).toBe('first-read');
    expect(result.verdict).toBe('invalid');
    expect(result.badReads.map((r) => [r.sum, r.sumMismatch])).toEqual([[90, true]]);
    const report = renderBankResult(result);
    expect(report.details.join('\n')).toContain('sums to 90, not 100');
    expect(report.verdictLine).toBe('INVALID bank: 1 of 2 reads are wrong (1 bad sum, 0 negative balance)');
  });

  it('reports a negative balance even when the sum is right', () => {
    const h = new HistoryBuilder().invoke(0, 'read').ok(0, { a: -10, b: 110 }).build();
    const result = checkBank(h, { totalBalance: 100 });
    expect(result.verdict).toBe('invalid');
    expect(result.badReads[0]?.negative).toEqual([{ account: 'a', balance: -10 }]);
  });

  it('is unknown without an ok read, and rejects malformed values', () => {
    const b = new HistoryBuilder();
    transfer(b, 0, 'a', 'b', 1, 'ok');
    expect(checkBank(b.build()).verdict).toBe('unknown');
    const badRead = new HistoryBuilder().invoke(0, 'read').ok(0, { a: 'ten' }).build();
    expect(() => checkBank(badRead)).toThrow(HistoryError);
    const badTransfer = new HistoryBuilder().invoke(0, 'transfer', { from: 'a', to: 'b' }).ok(0).build();
    expect(() => checkBank(badTransfer)).toThrow(/amount/);
  });
});
