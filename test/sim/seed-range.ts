import type { RaftTestingKnobs } from '../../raft/index.js';
import { runSeed, type SimResult } from './simulation.js';

export interface RangeOutcome {
  readonly failures: readonly SimResult[];
  /** Totals over every seed: coverage probes showing which fault kinds the run actually exercised. */
  readonly totals: Readonly<Record<string, number>>;
  readonly profiles: Readonly<Record<string, number>>;
  readonly seeds: number;
}

export function runSeedRange(from: number, toInclusive: number, knobs: RaftTestingKnobs = {}): RangeOutcome {
  const failures: SimResult[] = [];
  const totals: Record<string, number> = {};
  const profiles: Record<string, number> = {};
  for (let seed = from; seed <= toInclusive; seed++) {
    const r = runSeed(seed, { knobs });
    if (!r.ok) failures.push(r);
    profiles[r.options.profile] = (profiles[r.options.profile] ?? 0) + 1;
    for (const [k, v] of Object.entries(r.stats)) {
      totals[k] = (totals[k] ?? 0) + (typeof v === 'boolean' ? (v ? 1 : 0) : v);
    }
    const o = r.options;
    const bump = (k: string, on: boolean): void => {
      if (on) totals[k] = (totals[k] ?? 0) + 1;
    };
    bump('seedsWithLearners', o.learners > 0);
    bump('seedsWithFiveVoters', o.voters === 5);
    bump('seedsWithPreVote', o.preVote);
    bump('seedsWithCheckQuorum', o.checkQuorum);
    bump('seedsWithQuiesce', o.quiesce);
    bump('seedsWithLoss', o.lossRate > 0);
    bump('seedsWithDuplication', o.duplicateRate > 0);
    bump('seedsWithOneEntryPerMessage', o.appendBytesMax === 1);
    bump('seedsWithClockDrift', o.clockDriftMax > 0);
  }
  return { failures, totals, profiles, seeds: toInclusive - from + 1 };
}

export function describeFailures(failures: readonly SimResult[]): string {
  return failures
    .map((f) => `seed ${f.seed}: ${f.violation?.message}\n  replay: npm run sim -- --seed ${f.seed} --trace\n${f.trace.slice(-15).join('\n')}`)
    .join('\n\n');
}

/** The fault kinds every smoke run must exercise; a run that never reaches one proves nothing about it. */
export const coverageProbes = [
  'elections',
  'crashes',
  'midReadyCrashes',
  'pauses',
  'partitions',
  'confChanges',
  'transfers',
  'snapshotsTaken',
  'snapshotsSent',
  'writesAcked',
  'readsServed',
  'leaseReadsPossible',
  'quiescedTicks',
  'messagesDropped',
  'seedsWithLearners',
  'seedsWithFiveVoters',
  'seedsWithPreVote',
  'seedsWithCheckQuorum',
  'seedsWithQuiesce',
  'seedsWithLoss',
  'seedsWithDuplication',
  'seedsWithOneEntryPerMessage',
  'seedsWithClockDrift',
] as const;
