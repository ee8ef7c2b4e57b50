import { describe, expect, it } from 'vitest';
import { RaftConfigError, resolveRaftConfig, type RaftConfigInput } from '../../raft/config.js';
import { SeededRng } from '../../raft/rng.js';
import { nodeId, type NodeId } from '../../raft/types.js';

const rng = new SeededRng(1);
const base: RaftConfigInput = { id: nodeId(1), rng };

function configError(input: RaftConfigInput): RaftConfigError | undefined {
  try {
    resolveRaftConfig(input);
  } catch (e) {
    if (e instanceof RaftConfigError) return e;
    throw e;
  }
  return undefined;
}

describe('resolveRaftConfig: defaults', () => {
  it('fills every documented default', () => {
    const c = resolveRaftConfig(base);
    expect(c).toEqual({
      id: 1,
      rng,
      electionTimeoutTicks: 10,
      heartbeatIntervalTicks: 1,
      appliedIndex: 0,
      preVote: true,
      checkQuorum: true,
      leaseReads: false,
      leaseDriftMarginTicks: 2,
      appendBytesMax: 1 << 20,
      inflightMessagesMax: 256,
      inflightBytesMax: 32 << 20,
      uncommittedBytesMax: 64 << 20,
      committedBytesPerReadyMax: 16 << 20,
      quiesce: true,
      strictConfChange: false,
      testingKnobs: {},
    });
    expect(c.rng).toBe(rng);
  });

  it('explicit values win; undefined means "use the default"', () => {
    // exactOptionalPropertyTypes forbids an explicit undefined at compile time, but a spread of a
    // partially filled object produces one at run time: resolveRaftConfig strips it.
    const withHole = { ...base, electionTimeoutTicks: 20, heartbeatIntervalTicks: undefined, preVote: false, quiesce: false, appliedIndex: 7 };
    const c = resolveRaftConfig(withHole as unknown as RaftConfigInput);
    expect(c.electionTimeoutTicks).toBe(20);
    expect(c.heartbeatIntervalTicks).toBe(1);
    expect(c.preVote).toBe(false);
    expect(c.quiesce).toBe(false);
    expect(c.appliedIndex).toBe(7);
  });

  it('testing knobs default off and are carried over', () => {
    expect(resolveRaftConfig(base).testingKnobs.commitCountsOlderTerms).toBeUndefined();
    expect(resolveRaftConfig({ ...base, testingKnobs: { skipVoteLogCheck: true } }).testingKnobs).toEqual({ skipVoteLogCheck: true });
  });
});

describe('resolveRaftConfig: the result is frozen', () => {
  it('config and knobs cannot be changed afterwards, and the caller’s knobs object is not aliased', () => {
    const knobs = { countLearnersInQuorum: false };
    const c = resolveRaftConfig({ ...base, testingKnobs: knobs });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.testingKnobs)).toBe(true);
    expect(c.testingKnobs).not.toBe(knobs);
    expect(Object.isFrozen(knobs)).toBe(false);
    // ESM modules are strict: writing to a frozen object throws.
    expect(() => {
      (c as { electionTimeoutTicks: number }).electionTimeoutTicks = 99;
    }).toThrow(TypeError);
    knobs.countLearnersInQuorum = true;
    expect(c.testingKnobs.countLearnersInQuorum).toBe(false);
  });
});

describe('resolveRaftConfig: every invalid setting is a RaftConfigError (RAFT_CONFIG_INVALID)', () => {
  const positiveIntFields = [
    'electionTimeoutTicks',
    'heartbeatIntervalTicks',
    'appendBytesMax',
    'inflightMessagesMax',
    'inflightBytesMax',
    'uncommittedBytesMax',
    'committedBytesPerReadyMax',
  ] as const;
  const badPositiveInts: readonly number[] = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53];

  /** `mentions`: the message must name the offending setting, so the right check fired. */
  const cases: { name: string; input: RaftConfigInput; mentions?: string }[] = [];
  for (const id of [0, -1, 1.5, Number.NaN]) cases.push({ name: `id ${id}`, input: { ...base, id: id as NodeId }, mentions: 'id' });
  for (const field of positiveIntFields) {
    for (const v of badPositiveInts) {
      // Keep electionTimeoutTicks > heartbeatIntervalTicks valid where the bad value is not one of them.
      cases.push({ name: `${field} = ${v}`, input: { ...base, electionTimeoutTicks: 1000, [field]: v }, mentions: field });
    }
  }
  for (const v of [-1, 0.5, Number.NaN]) cases.push({ name: `appliedIndex = ${v}`, input: { ...base, appliedIndex: v }, mentions: 'appliedIndex' });
  cases.push(
    { name: 'electionTimeoutTicks equal to heartbeatIntervalTicks', input: { ...base, electionTimeoutTicks: 3, heartbeatIntervalTicks: 3 } },
    { name: 'electionTimeoutTicks below heartbeatIntervalTicks', input: { ...base, electionTimeoutTicks: 3, heartbeatIntervalTicks: 5 } },
    { name: 'leaseReads without checkQuorum', input: { ...base, leaseReads: true, checkQuorum: false } },
    { name: 'negative lease drift margin', input: { ...base, leaseDriftMarginTicks: -1 } },
    { name: 'fractional lease drift margin', input: { ...base, leaseDriftMarginTicks: 0.5 } },
    { name: 'lease drift margin equal to the election timeout', input: { ...base, electionTimeoutTicks: 10, leaseDriftMarginTicks: 10 } },
    { name: 'lease drift margin above the election timeout', input: { ...base, electionTimeoutTicks: 10, leaseDriftMarginTicks: 11 } },
  );

  for (const c of cases) {
    it(c.name, () => {
      const e = configError(c.input);
      expect(e).toBeInstanceOf(RaftConfigError);
      expect(e?.code).toBe('RAFT_CONFIG_INVALID');
      expect(e?.name).toBe('RaftConfigError');
      if (c.mentions !== undefined) expect(e?.message).toContain(c.mentions);
    });
  }

  it('the boundary values just inside the limits are accepted', () => {
    expect(configError({ ...base, electionTimeoutTicks: 2, heartbeatIntervalTicks: 1, leaseDriftMarginTicks: 1 })).toBeUndefined();
    expect(configError({ ...base, leaseDriftMarginTicks: 0 })).toBeUndefined();
    expect(configError({ ...base, leaseReads: true, checkQuorum: true })).toBeUndefined();
    expect(configError({ ...base, appliedIndex: 0, inflightMessagesMax: 1, inflightBytesMax: 1, appendBytesMax: 1 })).toBeUndefined();
  });
});
