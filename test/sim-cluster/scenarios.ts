/**
 * Directed scenarios in the whole-cluster simulator, one per bug the simulator was built to find
 * (issue 8). Each returns what happened; regressions.test.ts asserts the fixed behaviour, and each
 * was run against the code before its fix to see it fail (the closing note lists how).
 */
import type { ChangeReplicasResponse__Output } from '../../proto/generated/rangekv/v1/ChangeReplicasResponse.js';
import type { FaultSwitches } from '../../cluster/config/node-options.js';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { storeId } from '../../proto/range-descriptor.js';
import type { KvError } from '../../proto/kv-error.js';
import { decodeRangeDescriptor } from '../../cluster/replica/range-descriptor-codec.js';
import { DirectedCluster, valueOf, type Outcome } from './directed-harness.js';
import { ArmedFaultPoints } from './sim-fault-points.js';
import { SeededRng } from '../../raft/index.js';

const electionTimeoutMs = 1_000;

function others(c: DirectedCluster, leader: number): number[] {
  return c.world.storeIds.filter((s) => s !== leader);
}

/**
 * Bug 1: an idle cluster whose leader dies must elect a new one. Write, stay idle until the group
 * quiesces, kill -9 the leader, then write through the survivors.
 */
export async function idleLeaderDeath(switches: FaultSwitches = {}): Promise<{ quiesced: boolean; failoverMs: number | undefined; problems: string[] }> {
  const c = new DirectedCluster({ seed: 11, switches });
  try {
    await c.until(() => c.leaderOf() !== undefined, 10_000);
    const leader = c.leaderOf()!;
    for (let i = 0; i < 3; i++) await c.put(leader, `k${i}`, 'v');
    await c.run(3 * electionTimeoutMs);
    const quiesced = c.nodes().every((n) => n.replicas.get(1)?.raw.isQuiesced() === true);
    c.world.crash(c.leaderOf()!);
    const killedAt = c.scheduler.nowMs;
    let failoverMs: number | undefined;
    for (let i = 0; failoverMs === undefined && c.scheduler.nowMs - killedAt < 10 * electionTimeoutMs; i++) {
      const via = others(c, leader)[i % 2]!;
      const r = await c.put(via, 'after', 'x', {}, 300);
      if ('ok' in r) failoverMs = c.scheduler.nowMs - killedAt;
      else await c.run(20);
    }
    return { quiesced, failoverMs, problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * Bug 2: a client that restarts with its old id (seq back at 1) must never be answered with its
 * previous incarnation's results. The old incarnation writes a (seq 1) and b (seq 2, never
 * completed: the client died with it in flight); the new one writes c (seq 1) and d (seq 2) on
 * other keys: neither may be acknowledged unless it was applied.
 */
export async function clientIdReuse(): Promise<{ answers: Outcome<unknown>[]; values: (string | null)[]; problems: string[] }> {
  const c = new DirectedCluster({ seed: 12 });
  try {
    await c.until(() => c.leaderOf() !== undefined, 10_000);
    const id = Buffer.alloc(16, 7);
    const via = c.leaderOf()!;
    const hdr = (seq: number, first: number) => ({ clientId: id, seq: String(seq), firstIncompleteSeq: String(first) });
    await c.put(via, 'a', 'old-1', hdr(1, 1));
    await c.put(via, 'b', 'old-2', hdr(2, 1)); // seq 1 still "in flight" for the old client: its result is kept
    // The restarted client: same id, seq from 1 again, different writes.
    const answers: Outcome<unknown>[] = [await c.put(via, 'c', 'new-1', hdr(1, 1)), await c.put(via, 'd', 'new-2', hdr(2, 1))];
    const values: (string | null)[] = [];
    for (const k of ['c', 'd']) {
      const v = valueOf(await c.get(via, k));
      values.push(typeof v === 'string' || v === null ? v : `error ${v.code}`);
    }
    return { answers, values, problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * Bug 3: a leader's late answer to a follower's ReadIndex request, made before the follower
 * restarted, must not satisfy a read of the new incarnation (whose request ids start again).
 * The follower asks, the leader's confirmation is held up, the follower restarts and is cut off from
 * new appends, a write is acknowledged, the new incarnation reads, and only then does the old
 * answer arrive.
 */
export async function lateReadIndexAfterRestart(): Promise<{ secondRead: string | null | 'error'; problems: string[] }> {
  const c = new DirectedCluster({ seed: 13 });
  try {
    await c.until(() => c.leaderOf() !== undefined, 10_000);
    const L = c.leaderOf()!;
    const [F, O] = others(c, L) as [number, number];
    await c.put(L, 'k', 'one');
    await c.run(100);
    // The leader cannot confirm the follower's read: O's acks are held, its heartbeats to F are lost.
    c.hold(O, L);
    c.cut(L, F);
    void c.getStarted(F, 'k', 'READ_CONSISTENCY_FOLLOWER', 20_000).catch(() => undefined);
    await c.run(5); // F's ReadIndex request reaches L
    // F restarts; the new incarnation hears the leader again (so it knows whom to ask) but L hears nothing from it.
    c.hold(F, L);
    c.world.crash(storeId(F));
    c.world.start(storeId(F));
    c.uncut(L, F);
    await c.until(() => c.replica(F)?.leaderStore() === L, 5_000);
    c.hold(L, F);
    c.release(O, L); // L confirms the old read: its answer waits on the held L→F link
    await c.run(20);
    c.cut(L, F); // from now on nothing new reaches F (the held messages stay queued)
    const w = await c.put(L, 'k', 'two');
    if (!('ok' in w)) throw new Error(`write two failed: ${w.error.code}`);
    const second = c.getStarted(F, 'k', 'READ_CONSISTENCY_FOLLOWER', 3_000);
    await c.run(5);
    c.release(L, F); // the old answer arrives now
    const r = await c.settle(second, 5_000);
    const v = valueOf(r);
    return { secondRead: typeof v === 'string' || v === null ? v : 'error', problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * Bug 4: two snapshots for one range arriving in one turn must not stop the node. A follower cut
 * off from its leader gets two snapshots of the range, the newer first, both received before its
 * next turn; raft takes the newer and refuses the older.
 */
export async function twoSnapshotsInOneTurn(): Promise<{ applied: number; expected: number; outcomes: { applied: boolean; errorCode: string }[]; problems: string[] }> {
  const c = new DirectedCluster({ seed: 14 });
  try {
    await c.until(() => c.leaderOf() !== undefined, 10_000);
    const L = c.leaderOf()!;
    const [F] = others(c, L) as [number];
    c.cut(L, F);
    c.cut(F, L);
    for (let i = 0; i < 5; i++) await c.put(L, `a${i}`, 'x');
    const to = c.replica(F)!.replicaId;
    const older = c.snapshotOf(L, to);
    for (let i = 0; i < 5; i++) await c.put(L, `b${i}`, 'y');
    const newer = c.snapshotOf(L, to);
    // Both in the same event: both finish receiving before the follower's next turn.
    const outcomes = Promise.all([c.offerSnapshot(F, L, newer), c.offerSnapshot(F, L, older)]);
    const settled = await c.settle(outcomes, 5_000);
    await c.run(50);
    return { applied: c.replica(F)?.appliedIndex() ?? -1, expected: newer.index, outcomes: 'ok' in settled ? settled.ok : [], problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * Bug 5: ChangeReplicas must not answer DEADLINE_EXCEEDED ("certainly not applied") once the
 * change was applied. A joint change (add store 4, remove a follower) enters the joint
 * configuration; then the stores it needs to leave it are paused, and the deadline passes.
 */
export async function changeReplicasDeadlineWhileLeavingJoint(): Promise<{ answer: Outcome<ChangeReplicasResponse__Output>; appliedJoint: boolean; problems: string[] }> {
  const c = new DirectedCluster({ seed: 15, stores: 4 });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 4, 10_000);
    const L = c.leaderOf()!;
    const followers = c.replica(L)!.descriptor.replicas.map((r) => r.storeId).filter((s) => s !== L);
    const [removed, kept] = followers as unknown as [number, number];
    let appliedJoint = false;
    const check = c.scheduler.afterEvent;
    c.scheduler.afterEvent = () => {
      check();
      if (!appliedJoint && c.replica(L)?.isJoint() === true) {
        appliedJoint = true;
        c.world.pause(storeId(kept));
        c.world.pause(storeId(4));
      }
    };
    const answer = await c.admin<ChangeReplicasResponse__Output>(
      L,
      'ChangeReplicas',
      { rangeId: '1', changes: [{ op: 'ADD_VOTER', storeId: '4' }, { op: 'REMOVE', storeId: String(removed) }] },
      2_000,
    );
    c.world.resume(storeId(kept));
    c.world.resume(storeId(4));
    await c.run(3_000);
    return { answer, appliedJoint, problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * Found by the long run (seed 1050): a replica that was down while a voter was added, and that the
 * new voter then leads, could never answer it — its descriptor did not say which store the new
 * replica lives on, so its answers were dropped — and stayed behind forever. Store 1 is down while
 * store 4 joins and takes the lead; the log is truncated; store 1 comes back and must catch up.
 */
export async function catchUpFromUnknownLeader(): Promise<{ applied: number; leaderApplied: number; problems: string[] }> {
  const c = new DirectedCluster({ seed: 16, stores: 4, nodeOptions: { logTruncateThresholdEntries: 20, logRetainEntries: 5 } });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 4, 10_000);
    const holders = c.replica(c.leaderOf()!)!.descriptor.replicas.map((r) => r.storeId as number);
    const spare = c.world.storeIds.find((s) => !holders.includes(s))!;
    const down = holders.find((s) => s !== c.leaderOf())!;
    c.world.crash(storeId(down));
    // With a voter down, the new one joins as a learner and is promoted once caught up (added as a
    // voter at once, the change is refused: 2 of the 4 voters could not form a quorum).
    const learner = await c.admin(c.leaderOf()!, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_LEARNER', storeId: String(spare) }] });
    if ('error' in learner) throw new Error(`add learner: ${learner.error.code} ${learner.error.message}`);
    if (!(await c.caughtUp(spare, 1, 5_000))) throw new Error(`the learner on ${spare} did not catch up`);
    const added = await c.admin(c.leaderOf()!, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_VOTER', storeId: String(spare) }] });
    if ('error' in added) throw new Error(`add voter: ${added.error.code} ${added.error.message}`);
    const moved = await c.admin(c.leaderOf()!, 'TransferLeader', { rangeId: '1', toStoreId: String(spare) });
    if ('error' in moved) throw new Error(`transfer: ${moved.error.code}`);
    for (let i = 0; i < 40; i++) await c.put(spare, `k${i}`, 'v');
    c.world.start(storeId(down));
    const leaderApplied = (): number => c.replica(spare)?.appliedIndex() ?? -1;
    await c.until(() => c.replica(down) !== undefined && c.replica(down)!.appliedIndex() === leaderApplied(), 10_000);
    return { applied: c.replica(down)?.appliedIndex() ?? -1, leaderApplied: leaderApplied(), problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * Found by review: a forwarded ChangeReplicas whose answer was lost in transit came back as a
 * typed DEADLINE_EXCEEDED ("certainly not applied") although the leader had applied it. A change
 * sent through a follower G whose link back from the leader is cut.
 */
export async function forwardedChangeLosesItsAnswer(): Promise<{ applied: boolean; answer: Outcome<unknown>; problems: string[] }> {
  const c = new DirectedCluster({ seed: 21, stores: 4 });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 4, 10_000);
    const L = c.leaderOf()!;
    const members = c.replica(L)!.descriptor.replicas.map((r) => r.storeId as number);
    const outsider = c.world.storeIds.find((s) => !members.includes(s))!;
    const G = members.find((s) => s !== L)!;
    await c.run(500);
    c.cut(L, G);
    const answer = await c.admin(G, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_LEARNER', storeId: String(outsider) }] }, 2_000);
    await c.run(200);
    const applied = c.replica(L)!.descriptor.replicas.some((r) => r.storeId === outsider);
    return { applied, answer, problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * Found by review: in an idle group, a follower F cut off from its leader L one way (F→L) made the
 * other, quiet follower O wake (refusing F's pre-vote) and start its own election clock while L
 * slept on — and an election timeout later O deposed the live leader. Returns the leader's term
 * before and after 20 s of idleness.
 */
export async function oneWayCutInAnIdleGroup(seed: number, leaseReads: boolean): Promise<{ leaderBefore: number; leaderAfter: number | undefined; termBefore: number; termAfter: number; problems: string[] }> {
  const c = new DirectedCluster({ seed, nodeOptions: { leaseReads } });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 3, 10_000);
    const L = c.leaderOf()!;
    const F = others(c, L)[0]!;
    const termBefore = c.replica(L)!.raw.raft.term;
    c.cut(F, L);
    await c.put(L, 'k', 'v');
    await c.run(20_000);
    const after = c.leaderOf();
    return { leaderBefore: L, leaderAfter: after, termBefore, termAfter: Math.max(...c.nodes().map((n) => n.replicas.get(1)?.raw.raft.term ?? 0)), problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * Found by the long run (seed 6405 on the first build of the simulator): a store removed from a
 * range that restarted bootstrapped the range again from the static layout — as a voter of the
 * initial configuration with an empty log. Two such stores formed a zombie group of that old
 * configuration, elected a leader and served stale reads (and would have accepted writes) beside
 * the real group. Stores 1 and 2 are moved out of range 1 (to 4 and 5), restarted, and then a
 * write and a read go through them.
 */
/**
 * With `olderBuild`, the removed stores' databases are made to look as a build before tombstones and
 * the bootstrap marker (schema v2) left them — the range gone, no record of why — before they restart
 * on this build (found by review: the tombstone alone did not protect an upgraded store).
 */
export async function removedReplicasStayRemovedAfterRestart(
  o: { readonly olderBuild?: boolean } = {},
): Promise<{ resurrected: number[]; zombieWrite: 'acked' | 'refused'; seenByRealGroup: string | null | 'error'; problems: string[] }> {
  const c = new DirectedCluster({ seed: 17, stores: 5 });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 5, 10_000);
    const holders = c.replica(c.leaderOf()!)!.descriptor.replicas.map((r) => r.storeId as number);
    const spares = c.world.storeIds.filter((s) => !holders.includes(s));
    const [out1, out2] = holders.filter((s) => s !== c.leaderOf()) as unknown as [number, number];
    for (const [add, remove] of [[spares[0]!, out1], [spares[1]!, out2]] as const) {
      const r = await c.admin(c.leaderOf()!, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_VOTER', storeId: String(add) }, { op: 'REMOVE', storeId: String(remove) }] });
      if ('error' in r) throw new Error(`move ${remove} → ${add}: ${r.error.code} ${r.error.message}`);
      // The next move needs the new voter caught up (or it is refused: its quorum would lack it).
      if (!(await c.caughtUp(add))) throw new Error(`the voter on ${add} did not catch up`);
    }
    // The removed replicas go (they apply their removal, or replica GC finds it).
    await c.until(() => c.replica(out1) === undefined && c.replica(out2) === undefined, 15_000);
    for (const s of [out1, out2]) c.world.crash(storeId(s));
    if (o.olderBuild === true) {
      for (const s of [out1, out2]) {
        const db = new Database(join(c.world.options.dataRoot, `store-${s}`, 'store.db'));
        db.exec('DROP TABLE range_tombstone; DROP TABLE store_bootstrap; DELETE FROM schema_migrations WHERE version > 2;');
        db.close();
      }
    }
    for (const s of [out1, out2]) c.world.start(storeId(s));
    await c.run(5_000);
    const resurrected = [out1, out2].filter((s) => c.replica(s) !== undefined);
    const w = await c.put(out1, 'zombie', 'yes', {}, 2_000);
    const seen = valueOf(await c.get(c.leaderOf()!, 'zombie'));
    return { resurrected, zombieWrite: 'ok' in w ? 'acked' : 'refused', seenByRealGroup: typeof seen === 'string' || seen === null ? seen : 'error', problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * A full disk on a store that holds no replica yet (long-run seed 30668, there a failed fsync): the
 * range adds a learner there, and staging its first snapshot fails and fences the store. The write
 * was the snapshot receiver's, not the driver loop's — and a store with no replicas gives its loop
 * nothing to write — so before the fix the node lived on fenced, refusing every snapshot with
 * FENCED forever, and the range never got its replica. Crash-only: a fenced store ends its process.
 */
export async function fullDiskWhileStagingASnapshot(): Promise<{ exits: { storeId: number; code: number }[]; aliveAfterMs: boolean; writeAfter: 'acked' | 'refused' }> {
  const c = new DirectedCluster({ seed: 23, stores: 4 });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 4, 10_000);
    const leader = c.leaderOf()!;
    const spare = c.world.storeIds.find((s) => c.replica(s) === undefined)!;
    for (let i = 0; i < 20; i++) await c.put(leader, `k${i}`, 'x'.repeat(2_000));
    // The disk is full: the database may not grow by one page.
    const db = (c.node(spare) as unknown as { store: { db: Database.Database } }).store.db;
    db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true }))}`);
    void c.admin(leader, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_LEARNER', storeId: String(spare) }] });
    await c.run(5_000);
    const w = await c.put(leader, 'after', 'yes');
    return {
      exits: c.world.unexpectedExits.map((e) => ({ storeId: e.storeId, code: e.code })),
      aliveAfterMs: c.world.live(spare)?.node !== undefined,
      writeAfter: 'ok' in w ? 'acked' : 'refused',
    };
  } finally {
    c.close();
  }
}

/**
 * A storage failure in replica GC (found by review): a replica cut off while it was removed learns
 * of its removal from a peer's answer — outside the driver loop — and deleting it fails as a failed
 * fsync would. Before the fix the error escaped as an unhandled rejection (a real process exited
 * with code 1, without its fatal log line); now the node ends as any fenced store does, code 74.
 */
export async function storageFailureInReplicaGc(): Promise<{ exits: { storeId: number; code: number }[]; schedulerErrors: string[]; unhandled: string[]; removed: boolean }> {
  const c = new DirectedCluster({ seed: 11, stores: 4 });
  const unhandled: string[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e instanceof Error ? e.message : String(e));
  process.on('unhandledRejection', onUnhandled);
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 4, 10_000);
    const leader = c.leaderOf()!;
    const victim = c.world.storeIds.find((s) => s !== leader && c.replica(s) !== undefined)!;
    for (const s of c.world.storeIds) {
      if (s === victim) continue;
      c.cut(victim, s);
      c.cut(s, victim);
    }
    const r = await c.admin(leader, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'REMOVE', storeId: String(victim) }] });
    // The victim's disk fails the write that deletes its removed replica (it raises the tombstone).
    const writer = (c.node(victim) as unknown as { store: { writer: { execute(actions: readonly { kind: string }[]): void } } }).store.writer;
    const execute = writer.execute.bind(writer);
    writer.execute = (actions) => {
      if (actions.some((a) => a.kind === 'raiseTombstone')) throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_FSYNC');
      execute(actions);
    };
    c.heal();
    await c.until(() => c.world.live(victim)?.node === undefined, 20_000);
    await c.run(100);
    return { exits: c.world.unexpectedExits.map((e) => ({ storeId: e.storeId, code: e.code })), schedulerErrors: [...c.errors], unhandled, removed: 'ok' in r };
  } finally {
    process.off('unhandledRejection', onUnhandled);
    c.close();
  }
}

/**
 * A follower that catches up by snapshot across a membership change (long-run seed 40431): its
 * in-memory descriptor must become the snapshot's. Before the fix it kept the old one (only
 * storage had the new), so as leader it handed a new store the replica id an existing voter
 * already had — the range then believed that voter lived on the new, empty store.
 */
export async function snapshotAcrossAMembershipChange(): Promise<{ staleStore: number; descriptorStores: number[]; persistedStores: number[]; nextReplicaId: number; addedIds: number[]; addError: string | undefined; problems: string[] }> {
  const c = new DirectedCluster({ seed: 29, stores: 5, nodeOptions: { logTruncateThresholdEntries: 10, logRetainEntries: 2 } });
  try {
    await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 5, 10_000);
    const leader = c.leaderOf()!;
    const holders = c.replica(leader)!.descriptor.replicas.map((r) => r.storeId as number);
    const behind = holders.find((s) => s !== leader)!;
    const spare = c.world.storeIds.find((s) => !holders.includes(s))!;
    for (const s of c.world.storeIds) {
      if (s === behind) continue;
      c.cut(behind, s);
      c.cut(s, behind);
    }
    // Learner first, promoted once caught up: with `behind` cut off, a voter added at once is
    // refused (2 of the 4 voters could not form a quorum).
    for (const op of ['ADD_LEARNER', 'ADD_VOTER']) {
      const r = await c.admin(leader, 'ChangeReplicas', { rangeId: '1', changes: [{ op, storeId: String(spare) }] });
      if ('error' in r) throw new Error(`${op} ${spare}: ${r.error.code} ${r.error.message}`);
      if (!(await c.caughtUp(spare))) throw new Error(`the replica on ${spare} did not catch up`);
    }
    for (let i = 0; i < 40; i++) await c.put(leader, `k${i}`, 'v');
    c.heal();
    await c.until(() => (c.replica(behind)?.appliedIndex() ?? 0) >= (c.replica(leader)?.appliedIndex() ?? 1), 10_000);
    const stale = c.replica(behind)!;
    const persisted = decodeRangeDescriptor(stale.storage.descriptor());
    const result = {
      staleStore: behind,
      descriptorStores: stale.descriptor.replicas.map((x) => x.storeId as number).sort(),
      persistedStores: persisted.replicas.map((x) => x.storeId as number).sort(),
      nextReplicaId: stale.descriptor.nextReplicaId,
    };
    // The caught-up store leads and adds one more voter: it must get an id no member has.
    const t = await c.admin(leader, 'TransferLeader', { rangeId: '1', toStoreId: String(behind) });
    if ('error' in t) throw new Error(`transfer to ${behind}: ${t.error.code} ${t.error.message}`);
    const other = c.world.storeIds.find((s) => !holders.includes(s) && s !== spare)!;
    const added = await c.admin<ChangeReplicasResponse__Output>(behind, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_VOTER', storeId: String(other) }] });
    const ids = 'ok' in added ? added.ok.replicas.map((x) => Number(x.replicaId)) : [];
    return { ...result, addedIds: ids, addError: 'error' in added ? added.error.code : undefined, problems: c.problems() };
  } finally {
    c.close();
  }
}

/**
 * A crash between the batch in which a replica applies its own removal and the batch that deletes
 * it (long-run seed 102958, there a failed fsync of the delete). Before the fix the restarted store
 * skipped the range ("its descriptor does not list it") but kept its data and never raised its
 * tombstone: a leader that had not applied the removal yet then reached the old replica id, a
 * replica was created from that leader's older snapshot, and it held a descriptor listing itself
 * while the store's said it was removed. The restart must finish the removal; a later re-add must
 * come back under a new id and catch up.
 */
export async function crashBetweenRemovalAndDelete(): Promise<{
  crashed: boolean;
  holdsRangeAfterRestart: boolean;
  tombstone: number;
  oldReplicaId: number;
  readdedReplicaId: number | undefined;
  readBack: string | null | 'error';
  problems: string[];
}> {
  const faults = new ArmedFaultPoints(new SeededRng(31));
  const c = new DirectedCluster({ seed: 31, stores: 4, faultPoints: faults });
  try {
    const { leader, spare } = await c.leaderAndSpare(4);
    const out = leader;
    const oldReplicaId = c.replica(out)!.replicaId as number;
    for (let i = 0; i < 5; i++) await c.put(leader, `k${i}`, 'v');
    const added = await c.admin(leader, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_VOTER', storeId: String(spare) }] });
    if ('error' in added) throw new Error(`add ${spare}: ${added.error.code} ${added.error.message}`);
    await c.until(() => (c.replica(spare)?.appliedIndex() ?? 0) >= c.replica(leader)!.appliedIndex(), 10_000);
    // The leader removes itself (as in the seed), so it applies its own removal; its loop crashes
    // right after committing that batch. The answer is lost with it.
    faults.arm('loop.crashAfterCommit', () => c.replica(out)?.removed === true);
    void c.admin(out, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'REMOVE', storeId: String(out) }] });
    await c.until(() => c.world.live(storeId(out)) === undefined, 10_000);
    const crashed = (faults.fired.get('loop.crashAfterCommit') ?? 0) === 1;
    await c.run(100); // its files close once the crashed stack unwinds
    c.world.start(storeId(out));
    await c.until(() => c.node(out) !== undefined, 5_000);
    await c.run(2_000);
    const store = (c.node(out) as unknown as { store: { hasRange(id: number): boolean; rangeTombstone(id: number): number } }).store;
    const holdsRangeAfterRestart = store.hasRange(1);
    const tombstone = store.rangeTombstone(1);
    const now = c.leaderOf()!;
    const readded = await c.admin(now, 'ChangeReplicas', { rangeId: '1', changes: [{ op: 'ADD_VOTER', storeId: String(out) }] });
    if ('error' in readded) throw new Error(`re-add ${out}: ${readded.error.code} ${readded.error.message}`);
    await c.put(c.leaderOf()!, 'after', 'yes');
    await c.until(() => (c.replica(out)?.appliedIndex() ?? 0) >= (c.replica(c.leaderOf()!)?.appliedIndex() ?? 1), 10_000);
    const readBack = valueOf(await c.get(out, 'after', 'READ_CONSISTENCY_FOLLOWER'));
    return {
      crashed,
      holdsRangeAfterRestart,
      tombstone,
      oldReplicaId,
      readdedReplicaId: c.replica(out)?.replicaId as number | undefined,
      readBack: typeof readBack === 'string' || readBack === null ? readBack : 'error',
      problems: c.problems(),
    };
  } finally {
    c.close();
  }
}

/**
 * Review finding on the fix for seed 102958: a first snapshot whose stream is cut after its header
 * leaves range rows (created for it) that no replica fills. The store is then removed and re-added
 * under a new replica id; that replica's snapshots were refused ("replica went away": the rows
 * list the old id) until the store restarted. Now the unfilled rows are replaced by the newer
 * incarnation's snapshot, and an older incarnation's snapshot is still refused.
 */
export async function cutShortFirstSnapshotThenReAdd(): Promise<{ firstId: number; secondId: number; caughtUp: boolean; replicaId: number | undefined; olderRefused: string; problems: string[] }> {
  const c = new DirectedCluster({ seed: 8, stores: 4 });
  try {
    const { leader, spare } = await c.leaderAndSpare(4);
    for (let i = 0; i < 5; i++) await c.put(leader, `k${i}`, 'v');
    c.cut(leader, spare);
    const change = async (op: string): Promise<number | undefined> => {
      const r = await c.admin(leader, 'ChangeReplicas', { rangeId: '1', changes: [{ op, storeId: String(spare) }] });
      if ('error' in r) throw new Error(`${op} ${spare}: ${r.error.code} ${r.error.message}`);
      return c.replica(leader)!.descriptor.replicas.find((x) => x.storeId === spare)?.replicaId;
    };
    const firstId = (await change('ADD_LEARNER'))!;
    const first = c.snapshotOf(leader, firstId);
    // The stream ends after its header (the sender crashed, or the link broke).
    await c.settle(c.offerSnapshot(spare, leader, { ...first, chunks: first.chunks.slice(0, 1) }), 5_000);
    await change('REMOVE');
    const secondId = (await change('ADD_LEARNER'))!;
    c.heal();
    const caughtUp = await c.until(() => (c.replica(spare)?.appliedIndex() ?? 0) >= c.replica(leader)!.appliedIndex(), 15_000);
    const older = await c.settle(c.offerSnapshot(spare, leader, first), 5_000);
    return {
      firstId,
      secondId,
      caughtUp,
      replicaId: c.replica(spare)?.replicaId as number | undefined,
      olderRefused: 'ok' in older ? (older.ok.applied ? 'applied' : older.ok.errorCode) : older.error.code,
      problems: c.problems(),
    };
  } finally {
    c.close();
  }
}

/**
 * Found by CI (node-kv.test.ts on a loaded machine): a write sent to a store while its range had no
 * leader was refused locally ("no leader known"), so routing stopped trying the store itself — and
 * kept skipping it after the store won the election, forwarding to followers that each pointed back
 * at it, until the tries ran out with NOT_LEADER. Here the write is sent to store `via` before any
 * election, leadership is then moved to `via` while the write is still being routed, and the write
 * must be served by `via` within its deadline.
 */
export async function writeThroughAStoreElectedMeanwhile(): Promise<{ answer: Outcome<unknown>; leader: number | undefined; value: string | null | KvError; problems: string[] }> {
  const c = new DirectedCluster({ seed: 23 });
  try {
    const via = 1;
    await c.until(() => c.nodes().length === 3, 1_000);
    if (c.leaderOf() !== undefined) throw new Error('the scenario needs the write sent before the first election');
    const started = c.putStarted(via, 'k', 'v', {}, 8_000);
    await c.until(() => c.leaderOf() !== undefined, 10_000);
    if (c.leaderOf() !== via) {
      const moved = await c.admin(c.leaderOf()!, 'TransferLeader', { rangeId: '1', toStoreId: String(via) });
      if ('error' in moved) throw new Error(`transfer: ${moved.error.code} ${moved.error.message}`);
    }
    const answer = await c.settle(started, 10_000);
    const leader = c.leaderOf();
    const value = valueOf(await c.get(leader ?? via, 'k'));
    return { answer, leader, value, problems: c.problems() };
  } finally {
    c.close();
  }
}
