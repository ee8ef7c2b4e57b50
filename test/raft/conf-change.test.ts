import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfChangeDecodeError, decodeConfChange, encodeConfChange, type ConfChange, type ConfChangeOp, type ConfChangeSingle } from '../../raft/conf-change.js';
import { nodeId } from '../../raft/types.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const singleArb: fc.Arbitrary<ConfChangeSingle> = fc.record({
  op: fc.constantFrom<ConfChangeOp>('addVoter', 'addLearner', 'remove'),
  nodeId: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constant(Number.MAX_SAFE_INTEGER)).map(nodeId),
});
const confChangeArb: fc.Arbitrary<ConfChange> = fc.oneof(
  fc.record({ kind: fc.constant('simple' as const), changes: fc.array(singleArb, { maxLength: 6 }) }),
  fc.record({ kind: fc.constant('enterJoint' as const), autoLeave: fc.boolean(), changes: fc.array(singleArb, { maxLength: 6 }) }),
  fc.constant({ kind: 'leaveJoint' as const }),
);

/** Objects shaped almost like a conf change, with some field of the wrong kind now and then. */
const nearMissArb: fc.Arbitrary<Uint8Array> = fc
  .record(
    {
      kind: fc.constantFrom<unknown>('simple', 'enterJoint', 'leaveJoint', 'other', 7, null),
      autoLeave: fc.constantFrom<unknown>(true, false, 'yes', 0, null),
      changes: fc.oneof(
        fc.array(
          fc.record(
            {
              op: fc.constantFrom<unknown>('addVoter', 'addLearner', 'remove', 'add', 1),
              nodeId: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double(), fc.constant('2'), fc.constant(null)),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
        fc.constant<unknown>('none'),
      ),
    },
    { requiredKeys: [] },
  )
  .map((o) => utf8(JSON.stringify(o)));

function decodeError(data: Uint8Array): ConfChangeDecodeError | undefined {
  try {
    decodeConfChange(data);
  } catch (e) {
    if (e instanceof ConfChangeDecodeError) return e;
    throw e;
  }
  return undefined;
}

describe('conf change codec: round trip', () => {
  it('examples of every kind', () => {
    const ccs: ConfChange[] = [
      { kind: 'leaveJoint' },
      { kind: 'simple', changes: [] },
      { kind: 'simple', changes: [{ op: 'addVoter', nodeId: nodeId(4) }] },
      {
        kind: 'enterJoint',
        autoLeave: true,
        changes: [
          { op: 'remove', nodeId: nodeId(1) },
          { op: 'addLearner', nodeId: nodeId(2) },
          { op: 'addVoter', nodeId: nodeId(5) },
        ],
      },
    ];
    for (const cc of ccs) expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
  });

  it('property: decode(encode(cc)) equals cc, order of changes kept', () => {
    fc.assert(
      fc.property(confChangeArb, (cc) => {
        expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
      }),
      { numRuns: 300 },
    );
  });

  it('drops unknown extra fields instead of carrying them into the core', () => {
    expect(decodeConfChange(utf8('{"kind":"leaveJoint","changes":[1]}'))).toEqual({ kind: 'leaveJoint' });
    expect(decodeConfChange(utf8('{"kind":"simple","changes":[{"op":"remove","nodeId":3,"x":1}],"y":2}'))).toEqual({
      kind: 'simple',
      changes: [{ op: 'remove', nodeId: 3 }],
    });
  });
});

describe('conf change codec: malformed input is a ConfChangeDecodeError with code CONF_CHANGE_MALFORMED', () => {
  const cases: readonly [string, string][] = [
    ['empty', ''],
    ['not JSON', '{kind:'],
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"simple"'],
    ['an array', '[]'],
    ['no kind', '{}'],
    ['unknown kind', '{"kind":"joint"}'],
    ['kind of wrong type', '{"kind":1}'],
    ['simple without changes', '{"kind":"simple"}'],
    ['changes not an array', '{"kind":"simple","changes":{}}'],
    ['change not an object', '{"kind":"simple","changes":[3]}'],
    ['change null', '{"kind":"simple","changes":[null]}'],
    ['unknown op', '{"kind":"simple","changes":[{"op":"promote","nodeId":1}]}'],
    ['missing op', '{"kind":"simple","changes":[{"nodeId":1}]}'],
    ['missing node id', '{"kind":"simple","changes":[{"op":"addVoter"}]}'],
    ['node id 0 (reserved for none)', '{"kind":"simple","changes":[{"op":"addVoter","nodeId":0}]}'],
    ['negative node id', '{"kind":"simple","changes":[{"op":"addVoter","nodeId":-3}]}'],
    ['fractional node id', '{"kind":"simple","changes":[{"op":"addVoter","nodeId":1.5}]}'],
    ['node id as string', '{"kind":"simple","changes":[{"op":"addVoter","nodeId":"1"}]}'],
    ['unsafe node id', '{"kind":"simple","changes":[{"op":"addVoter","nodeId":9007199254740993}]}'],
    ['one bad change among good ones', '{"kind":"simple","changes":[{"op":"addVoter","nodeId":1},{"op":"remove","nodeId":0}]}'],
    ['enterJoint without autoLeave', '{"kind":"enterJoint","changes":[]}'],
    ['enterJoint autoLeave not boolean', '{"kind":"enterJoint","autoLeave":"true","changes":[]}'],
    ['enterJoint without changes', '{"kind":"enterJoint","autoLeave":false}'],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      const e = decodeError(utf8(text));
      expect(e).toBeInstanceOf(ConfChangeDecodeError);
      expect(e?.code).toBe('CONF_CHANGE_MALFORMED');
      expect(e).toBeInstanceOf(Error);
    });
  }

  it('invalid UTF-8 bytes', () => {
    expect(decodeError(new Uint8Array([0xff, 0xfe, 0x7b]))?.code).toBe('CONF_CHANGE_MALFORMED');
  });

  it('property: arbitrary bytes either decode to a well-formed change or throw ConfChangeDecodeError — nothing else', () => {
    const wellFormed = (cc: ConfChange): boolean => {
      if (cc.kind === 'leaveJoint') return Object.keys(cc).length === 1;
      if (cc.kind === 'enterJoint' && typeof cc.autoLeave !== 'boolean') return false;
      return cc.changes.every(
        (c) => ['addVoter', 'addLearner', 'remove'].includes(c.op) && Number.isSafeInteger(c.nodeId) && c.nodeId > 0 && Object.keys(c).length === 2,
      );
    };
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.json().map(utf8), confChangeArb.map((cc) => encodeConfChange(cc).slice(0, -1)), nearMissArb), (data) => {
        let cc: ConfChange | undefined;
        try {
          cc = decodeConfChange(data);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfChangeDecodeError);
          return;
        }
        expect(['simple', 'enterJoint', 'leaveJoint']).toContain(cc.kind);
        expect(wellFormed(cc)).toBe(true);
        expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
      }),
      { numRuns: 300 },
    );
  });
});
