/**
 * The simulator has teeth: each deliberately broken core must be caught by the invariants within
 * the seeds of the smoke run. If one stops being caught after a change, the fault profiles in
 * sim-options.ts need retuning before anything else is trusted.
 */
import { describe, expect, it } from 'vitest';
import type { RaftTestingKnobs } from '../../raft/index.js';
import type { ViolationKind } from './safety-checker.js';
import { runSeed } from './simulation.js';

const smokeSeedsMax = 500;

function firstCaught(knobs: RaftTestingKnobs): { seed: number; kind: ViolationKind } | undefined {
  for (let seed = 1; seed <= smokeSeedsMax; seed++) {
    const r = runSeed(seed, { knobs });
    if (!r.ok && r.violation !== undefined) return { seed, kind: r.violation.kind };
  }
  return undefined;
}

const cases: { name: string; knobs: RaftTestingKnobs; expected: ViolationKind[] }[] = [
  { name: 'commit rule that counts earlier-term entries (Figure 8)', knobs: { commitCountsOlderTerms: true }, expected: ['leaderCompleteness', 'stateMachineSafety'] },
  { name: 'vote granted without the up-to-date log check', knobs: { skipVoteLogCheck: true }, expected: ['leaderCompleteness', 'stateMachineSafety'] },
  { name: 'vote not persisted before the response leaves', knobs: { skipVotePersist: true }, expected: ['electionSafety', 'coreAssertion', 'logMatching'] },
  { name: 'learner counted in the commit quorum', knobs: { countLearnersInQuorum: true }, expected: ['leaderCompleteness', 'stateMachineSafety'] },
];

describe('the simulator catches deliberately broken cores', () => {
  for (const c of cases) {
    it(c.name, () => {
      const caught = firstCaught(c.knobs);
      expect(caught, `not caught within ${smokeSeedsMax} seeds`).toBeDefined();
      expect(c.expected).toContain(caught!.kind);
    });
  }
});
