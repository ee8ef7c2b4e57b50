/**
 * Failover in the whole-cluster simulator (issue 8, bugs 1 and 6): kill -9 of a range's leader,
 * after an idle period that quiesced the group and while a writer keeps it busy; the time from the
 * kill to the first acknowledged write, in election timeouts. Virtual time: these are properties
 * of the protocol (store liveness, woken followers, PreVote), not of the machine running the test.
 * The long measurement (1,000 crashes each) is `npm run sim:cluster -- --failover 1000`.
 */
import { describe, expect, it } from 'vitest';
import { measureFailover } from './failover-measure.js';

describe('failover after kill -9 of the leader', () => {
  for (const idle of [true, false]) {
    it(`${idle ? 'idle (quiesced)' : 'busy'} cluster: p99 within 2 election timeouts, none beyond 3`, async () => {
      const s = await measureFailover({ seed: 21, crashes: idle ? 200 : 60, idle });
      const et = s.electionTimeoutMs;
      expect(s.gaveUp).toBe(0);
      expect(s.p99 / et, `p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms`).toBeLessThanOrEqual(2);
      expect(s.max / et, `max ${s.max} ms`).toBeLessThanOrEqual(3);
    }, 600_000);
  }
});
