/**
 * Review experiment: a ChangeReplicas sent to a non-leader is forwarded to the leader; the leader
 * applies it, but its answer to the forwarding node is lost (a cut link). What does the caller hear?
 */
import { describe, expect, it } from 'vitest';
import type { ChangeReplicasResponse__Output } from '../../proto/generated/rangekv/v1/ChangeReplicasResponse.js';
import { DirectedCluster } from './directed-harness.js';

describe('review: admin forward loses ambiguity', () => {
  it('a forwarded ChangeReplicas whose answer is lost', async () => {
    const c = new DirectedCluster({ seed: 21, stores: 4 });
    try {
      await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 4, 10_000);
      const L = c.leaderOf()!;
      const d = c.replica(L)!.descriptor;
      const members = d.replicas.map((r) => r.storeId as number);
      const outsider = [1, 2, 3, 4].find((s) => !members.includes(s))!;
      const G = members.find((s) => s !== L)!;
      await c.run(500);
      // The request goes G -> L fine; L's answers to G are lost.
      c.cut(L, G);
      const answer = await c.admin<ChangeReplicasResponse__Output>(G, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_LEARNER', storeId: String(outsider) }] }, 2_000);
      await c.run(200);
      const after = c.replica(L)!.descriptor.replicas.map((r) => `${r.storeId}:${r.role}`);
      const summary = 'error' in answer ? { code: answer.error.code, transport: answer.error.transportFailure, definitelyNotApplied: answer.error.definitelyNotApplied, msg: answer.error.message } : { ok: answer.ok };
      console.log(JSON.stringify({ L, G, outsider, summary, after }));
      expect(after.some((x) => x.startsWith(`${outsider}:`))).toBe(true);
      // The bug: the caller is told the change certainly did not happen.
      if ('error' in answer) expect(answer.error.definitelyNotApplied).toBe(false);
    } finally {
      c.close();
    }
  }, 120_000);
});
