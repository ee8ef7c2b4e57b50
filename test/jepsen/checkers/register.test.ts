import { describe, expect, it } from 'vitest';
import { HistoryError } from '../history.js';
import { HistoryBuilder } from '../history-builder.js';
import { checkRegister, renderRegisterResult } from './register.js';

const K = 'k';
const READER = 1_000_000;

describe('register checker: valid histories', () => {
  it('accepts a sequential history', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'read', null, K).ok(0, null)
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(0, 'read', null, K).ok(0, 1)
      .invoke(0, 'cas', [1, 2], K).ok(0)
      .invoke(0, 'cas', [1, 3], K).fail(0)
      .invoke(0, 'read', null, K).ok(0, 2)
      .build();
    expect(checkRegister(h).verdict).toBe('valid');
  });

  it('accepts a read concurrent with a write seeing either value', () => {
    for (const seen of [null, 1]) {
      const h = new HistoryBuilder()
        .invoke(0, 'write', 1, K)
        .invoke(1, 'read', null, K)
        .ok(1, seen)
        .ok(0)
        .build();
      expect(checkRegister(h).verdict).toBe('valid');
    }
  });

  it('accepts reads that order concurrent writes consistently', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K)
      .invoke(1, 'write', 2, K)
      .ok(0)
      .ok(1)
      .invoke(2, 'read', null, K).ok(2, 1) // 2 then 1 took effect
      .invoke(2, 'read', null, K).ok(2, 1)
      .build();
    expect(checkRegister(h).verdict).toBe('valid');
  });

  it('lets an info write take effect long after it was invoked', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).info(0)
      .invoke(1, 'read', null, K).ok(1, null)
      .invoke(1, 'write', 2, K).ok(1)
      .invoke(1, 'read', null, K).ok(1, 2)
      .invoke(1, 'read', null, K).ok(1, 1) // the lost-in-flight write of 1 lands now
      .build();
    expect(checkRegister(h).verdict).toBe('valid');
  });

  it('lets an info write never take effect, and drops info reads', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).info(0)
      .invoke(1, 'read', null, K).info(1)
      .invoke(2, 'read', null, K).ok(2, null)
      .build();
    const result = checkRegister(h);
    expect(result.verdict).toBe('valid');
    expect(result.keys[0]?.droppedInfoCount).toBe(1); // nobody reads 1
  });

  it('lets an info cas take effect or not', () => {
    for (const final of [1, 2]) {
      const h = new HistoryBuilder()
        .invoke(0, 'write', 1, K).ok(0)
        .invoke(1, 'cas', [1, 2], K).info(1)
        .invoke(2, 'read', null, K).ok(2, final)
        .build();
      expect(checkRegister(h).verdict).toBe('valid');
    }
  });

  it('checks keys independently', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, 'a').ok(0)
      .invoke(0, 'write', 2, 'b').ok(0)
      .invoke(1, 'read', null, 'a').ok(1, 1)
      .invoke(1, 'read', null, 'b').ok(1, 2)
      .build();
    const result = checkRegister(h);
    expect(result.verdict).toBe('valid');
    expect(result.keys.map((k) => k.key).sort()).toEqual(['a', 'b']);
  });

  it('accepts a history full of indeterminate operations', () => {
    const b = new HistoryBuilder();
    let process = 0;
    let value = 0;
    b.invoke(READER, 'write', 0, K).ok(READER);
    for (let round = 0; round < 200; round++) {
      // Three writers time out; one of them (the middle one) lands, and a reader sees it.
      const writers = [process++, process++, process++];
      const values = [++value, ++value, ++value];
      writers.forEach((p, i) => b.invoke(p, 'write', values[i] ?? 0, K));
      writers.forEach((p) => b.info(p));
      b.invoke(READER, 'read', null, K).ok(READER, values[1] ?? 0);
      b.invoke(process, 'cas', [values[1] ?? 0, ++value], K).info(process++);
      b.invoke(process, 'read', null, K).info(process++);
    }
    const result = checkRegister(b.build());
    expect(result.verdict).toBe('valid');
    expect(result.keys[0]?.infoCount).toBe(1000);
  });
});

describe('register checker: invalid histories', () => {
  it('rejects a stale read and shows the failing window', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(1, 'write', 2, K).ok(1)
      .invoke(2, 'read', null, K).ok(2, 2)
      .invoke(3, 'read', null, K).ok(3, 1) // back in time
      .build();
    const result = checkRegister(h);
    expect(result.verdict).toBe('invalid');
    const failure = result.keys[0]?.failure;
    // Once both writes have landed, nothing can make the register hold 1 again.
    expect(failure?.why).toBe('starved');
    expect(failure?.linearizedCount).toBe(2);
    expect(failure?.value).toBe(2);
    expect(failure?.blocking.process).toBe(3);
    expect(failure?.candidates.map((c) => [c.op.process, c.reason])).toEqual([
      [2, 'could take effect here, but no linearization continues from there'],
      [3, 'read 1, but the register holds 2; no op left can write the value it needs, so it can never take effect'],
    ]);
    const report = renderRegisterResult(result);
    expect(report.verdictLine).toMatch(/^INVALID register: 1 of 1 key\(s\) not linearizable: "k"$/);
    expect(report.details.join('\n')).toContain('stuck on p3 read → 1 ok key "k"');
    expect(report.details.join('\n')).toContain('1 is written by: p0 write 1 ok key "k"');
    expect(failure?.needed?.writers.map((w) => w.process)).toEqual([0]);
  });

  it('rejects a lost write', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(1, 'write', 2, K).ok(1) // acknowledged, then never seen
      .invoke(0, 'read', null, K).ok(0, 1)
      .invoke(1, 'read', null, K).ok(1, 1)
      .build();
    expect(checkRegister(h).verdict).toBe('invalid');
  });

  it('rejects a duplicated write (a retry applied twice)', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(1, 'write', 2, K).ok(1)
      .invoke(2, 'read', null, K).ok(2, 2)
      .invoke(2, 'read', null, K).ok(2, 1) // write 1 applied again
      .build();
    expect(checkRegister(h).verdict).toBe('invalid');
  });

  it('rejects a read of a value whose write failed (fail is certain)', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).fail(0)
      .invoke(1, 'read', null, K).ok(1, 1)
      .build();
    expect(checkRegister(h).verdict).toBe('invalid');
  });

  it('rejects a cas that succeeded against the wrong value', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(0, 'cas', [2, 3], K).ok(0)
      .build();
    expect(checkRegister(h).verdict).toBe('invalid');
  });

  it('rejects a read that saw an info write, then its predecessor again', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(1, 'write', 2, K).info(1)
      .invoke(2, 'read', null, K).ok(2, 2)
      .invoke(2, 'read', null, K).ok(2, 1)
      .build();
    expect(checkRegister(h).verdict).toBe('invalid');
  });

  it('says unknown when the search budget runs out', () => {
    const b = new HistoryBuilder();
    // 24 concurrent info writes, 12 of each of two values, then reads that alternate between the
    // values 26 times: one write too few. Proving that takes a search over subsets of writes.
    for (let p = 0; p < 24; p++) b.invoke(p, 'write', p % 2, K);
    for (let p = 0; p < 24; p++) b.info(p);
    for (let i = 0; i < 26; i++) b.invoke(READER, 'read', null, K).ok(READER, i % 2);
    const result = checkRegister(b.build(), { maxStatesPerKey: 50 });
    expect(result.verdict).toBe('unknown');
    expect(renderRegisterResult(result).verdictLine).toMatch(/^UNKNOWN register: search budget exhausted/);
  });
});

describe('register checker: malformed operations', () => {
  it('rejects an unknown f and a bad cas value with HistoryError', () => {
    const unknownF = new HistoryBuilder().invoke(0, 'increment', 1, K).ok(0).build();
    expect(() => checkRegister(unknownF)).toThrow(HistoryError);
    const badCas = new HistoryBuilder().invoke(0, 'cas', 1, K).ok(0).build();
    expect(() => checkRegister(badCas)).toThrow(/cas value must be \[expected, new\]/);
  });
});
