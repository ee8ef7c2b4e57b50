/**
 * The harness command line: flags into JepsenOptions, defaults, and refusals.
 */
import { CommanderError, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseJepsenArgs, parseRangeS } from './jepsen-command.js';
import { JEPSEN_DEFAULTS } from './jepsen-options.js';

const quiet = (program: Command): void => void program.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });

describe('jepsen command line', () => {
  it('parses the documented flags', () => {
    const options = parseJepsenArgs(
      ['--workload', 'set', '--nemesis', 'kill,partition-ring,clock', '--time', '30', '--concurrency', '4', '--seed', '7', '--out', 'x', '--cluster', 'fake', '--nodes', '3', '--fake-bug', 'stale-reads', '--fault-s', '1-3', '--heal-s', '4', '--clock', 'hook', '--partition-mode', 'reset', '--no-install-faketime', '--max-states', '5000'],
      quiet,
    );
    expect(options).toMatchObject({
      workload: 'set',
      nemeses: ['kill', 'partition-ring', 'clock'],
      timeS: 30,
      concurrency: 4,
      seed: 7,
      outDir: 'x',
      cluster: 'fake',
      nodeCount: 3,
      bug: 'stale-reads',
      faultSMin: 1,
      faultSMax: 3,
      healSMin: 4,
      healSMax: 4,
      clockVia: 'hook',
      partitionMode: 'reset',
      installFaketime: false,
      maxStatesPerKey: 5000,
    });
  });

  it('fills in defaults, with a random seed when none is given', () => {
    const options = parseJepsenArgs([], quiet);
    expect(options).toMatchObject({ workload: 'register', nemeses: [], timeS: JEPSEN_DEFAULTS.timeS, nodeCount: 5, bug: null, installFaketime: true });
    expect(Number.isSafeInteger(options.seed)).toBe(true);
    expect(parseJepsenArgs(['--nemesis', 'none'], quiet).nemeses).toEqual([]);
  });

  it('refuses unknown nemeses, bad numbers and bad ranges', () => {
    expect(() => parseJepsenArgs(['--nemesis', 'kill,meteor'], quiet)).toThrow(CommanderError);
    expect(() => parseJepsenArgs(['--time', '0'], quiet)).toThrow(CommanderError);
    expect(() => parseJepsenArgs(['--clock', 'sundial'], quiet)).toThrow(CommanderError);
    expect(() => parseJepsenArgs(['--bug', 'a', '--fake-bug', 'b'], quiet)).toThrow(/disagree/);
    expect(parseRangeS('2-10')).toEqual([2, 10]);
    expect(parseRangeS('0.5')).toEqual([0.5, 0.5]);
    expect(() => parseRangeS('10-2')).toThrow();
    expect(() => parseRangeS('a-b')).toThrow();
  });
});
