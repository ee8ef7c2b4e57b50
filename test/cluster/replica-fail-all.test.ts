/**
 * Regression (found by the Jepsen set × membership run): a leader that applied its own removal
 * failed its in-flight proposals with RANGE_NOT_FOUND, a definite "not applied" — yet those
 * entries were already in the log and replicated, and the new configuration's leader committed
 * them. The client was told its add failed; a later read found it. The same held for shutdown
 * (SHUTTING_DOWN) and a fenced store. A proposal in the log can only be answered "unknown" when
 * its replica goes away; only work never handed to raft may fail definitely.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { KvError } from '../../proto/kv-error.js';
import { type RangeDescriptor, type RangeId, type StoreId } from '../../proto/range-descriptor.js';
import { encodeRangeDescriptor } from '../../cluster/replica/range-descriptor-codec.js';
import { Replica, type AppliedWrite } from '../../cluster/replica/replica.js';
import type { Waiter } from '../../cluster/replica/waiter.js';
import { BatchOverlay } from '../../cluster/kv/batch-overlay.js';
import type { WriteResult } from '../../cluster/kv/command.js';
import { KvStateMachine } from '../../cluster/kv/kv-state-machine.js';
import { bootstrapHardState, bootstrapSnapshot } from '../../raft/bootstrap.js';
import { RawNode } from '../../raft/raw-node.js';
import { SeededRng } from '../../raft/rng.js';
import { nodeId, type ConfState } from '../../raft/types.js';
import { Store } from '../../storage/store.js';

let dir = '';
let store: Store | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** A single-voter range on a fresh store, its replica the leader (nothing persisted past bootstrap). */
function leaderReplica(): Replica<WriteResult> {
  dir = mkdtempSync(join(tmpdir(), 'rangekv-replica-'));
  store = Store.open({ path: join(dir, 'store.db'), clusterId: 'c', storeId: 1 });
  const descriptor: RangeDescriptor = {
    rangeId: 1 as RangeId,
    start: new Uint8Array(0),
    end: new Uint8Array(0),
    epoch: { confVersion: 1, version: 1 },
    replicas: [{ storeId: 1 as StoreId, replicaId: 1, role: 'voter' }],
    nextReplicaId: 2,
  };
  const confState: ConfState = { voters: [nodeId(1)], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false };
  const bytes = encodeRangeDescriptor(descriptor);
  const b = store.batch();
  b.createRange(1, { span: { start: descriptor.start, end: descriptor.end }, descriptor: bytes, confState });
  b.installSnapshot(1, bootstrapSnapshot(confState, bytes), null);
  b.setHardState(1, bootstrapHardState);
  b.commit();
  const storage = store.rangeStorage(1);
  const raw = new RawNode(
    { id: nodeId(1), rng: new SeededRng(1), electionTimeoutTicks: 10, heartbeatIntervalTicks: 1, appliedIndex: storage.appliedIndex(), preVote: true, checkQuorum: true },
    storage,
  );
  raw.campaign();
  const replica = new Replica<WriteResult>({
    raw,
    storage,
    descriptor,
    replicaId: nodeId(1),
    machine: new KvStateMachine(store.mvcc, new BatchOverlay(), { skipDedup: false }),
    log: pino({ level: 'silent' }),
    readCtxPrefix: 'test',
    faults: { ackBeforeCommit: false, applyBeforeCommit: false },
    queuedRequestsMax: 100,
  });
  expect(replica.isLeader()).toBe(true);
  return replica;
}

function waiter(): Waiter<AppliedWrite<WriteResult>> & { outcome: Promise<KvError | AppliedWrite<WriteResult>> } {
  let settle!: (v: KvError | AppliedWrite<WriteResult>) => void;
  const outcome = new Promise<KvError | AppliedWrite<WriteResult>>((r) => (settle = r));
  return { deadlineAtMs: Date.now() + 60_000, resolve: settle, reject: settle, outcome };
}

describe('Replica.failAll', () => {
  for (const cause of [
    new KvError('RANGE_NOT_FOUND', 'replica of range 1 was removed from store 1'),
    new KvError('SHUTTING_DOWN', 'store 1 shut down'),
    new KvError('STORAGE_FAILED', 'store 1 stopped serving'),
  ]) {
    it(`answers a proposal already in the log OUTCOME_UNKNOWN, queued work ${cause.code} (${cause.code})`, async () => {
      const replica = leaderReplica();
      const inLog = waiter();
      replica.propose(new Uint8Array([1, 2, 3]), inLog);
      replica.submitQueued(() => new KvError('NOT_LEADER', 'not leader'));
      const queued = waiter();
      replica.propose(new Uint8Array([4, 5, 6]), queued);

      replica.failAll(cause);

      const a = await inLog.outcome;
      expect(a).toBeInstanceOf(KvError);
      expect((a as KvError).code).toBe('OUTCOME_UNKNOWN');
      expect((a as KvError).definitelyNotApplied).toBe(false);
      expect((a as KvError).message).toContain(cause.message);
      const q = await queued.outcome;
      expect((q as KvError).code).toBe(cause.code);
    });
  }
});
