import { describe, expect, it } from 'vitest';
import { HistoryError, parseHistoryJsonl } from '../history.js';
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

describe('register checker: cas that failed on a mismatch', () => {
  it('rejects a cas that wrongly says "not swapped" (write 1; cas [1,2] → mismatch; read → 1)', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(0, 'cas', [1, 2], K).mismatch(0)
      .invoke(0, 'read', null, K).ok(0, 1)
      .build();
    const result = checkRegister(h);
    expect(result.verdict).toBe('invalid');
    const key = result.keys[0];
    expect(key?.mismatchCount).toBe(1);
    // Once write 1 has landed nothing can change the register, so the mismatch is doomed at once.
    expect(key?.failure?.why).toBe('starved');
    expect(key?.failure?.blocking.f).toBe('cas');
    expect(key?.failure?.candidates.find((c) => c.op.f === 'cas')?.reason).toBe(
      'failed on a mismatch, so the register did not hold 1, but it holds 1; no op left can write another value, so it can never take effect',
    );
    expect(renderRegisterResult(result).details.join('\n')).toContain('stuck on p0 cas 1 → 2 (mismatch) fail key "k"');
  });

  it('keeps a plain fail (no mismatch) of the same shape uninformative: valid', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(0, 'cas', [1, 2], K).fail(0)
      .invoke(0, 'read', null, K).ok(0, 1)
      .build();
    const result = checkRegister(h);
    expect(result.verdict).toBe('valid');
    expect(result.keys[0]?.mismatchCount).toBe(0);
    expect(result.keys[0]?.checkedCount).toBe(2);
  });

  it('accepts a mismatch that overlaps a concurrent write of another value', () => {
    for (const current of [undefined, 3]) {
      const b = new HistoryBuilder()
        .invoke(0, 'write', 1, K).ok(0)
        .invoke(1, 'cas', [1, 2], K)
        .invoke(2, 'write', 3, K);
      if (current === undefined) b.mismatch(1);
      else b.mismatch(1, current);
      const h = b.ok(2).invoke(0, 'read', null, K).ok(0, 3).build();
      expect(checkRegister(h).verdict, `current ${String(current)}`).toBe('valid');
    }
  });

  it('rejects a mismatch whose concurrent write is of the expected value itself', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(1, 'cas', [1, 2], K)
      .invoke(2, 'write', 1, K)
      .mismatch(1)
      .ok(2)
      .build();
    expect(checkRegister(h).verdict).toBe('invalid');
  });

  it('counts a mismatch as an observer of info writes: one nobody reads can still explain it', () => {
    // Only the info write of 2 landing before the cas makes the register differ from 1.
    for (const current of [undefined, 2]) {
      const b = new HistoryBuilder()
        .invoke(0, 'write', 1, K).ok(0)
        .invoke(1, 'write', 2, K).info(1)
        .invoke(0, 'cas', [1, 3], K);
      if (current === undefined) b.mismatch(0);
      else b.mismatch(0, current);
      const result = checkRegister(b.build());
      expect(result.verdict, `current ${String(current)}`).toBe('valid');
      expect(result.keys[0]?.droppedInfoCount).toBe(0);
    }
    // An info write of the expected value itself cannot help: dropped, and the mismatch is invalid.
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(1, 'write', 1, K).info(1)
      .invoke(0, 'cas', [1, 3], K).mismatch(0)
      .build();
    const result = checkRegister(h);
    expect(result.verdict).toBe('invalid');
    expect(result.keys[0]?.droppedInfoCount).toBe(1);
  });

  it('tells the expected value apart from values nobody reads', () => {
    // 7 is read by nobody, but the mismatch rules it out: it must not merge with other values.
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(0, 'write', 7, K).ok(0)
      .invoke(0, 'cas', [7, 2], K).mismatch(0)
      .build();
    expect(checkRegister(h).verdict).toBe('invalid');
    const ok = new HistoryBuilder()
      .invoke(0, 'write', 7, K).ok(0)
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(0, 'cas', [7, 2], K).mismatch(0)
      .build();
    expect(checkRegister(ok).verdict).toBe('valid');
  });

  it('reads an empty register as null: a mismatch expecting null needs some write first', () => {
    const none = new HistoryBuilder().invoke(0, 'cas', [null, 1], K).mismatch(0).build();
    expect(checkRegister(none).verdict).toBe('invalid');
    const other = new HistoryBuilder().invoke(0, 'cas', [5, 1], K).mismatch(0, null).build();
    expect(checkRegister(other).verdict).toBe('valid');
  });

  it('takes a recorded current value as a read of it: a stale value found is caught', () => {
    const stale = (current: number | undefined) => {
      const b = new HistoryBuilder()
        .invoke(0, 'write', 1, K).ok(0)
        .invoke(0, 'write', 2, K).ok(0)
        .invoke(1, 'cas', [3, 4], K);
      if (current === undefined) b.mismatch(1);
      else b.mismatch(1, current);
      return checkRegister(b.build());
    };
    expect(stale(undefined).verdict).toBe('valid'); // 2 ≠ 3: the flag alone is consistent
    expect(stale(2).verdict).toBe('valid');
    const result = stale(1);
    expect(result.verdict).toBe('invalid');
    expect(result.keys[0]?.failure?.needed?.value).toBe(1);
    const report = renderRegisterResult(result).details.join('\n');
    expect(report).toContain('cas 3 → 4 (mismatch: found 1) fail');
    expect(report).toContain('failed on a mismatch having found 1, but the register holds 2');
  });

  it('rejects a mismatch that reports finding the very value it expected', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(1, 'write', 2, K)
      .invoke(2, 'cas', [1, 3], K).mismatch(2, 1)
      .ok(1)
      .build();
    const result = checkRegister(h);
    expect(result.verdict).toBe('invalid');
    expect(result.keys[0]?.failure?.candidates.find((c) => c.op.process === 2)?.reason).toMatch(
      /^failed on a mismatch yet found 1, the value it expected: no value of the register explains that/,
    );
  });

  it('rejects "mismatch" on anything but a cas', () => {
    const h = new HistoryBuilder().invoke(0, 'write', 1, K).fail(0, undefined, { mismatch: true }).build();
    expect(() => checkRegister(h)).toThrow(/"mismatch" is meaningful on a cas only/);
  });

  it('reads the fields from a history file', () => {
    const h = new HistoryBuilder()
      .invoke(0, 'write', 1, K).ok(0)
      .invoke(0, 'cas', [1, 2], K).mismatch(0, 3)
      .jsonl();
    expect(h).toContain('"type":"fail","f":"cas","key":"k","value":[1,2],"mismatch":true,"current":3}');
    expect(checkRegister(parseHistoryJsonl(h)).verdict).toBe('invalid');
    // An old checker's view (the fields stripped) of the same history: valid.
    const stripped = h.replace(',"mismatch":true,"current":3', '');
    expect(checkRegister(parseHistoryJsonl(stripped)).verdict).toBe('valid');
  });
});
