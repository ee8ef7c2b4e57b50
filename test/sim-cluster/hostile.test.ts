/**
 * Hostile and broken input against the whole cluster, in the simulator (issue 9): nothing
 * replicated fences a replica, and no peer message stops a loop or enters the log unchecked.
 */
import { describe, expect, it } from 'vitest';
import { nodeExitCodes } from '../../cluster/node/node.js';
import { casOverALargeValue, forgedPeerTraffic, invalidCommandsInTheLog, leaderDiskFull, scanOfLargeValues, sessionTokensFromTheFuture, snapshotFromTheWrongStore, forgedSnapshotSpans } from './hostile-scenarios.js';

describe('whole-cluster simulator: hostile input', () => {
  it('invalid commands that reach the log get a deterministic error on every replica; the range serves on and every store restarts cleanly', async () => {
    const r = await invalidCommandsInTheLog();
    expect(r.problems).toEqual([]);
    expect(r.outcomes).toHaveLength(5);
    expect(r.outcomes.slice(0, 4).every((o) => o.startsWith('INVALID_ARGUMENT: committed write refused'))).toBe(true);
    expect(r.outcomes[0]).toMatch(/key of 10000 bytes/);
    expect(r.outcomes[1]).toMatch(/value of 2097152 bytes/);
    expect(r.outcomes[2]).toMatch(/outside the range/);
    expect(r.outcomes[3]).toMatch(/empty key/);
    expect(r.outcomes[4]).toMatch(/^INTERNAL: undecodable command/);
    expect(r.afterWrite).toBe('acked');
    expect(r.afterRestart).toBe('after');
    expect(r.otherRange).toBeNull(); // range 1's replicas wrote nothing into range 2's keys
  });

  it('forged peer traffic is refused and counted: no forwarded proposal enters the log, no second leader stops the loop', async () => {
    const r = await forgedPeerTraffic();
    expect(r.problems).toEqual([]);
    expect(r.verdicts).toEqual([true, true, true, true, true, true]); // well-formed batches: refused per message, inside the node
    expect(r.refused).toBe(5); // the vote to a replica id this store does not have is simply not acted on
    expect(r.stillLeader).toBe(true);
    expect(r.lastIndexAfter).toBe(r.lastIndexBefore);
    expect(r.afterWrite).toBe('acked');
  });

  it('a snapshot streamed by a store its descriptor does not place the sender on is refused before anything is written; the real leader\'s still lands', async () => {
    const r = await snapshotFromTheWrongStore();
    expect(r.problems).toEqual([]);
    expect(r.outcome).toEqual({ applied: false, errorCode: 'MALFORMED' });
    expect(r.heldAfterForgery).toBe(false);
    expect(r.refused).toBe(1);
    expect(r.caughtUp).toBe(true);
  });

  it('a snapshot whose span claims the whole keyspace is refused before anything is written: the store\'s ranges keep their data', async () => {
    const r = await forgedSnapshotSpans();
    expect(r.problems).toEqual([]);
    expect(r.before).toEqual(['v1', 'v2']);
    expect(r.outcomes).toEqual(['RANGE_NOT_FOUND', 'RANGE_NOT_FOUND', 'RANGE_NOT_FOUND', 'MALFORMED']);
    expect(r.after).toEqual(['v1', 'v2']);
    expect(r.held).toBe(false);
    expect(r.refused).toBe(4);
  });

  it('session reads with a token from the future are refused at once on every path, without holding request slots; a follower merely behind still serves through the leader', async () => {
    const r = await sessionTokensFromTheFuture();
    expect(r.problems).toEqual([]);
    expect(r.answers).toEqual(['INVALID_ARGUMENT']);
    expect(r.slowestMs).toBeLessThan(1_000); // not their 10 s deadline
    expect(r.putDuringMs).toBeLessThan(1_000);
    expect(r.followerWasBehind).toBe(true);
    expect(r.behindFollower).toBe('v2');
  });

  it('a leader whose disk fills up exits at once (crash-only: no zombie leader) and a new leader serves writes within 2 election timeouts', async () => {
    const r = await leaderDiskFull();
    expect(r.problems).toEqual([]);
    expect(r.exits).toHaveLength(1);
    expect(r.exits[0]!.code).toBe(nodeExitCodes.storageFailed);
    expect(r.failoverMs).toBeDefined();
    expect(r.failoverMs!).toBeLessThanOrEqual(2_000);
  });

  it('scan pages are bounded by bytes: 12 values of 1 MiB come in pages under 4 MiB, every key once and in order', async () => {
    const r = await scanOfLargeValues();
    expect(r.problems).toEqual([]);
    expect(r.keys).toEqual(Array.from({ length: 12 }, (_, i) => `big${String(i).padStart(2, '0')}`));
    expect(r.pages).toBeGreaterThanOrEqual(4);
    expect(r.largestPageBytes).toBeLessThan(4 << 20);
  });

  it('a compare-and-swap over a 100 KiB value is answered and recorded; no replica fences (review finding)', async () => {
    const r = await casOverALargeValue();
    expect(r.problems).toEqual([]);
    expect(r.cas).toBe('answered');
    expect(r.afterRestart).toBe(`${100 << 10} bytes`);
  });
});
