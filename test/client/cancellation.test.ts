import { describe, expect, it } from 'vitest';
import { Cancellation, sleepUnlessCancelled } from '../../client/cancellation.js';

describe('Cancellation', () => {
  it('tells each listener once, not the ones that unsubscribed, and late listeners at once', () => {
    const c = new Cancellation();
    const told: string[] = [];
    c.onAbort(() => told.push('a'));
    const off = c.onAbort(() => told.push('b'));
    off();
    expect(c.aborted).toBe(false);
    c.abort();
    c.abort();
    expect(told).toEqual(['a']);
    expect(c.aborted).toBe(true);
    c.onAbort(() => told.push('late'));
    expect(told).toEqual(['a', 'late']);
  });

  it('a sleep ends early, with false, when cancelled; true when its time passed', async () => {
    const c = new Cancellation();
    expect(await sleepUnlessCancelled(5, c)).toBe(true);
    const sleeping = sleepUnlessCancelled(60_000, c);
    c.abort();
    expect(await sleeping).toBe(false);
    expect(await sleepUnlessCancelled(60_000, c)).toBe(false);
  });
});
