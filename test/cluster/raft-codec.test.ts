import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConfState, Entry, Message, NodeId } from '../../raft/index.js';
import { CodecError } from '../../proto/byte-codec.js';
import { decodeRaftBatch, encodeRaftBatch, type RaftEnvelope } from '../../cluster/transport/raft-codec.js';

const nat = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const node = fc.integer({ min: 1, max: 1 << 30 }).map((n) => n as NodeId);
const bytes = fc.uint8Array({ maxLength: 64 });
const entry: fc.Arbitrary<Entry> = fc.record({ term: nat, index: nat, type: fc.constantFrom('normal' as const, 'confChange' as const), data: bytes });
const confState: fc.Arbitrary<ConfState> = fc.record({
  voters: fc.array(node, { maxLength: 5 }),
  votersOutgoing: fc.array(node, { maxLength: 5 }),
  learners: fc.array(node, { maxLength: 5 }),
  learnersNext: fc.array(node, { maxLength: 5 }),
  autoLeave: fc.boolean(),
});
const ctx = fc.string({ maxLength: 20 });
const envelopeBase = { from: node, to: node, term: nat };
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('app' as const), ...envelopeBase, index: nat, logTerm: nat, commit: nat, entries: fc.array(entry, { maxLength: 4 }) }),
  fc.record({ type: fc.constant('appResp' as const), ...envelopeBase, index: nat, reject: fc.boolean(), hintIndex: nat, hintTerm: nat }),
  fc.record({ type: fc.constantFrom('vote' as const, 'preVote' as const), ...envelopeBase, index: nat, logTerm: nat, transfer: fc.boolean() }),
  fc.record({ type: fc.constantFrom('voteResp' as const, 'preVoteResp' as const), ...envelopeBase, reject: fc.boolean() }),
  fc.record({
    type: fc.constant('snap' as const),
    ...envelopeBase,
    snapshot: fc.record({ metadata: fc.record({ index: nat, term: nat, confState }), data: bytes }),
  }),
  fc.record({ type: fc.constant('heartbeat' as const), ...envelopeBase, commit: nat, readSeq: nat, sentTick: nat, quiesce: fc.boolean() }),
  fc.record({ type: fc.constant('heartbeatResp' as const), ...envelopeBase, readSeq: nat, sentTick: nat }),
  fc.record({ type: fc.constant('prop' as const), ...envelopeBase, entries: fc.array(entry, { maxLength: 4 }) }),
  fc.record({ type: fc.constant('transferLeader' as const), ...envelopeBase, transferee: node }),
  fc.record({ type: fc.constant('timeoutNow' as const), ...envelopeBase }),
  fc.record({ type: fc.constant('readIndex' as const), ...envelopeBase, requestCtxs: fc.array(ctx, { maxLength: 4 }) }),
  fc.record({ type: fc.constant('readIndexResp' as const), ...envelopeBase, index: nat, requestCtxs: fc.array(ctx, { maxLength: 4 }) }),
);
const envelope: fc.Arbitrary<RaftEnvelope> = fc.record({ rangeId: nat, message });

describe('raft batch codec', () => {
  it('round-trips every message type exactly', () => {
    fc.assert(
      fc.property(fc.array(envelope, { maxLength: 8 }), (batch) => {
        expect(decodeRaftBatch(encodeRaftBatch(batch))).toEqual(batch);
      }),
      { numRuns: 500 },
    );
  });

  it('decoded entry data does not alias the input buffer', () => {
    const batch: RaftEnvelope[] = [
      { rangeId: 1, message: { type: 'prop', from: 1 as NodeId, to: 2 as NodeId, term: 0, entries: [{ term: 1, index: 2, type: 'normal', data: new Uint8Array([7, 7]) }] } },
    ];
    const wire = encodeRaftBatch(batch);
    const decoded = decodeRaftBatch(wire);
    wire.fill(0);
    const m = decoded[0]!.message;
    expect(m.type === 'prop' && [...m.entries[0]!.data]).toEqual([7, 7]);
  });

  it('malformed input fails with a typed CodecError, never anything else', () => {
    fc.assert(
      fc.property(fc.array(envelope, { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (batch, at, value, truncate) => {
        const wire = encodeRaftBatch(batch).slice();
        const i = at % wire.length;
        const mutated = truncate ? wire.subarray(0, i) : (wire.set([value], i), wire);
        try {
          decodeRaftBatch(mutated);
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError);
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
        try {
          decodeRaftBatch(junk);
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a batch count larger than its input could hold (no huge allocations)', () => {
    const w = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => decodeRaftBatch(w)).toThrow(CodecError);
  });
});
