/**
 * `npm run bench:raft`: the raft core alone, with an instant in-memory network and storage.
 *
 * 1. Proposals through one group of 3 cores: entries committed per second, bytes allocated per entry.
 * 2. The same load spread over 1,000 groups of 3: the per-group overhead is the ratio to (1).
 * 3. One tick round over 10,000 quiesced groups next to 10,000 active ones (one store's replicas,
 *    as the node's driver ticks them): quiet groups must cost near nothing.
 *
 * Bytes allocated are measured with V8's GCProfiler: the heap used before each collection minus the
 * heap used after the previous one, summed, plus the growth since the last collection.
 */
import v8 from 'node:v8';
import { MemoryStorage, RawNode, SeededRng, bootstrapHardState, nodeId, type Message, type NodeId } from '../raft/index.js';

interface Replica {
  readonly node: RawNode;
  readonly storage: MemoryStorage;
}

class Group {
  readonly replicas: Replica[];
  constructor(groupSeed: number, quiesce: boolean) {
    const voters = [nodeId(1), nodeId(2), nodeId(3)];
    this.replicas = voters.map((id) => {
      const storage = MemoryStorage.bootstrap({ voters, votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false });
      storage.setHardState(bootstrapHardState);
      const node = new RawNode({ id, rng: new SeededRng(groupSeed * 7 + id), quiesce, checkQuorum: true, preVote: true }, storage);
      return { node, storage };
    });
  }
  replica(id: NodeId): Replica {
    return this.replicas[id - 1]!;
  }
}

/** A synchronous driver for many groups: persist → send → apply → advance, messages delivered at once. */
class Driver {
  readonly groups: Group[] = [];
  private readonly dirty = new Set<Replica>();
  /** Replicas that need ticks: quiesced ones leave the set and come back on any input. */
  readonly awake = new Set<Replica>();
  private readonly queue: { group: Group; m: Message }[] = [];
  committedEntries = 0;

  add(group: Group): void {
    this.groups.push(group);
    for (const r of group.replicas) this.touch(r);
  }

  touch(r: Replica): void {
    this.dirty.add(r);
    this.awake.add(r);
  }

  /** Runs until no replica has work left. */
  pump(): void {
    for (;;) {
      for (const r of this.dirty) this.handle(r);
      this.dirty.clear();
      if (this.queue.length === 0) return;
      const batch = this.queue.splice(0, this.queue.length);
      for (const { group, m } of batch) {
        const to = group.replica(m.to);
        to.node.step(m);
        this.touch(to);
      }
    }
  }

  private handle(r: Replica): void {
    const group = this.groupOf(r);
    while (r.node.hasReady()) {
      const rd = r.node.ready();
      r.storage.append(rd.entries);
      if (rd.hardState !== undefined) r.storage.setHardState(rd.hardState);
      for (const m of rd.messages) this.queue.push({ group, m });
      if (r.node.raft.role === 'leader') {
        for (const e of rd.committedEntries) if (e.data.byteLength > 0) this.committedEntries++;
      }
      r.node.advance();
      if (r.node.isQuiesced()) this.awake.delete(r);
      const applied = r.node.raft.log.applied;
      // Keep memory flat: compact the log well behind the applied index.
      if (applied - r.storage.firstIndex() > 20_000) r.storage.compact(applied - 10_000);
    }
  }

  private readonly owner = new Map<Replica, Group>();
  private groupOf(r: Replica): Group {
    let g = this.owner.get(r);
    if (g === undefined) {
      for (const group of this.groups) for (const x of group.replicas) this.owner.set(x, group);
      g = this.owner.get(r)!;
    }
    return g;
  }

  electAll(): void {
    for (const g of this.groups) {
      g.replica(nodeId(1)).node.campaign();
      this.touch(g.replica(nodeId(1)));
    }
    this.pump();
  }
}

function gc(): void {
  const f = (globalThis as { gc?: () => void }).gc;
  if (f === undefined) throw new Error('run with --expose-gc (npm run bench:raft does)');
  f();
}

/** Runs `work` and returns [elapsed ms, bytes allocated]. */
function measure(work: () => void): { elapsedMs: number; allocatedBytes: number } {
  gc();
  const startUsed = v8.getHeapStatistics().used_heap_size;
  const profiler = new v8.GCProfiler();
  profiler.start();
  const t0 = process.hrtime.bigint();
  work();
  const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const endUsed = v8.getHeapStatistics().used_heap_size;
  const stats = profiler.stop();
  let allocated = 0;
  let lastAfter = startUsed;
  for (const s of stats?.statistics ?? []) {
    allocated += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - lastAfter);
    lastAfter = s.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += Math.max(0, endUsed - lastAfter);
  return { elapsedMs, allocatedBytes: allocated };
}

function proposeThroughput(groupCount: number, entriesTotal: number, perGroupBatch: number, payloadBytes: number): { entriesPerSec: number; bytesPerEntry: number } {
  const driver = new Driver();
  for (let g = 0; g < groupCount; g++) driver.add(new Group(g + 1, false));
  driver.electAll();
  const payload = new Uint8Array(payloadBytes);
  // Warm up the JIT on the same path.
  const warm = Math.min(20_000, entriesTotal / 5);
  runProposals(driver, warm, perGroupBatch, payload);
  driver.committedEntries = 0;
  const { elapsedMs, allocatedBytes } = measure(() => runProposals(driver, entriesTotal, perGroupBatch, payload));
  if (driver.committedEntries !== entriesTotal) throw new Error(`committed ${driver.committedEntries} of ${entriesTotal}`);
  return { entriesPerSec: (entriesTotal / elapsedMs) * 1000, bytesPerEntry: allocatedBytes / entriesTotal };
}

/** Each round proposes `perGroupBatch` entries at every group's leader, then pumps until quiet. */
function runProposals(driver: Driver, entries: number, perGroupBatch: number, payload: Uint8Array): void {
  let proposed = 0;
  while (proposed < entries) {
    for (const group of driver.groups) {
      const leader = group.replica(nodeId(1));
      for (let i = 0; i < perGroupBatch && proposed < entries; i++, proposed++) {
        const r = leader.node.propose(payload);
        if (r.outcome !== 'appended') throw new Error(`proposal ${r.outcome}`);
      }
      driver.touch(leader);
      if (proposed >= entries) break;
    }
    driver.pump();
  }
}

/**
 * One store's tick round over the replicas it hosts (node 1 of each group), done the way the node's
 * driver does it: tick only the awake set, and process what the ticks produced. `scanAll` instead
 * visits every replica and skips quiesced ones, to show what the awake set saves.
 */
function tickRound(groupCount: number, quiesce: boolean, rounds: number, scanAll: boolean): { usPerRound: number; nsPerGroup: number; quiescedGroups: number } {
  const driver = new Driver();
  for (let g = 0; g < groupCount; g++) driver.add(new Group(g + 1, quiesce));
  driver.electAll();
  // Let idle groups settle (they quiesce when allowed).
  for (let t = 0; t < 5; t++) {
    for (const r of [...driver.awake]) r.node.tick();
    for (const r of [...driver.awake]) driver.touch(r);
    driver.pump();
  }
  const store = driver.groups.map((grp) => grp.replica(nodeId(1)));
  const storeSet = new Set(store);
  const quiescedGroups = store.filter((r) => r.node.isQuiesced()).length;
  const awakeOfStore = (): Replica[] => [...driver.awake].filter((r) => storeSet.has(r));
  const tickOne = (r: Replica): void => {
    r.node.tick();
    if (r.node.hasReady()) {
      const rd = r.node.ready();
      r.node.advance();
      if (rd.messages.length < 0) throw new Error('unreachable');
    }
  };
  const awakeList = awakeOfStore();
  const { elapsedMs } = measure(() => {
    for (let i = 0; i < rounds; i++) {
      if (scanAll) {
        for (const r of store) if (!r.node.isQuiesced()) tickOne(r);
      } else {
        for (const r of awakeList) tickOne(r);
      }
    }
  });
  return { usPerRound: (elapsedMs * 1000) / rounds, nsPerGroup: (elapsedMs * 1e6) / rounds / groupCount, quiescedGroups };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const payloadBytes = 100;
const entries = Number(process.env['RAFT_BENCH_ENTRIES'] ?? 200_000);
process.stdout.write(`raft core, in-process, instant network and memory storage; ${payloadBytes}-byte entries, node ${process.version}\n\n`);

const one = proposeThroughput(1, entries, 64, payloadBytes);
const many = proposeThroughput(1000, entries, 64, payloadBytes);
const manyUnbatched = proposeThroughput(1000, entries, 1, payloadBytes);
const active = tickRound(10_000, false, 20, false);
const quiet = tickRound(10_000, true, 20, false);
const quietScan = tickRound(10_000, true, 20, true);

const rows: [string, string, string, string][] = [
  ['scenario', 'entries/s', 'bytes alloc/entry', 'vs 1 group'],
  ['1 group × 3, 64 entries/round', fmt(one.entriesPerSec), fmt(one.bytesPerEntry), '1.00'],
  ['1,000 groups × 3, 64 entries/group/round', fmt(many.entriesPerSec), fmt(many.bytesPerEntry), fmt(many.entriesPerSec / one.entriesPerSec, 2)],
  ['1,000 groups × 3, 1 entry/group/round', fmt(manyUnbatched.entriesPerSec), fmt(manyUnbatched.bytesPerEntry), fmt(manyUnbatched.entriesPerSec / one.entriesPerSec, 2)],
];
const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) process.stdout.write(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ') + '\n');
process.stdout.write('\n');
const tickRows: [string, string, string, string][] = [
  ['tick round, one store', 'µs/round', 'ns/group', 'quiesced'],
  ['10,000 active groups', fmt(active.usPerRound), fmt(active.nsPerGroup, 1), fmt(active.quiescedGroups)],
  ['10,000 quiesced groups', fmt(quiet.usPerRound, 1), fmt(quiet.nsPerGroup, 2), fmt(quiet.quiescedGroups)],
  ['  same, scanning all (no awake set)', fmt(quietScan.usPerRound), fmt(quietScan.nsPerGroup, 1), fmt(quietScan.quiescedGroups)],
];
const tw = [0, 1, 2, 3].map((c) => Math.max(...tickRows.map((r) => r[c]!.length)));
for (const r of tickRows) process.stdout.write(r.map((cell, c) => (c === 0 ? cell.padEnd(tw[c]!) : cell.padStart(tw[c]!))).join('   ') + '\n');
const quietRatio = quiet.usPerRound / active.usPerRound;
process.stdout.write(`\nquiesced / active tick cost: ${fmt(quietRatio, 4)}\n`);
if (quiet.quiescedGroups !== 10_000) process.stdout.write(`WARNING: only ${quiet.quiescedGroups} of 10,000 groups quiesced\n`);

const result = {
  bench: 'raft',
  payloadBytes,
  entries,
  oneGroupEntriesPerSec: Math.round(one.entriesPerSec),
  oneGroupBytesPerEntry: Math.round(one.bytesPerEntry),
  thousandGroupsEntriesPerSec: Math.round(many.entriesPerSec),
  thousandGroupsBytesPerEntry: Math.round(many.bytesPerEntry),
  thousandGroupsVsOneRatio: Number((many.entriesPerSec / one.entriesPerSec).toFixed(3)),
  thousandGroupsUnbatchedEntriesPerSec: Math.round(manyUnbatched.entriesPerSec),
  thousandGroupsUnbatchedBytesPerEntry: Math.round(manyUnbatched.bytesPerEntry),
  tickRoundActiveUs: Math.round(active.usPerRound),
  tickRoundQuiescedUs: Number(quiet.usPerRound.toFixed(1)),
  tickRoundQuiescedScanAllUs: Math.round(quietScan.usPerRound),
  quiescedVsActiveRatio: Number(quietRatio.toFixed(5)),
  quiescedGroups: quiet.quiescedGroups,
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
