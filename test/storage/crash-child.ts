/**
 * Child process of the crash test: opens the store, then appends, overwrites, commits, applies (MVCC
 * data and the range-local table) and truncates raft logs of several ranges in group-committed batches as fast as it can, and writes
 * one `ack <json>` line to stdout after each commit has returned — never before. The parent
 * kill -9s it at a random moment. Bounded: stops by itself after `--batches-max` batches or
 * `--run-ms-max` milliseconds.
 *
 * stdout is a pipe, and on Linux writes to pipes are synchronous: once writeSync returns, the ack
 * is in the kernel's pipe buffer and survives the kill.
 */
import { writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { nodeId, type Entry } from '../../raft/types.js';
import { Store } from '../../storage/store.js';
import { timestampMax } from '../../storage/timestamp.js';
import {
  applyMutations,
  counterKey,
  crashRangeIds,
  localMutations,
  makeEntry,
  Prng,
  rangeSpan,
  type Ack,
  type AckRange,
} from './crash-workload.js';
import { confOf } from './helpers.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    seed: { type: 'string' },
    cycle: { type: 'string' },
    'batches-max': { type: 'string', default: '100000' },
    'run-ms-max': { type: 'string', default: '20000' },
  },
});
if (values.db === undefined || values.seed === undefined || values.cycle === undefined) {
  throw new Error('usage: crash-child --db PATH --seed N --cycle N');
}
const batchesMax = Number(values['batches-max']);
const runMsMax = Number(values['run-ms-max']);
const prng = new Prng((Number(values.seed) ^ Math.imul(Number(values.cycle) + 1, 0x9e3779b1)) >>> 0);

const store = Store.open({ path: values.db, clusterId: 'crash-test', storeId: 1 });
if (store.rangeIds().length === 0) {
  const b = store.batch();
  for (const id of crashRangeIds) b.createRange(id, { span: rangeSpan(id), descriptor: Buffer.from(`range ${id}`), confState: confOf(1) });
  b.commit();
}
// Entries applied before this process started were verified by the parent; only those may be
// truncated, so the parent can always replay everything applied since its last check.
const appliedAtStart = new Map(crashRangeIds.map((id) => [id, store.rangeStorage(id).appliedIndex()]));
writeSync(1, 'ready\n');

const startedMs = Date.now();
for (let batchNo = 1; batchNo <= batchesMax && Date.now() - startedMs < runMsMax; batchNo++) {
  const b = store.batch();
  const acks: AckRange[] = [];
  for (const id of crashRangeIds) {
    if (!prng.chance(0.7)) continue;
    const rs = store.rangeStorage(id);
    const last = rs.lastIndex();
    const hs = rs.hardState();
    const applied = rs.appliedIndex();
    let term = Math.max(1, hs.term);
    let start = last + 1;
    let count = prng.int(1, 8);
    if (last > hs.commit && prng.chance(0.15)) {
      // A new leader overwrites the uncommitted suffix (never shortening the log in this test).
      term = hs.term + 1;
      start = prng.int(hs.commit + 1, last);
      count = last - start + 1 + prng.int(0, 3);
    }
    const appended: Entry[] = [];
    for (let i = 0; i < count; i++) appended.push(makeEntry(id, start + i, term));
    const newLast = start + count - 1;
    const commit = prng.chance(0.2) ? hs.commit : prng.int(hs.commit, newLast);
    b.append(id, appended);
    b.setHardState(id, { term, vote: nodeId(1), commit });
    let newApplied = applied;
    const upTo = Math.min(commit, applied + prng.int(0, 24));
    if (upTo > applied) {
      // Entries below `start` come from the durable log; the rest from this batch's appends.
      const fromLog = rs.entries(applied + 1, Math.min(start, upTo + 1), Infinity);
      const toApply = fromLog.concat(appended.filter((e) => e.index > applied && e.index <= upTo));
      const current = store.mvcc.get(counterKey(id), timestampMax);
      let counter = current === null ? 0 : Number(Buffer.from(current.value).toString());
      const mutations = toApply.flatMap((e) => applyMutations(id, e, counter++));
      const lastApplied = toApply[toApply.length - 1]!;
      const local = toApply.flatMap((e) => localMutations(id, e));
      b.apply(id, { index: lastApplied.index, term: lastApplied.term }, mutations, local);
      newApplied = lastApplied.index;
    }
    const safeToTruncate = appliedAtStart.get(id) ?? 0;
    if (prng.chance(0.05) && safeToTruncate >= rs.firstIndex()) b.truncateLog(id, prng.int(rs.firstIndex(), safeToTruncate));
    acks.push({ rangeId: id, from: start, to: newLast, term, hsTerm: term, commit, applied: newApplied });
  }
  b.commit();
  const ack: Ack = { batch: batchNo, ranges: acks };
  writeSync(1, `ack ${JSON.stringify(ack)}\n`);
}
store.close();
