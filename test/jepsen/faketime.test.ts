/**
 * Clock faults through libfaketime on a real Node process: the wall clock moves when the control
 * file changes, at run time, and the monotonic clock does not (FAKETIME_DONT_FAKE_MONOTONIC).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FaketimeClockControl } from './clock-control.js';
import { ensureLibfaketime, faketimeEnv, formatFaketimeOffset } from './faketime.js';
import { ProcessSupervisor } from './process-supervisor.js';

let libraryPath: string | null = null;
let unavailable = '';
try {
  libraryPath = ensureLibfaketime({ install: true, log: () => undefined });
} catch (error: unknown) {
  unavailable = error instanceof Error ? error.message : String(error);
}
if (libraryPath === null) {
  process.stderr.write(`faketime.test.ts: SKIPPING the libfaketime process tests: ${unavailable}\n`);
}

const dir = mkdtempSync(join(tmpdir(), 'rangekv-faketime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Prints how far the wall clock is from (start wall clock + monotonic time elapsed): the offset
// applied since start, when only the wall clock is faked.
const SKEW_PRINTER = `
const originMs = Date.now();
const monoOriginMs = performance.now();
setInterval(() => process.stdout.write('skew ' + Math.round(Date.now() - originMs - (performance.now() - monoOriginMs)) + '\\n'), 20);
setTimeout(() => process.exit(0), 20000);
`;

function lastSkewMs(logPath: string): number | null {
  const lines = readFileSync(logPath, 'utf8').trim().split('\n').filter((l) => l.startsWith('skew '));
  const last = lines[lines.length - 1];
  return last === undefined ? null : Number(last.slice(5));
}

async function waitForSkew(logPath: string, expectedMs: number, toleranceMs: number, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  let skew: number | null = null;
  while (Date.now() < deadline) {
    skew = lastSkewMs(logPath);
    if (skew !== null && Math.abs(skew - expectedMs) <= toleranceMs) return skew;
    await new Promise((r) => setTimeout(r, 20));
  }
  return skew;
}

describe('libfaketime offsets', () => {
  it('formats offsets in its relative syntax', () => {
    expect(formatFaketimeOffset(0)).toBe('+0.000');
    expect(formatFaketimeOffset(1250)).toBe('+1.250');
    expect(formatFaketimeOffset(-500)).toBe('-0.500');
    expect(formatFaketimeOffset(-3_600_007)).toBe('-3600.007');
    expect(() => formatFaketimeOffset(Number.NaN)).toThrow(/BAD_OFFSET/);
  });

  it('fakes only the realtime clock, and re-reads the control file on every call', () => {
    expect(faketimeEnv('/lib.so', '/c')).toEqual({
      LD_PRELOAD: '/lib.so',
      FAKETIME_TIMESTAMP_FILE: '/c',
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    });
  });

  it.skipIf(libraryPath === null)('skews and jumps a running process’s wall clock; its monotonic clock is untouched', async () => {
    const clocks = new FaketimeClockControl(1, dir);
    const supervisor = new ProcessSupervisor({ logDir: join(dir, 'logs') });
    try {
      supervisor.add({
        name: 'n1',
        command: process.execPath,
        args: ['-e', SKEW_PRINTER],
        faketime: { libraryPath: libraryPath!, controlFile: clocks.controlFiles[0]! },
      });
      await supervisor.start('n1');
      const log = supervisor.logPath('n1', 'stdout');
      const expectSkewNear = async (expectedMs: number): Promise<void> => {
        const skewMs = await waitForSkew(log, expectedMs, 100, 3000);
        expect(skewMs).not.toBeNull();
        expect(Math.abs(skewMs! - expectedMs)).toBeLessThanOrEqual(100);
      };
      await expectSkewNear(0);
      await clocks.setOffsetMs(0, 3_600_000); // a jump of an hour
      await expectSkewNear(3_600_000);
      await clocks.setOffsetMs(0, -2500); // then behind real time
      await expectSkewNear(-2500);
      expect(clocks.offsetMs(0)).toBe(-2500);
      await clocks.resetAll();
      await expectSkewNear(0);
      expect(readFileSync(clocks.controlFiles[0]!, 'utf8').trim()).toBe('+0.000');
    } finally {
      await supervisor.stopAll();
    }
  });
});
