import {
  RaftInvariantError,
  SeededRng,
  nodeId,
  type ConfChange,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type Ready,
} from '../../raft/index.js';
import { fnv1a, hashString, mix } from './hash.js';
import { SafetyChecker, Violation, type LogView } from './safety-checker.js';
import { SimNetwork } from './sim-network.js';
import { SimNode, entryLabel, type AppliedEntry, type CrashPoint } from './sim-node.js';
import { optionsForSeed, type SimOptions } from './sim-options.js';

export interface SimStats {
  ticks: number;
  steps: number;
  messagesSent: number;
  messagesDropped: number;
  elections: number;
  crashes: number;
  midReadyCrashes: number;
  pauses: number;
  partitions: number;
  confChanges: number;
  transfers: number;
  snapshotsTaken: number;
  snapshotsSent: number;
  writesAcked: number;
  writesFailed: number;
  readsServed: number;
  readsFailed: number;
  leaseReadsPossible: boolean;
  quiescedTicks: number;
  checks: number;
  livenessTicks: number;
}

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly violation: Violation | undefined;
  /** Digest of the whole run: equal digests mean the same trace. */
  readonly traceDigest: string;
  readonly trace: readonly string[];
  readonly stats: SimStats;
  readonly options: SimOptions;
}

export interface RunOptions {
  /** Keep every trace line (otherwise only the last `traceTailLines`). */
  readonly fullTrace?: boolean;
  readonly traceTailLines?: number;
  /** Called for each notable event, for live display. */
  readonly onEvent?: (line: string) => void;
}

interface WriteOp {
  readonly node: NodeId;
  readonly invokeTick: number;
}

interface ReadOp {
  readonly node: NodeId;
  readonly minIndex: number;
}

type Phase = 'chaos' | 'liveness';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * A deterministic world of raft nodes: a seeded network, crashes that keep only what was persisted,
 * pauses, partitions of many shapes, membership changes, snapshots and leader transfers, with
 * clients writing and reading throughout. Safety is checked after every step; after the chaos phase
 * everything heals and liveness is required within a bound.
 */
export class Simulation {
  readonly opts: SimOptions;
  private readonly rng: SeededRng;
  private readonly net: SimNetwork;
  readonly nodes = new Map<NodeId, SimNode>();
  private readonly checker = new SafetyChecker();
  private step = 0;
  private tick = 0;
  private phase: Phase = 'chaos';
  private nextNodeId: number;
  private nextOp = 1;
  private readonly writes = new Map<string, WriteOp>();
  private readonly acked = new Map<string, number>();
  private readonly reads = new Map<string, ReadOp>();
  /** Highest index acknowledged to or observed by any client: no later read may return less. */
  private observedIndex = 0;
  private healAtTick = -1;
  private latestConf: { index: number; cs: ConfState };
  /** Every node that was a member in some applied configuration. */
  private readonly everMember = new Set<NodeId>();
  /** Snapshot stream outcomes for a sender that was frozen when the stream ended: handed over when it resumes. */
  private owedSnapshotReports: { from: NodeId; to: NodeId }[] = [];
  private digest = 0x12345678;
  private readonly traceLines: string[] = [];
  readonly stats: SimStats;

  constructor(
    seedOrOptions: number | SimOptions,
    private readonly run: RunOptions = {},
  ) {
    this.opts = typeof seedOrOptions === 'number' ? optionsForSeed(seedOrOptions) : seedOrOptions;
    this.rng = new SeededRng(this.opts.seed);
    this.net = new SimNetwork(this.rng.fork(), this.opts);
    const voters = Array.from({ length: this.opts.voters }, (_, i) => nodeId(i + 1));
    const learners = Array.from({ length: this.opts.learners }, (_, i) => nodeId(this.opts.voters + i + 1));
    const cs: ConfState = { voters, votersOutgoing: [], learners, learnersNext: [], autoLeave: false };
    this.latestConf = { index: 0, cs };
    for (const id of confMembers(cs)) this.everMember.add(id);
    for (const id of [...voters, ...learners]) this.nodes.set(id, SimNode.create(id, cs, this.opts, this.rng.fork()));
    this.nextNodeId = voters.length + learners.length + 1;
    this.stats = {
      ticks: 0,
      steps: 0,
      messagesSent: 0,
      messagesDropped: 0,
      elections: 0,
      crashes: 0,
      midReadyCrashes: 0,
      pauses: 0,
      partitions: 0,
      confChanges: 0,
      transfers: 0,
      snapshotsTaken: 0,
      snapshotsSent: 0,
      writesAcked: 0,
      writesFailed: 0,
      readsServed: 0,
      readsFailed: 0,
      leaseReadsPossible: this.opts.leaseReads,
      quiescedTicks: 0,
      checks: 0,
      livenessTicks: 0,
    };
  }

  private started = false;
  private violation: Violation | undefined;

  runToEnd(): SimResult {
    this.runChaosTicks(this.opts.chaosTicks);
    return this.finish();
  }

  /** Runs up to `ticks` more ticks of the chaos phase (for live display); false once it is over or failed. */
  runChaosTicks(ticks: number): boolean {
    return this.guardViolations(() => {
      if (!this.started) {
        this.started = true;
        this.trace(`seed ${this.opts.seed} profile ${this.opts.profile} voters ${this.opts.voters} learners ${this.opts.learners} ${describeOptions(this.opts)}`);
      }
      const end = Math.min(this.opts.chaosTicks, this.tick + ticks);
      for (; this.tick < end; this.tick++) {
        this.nemesis();
        this.runTick();
      }
    }) && this.tick < this.opts.chaosTicks;
  }

  /** Heals everything, requires liveness, checks that every acknowledged write survived, and reports. */
  finish(): SimResult {
    if (this.violation === undefined) {
      this.guardViolations(() => {
        this.heal();
        this.livenessPhase();
        this.checkAckedWritesDurable();
      });
    }
    const violation = this.violation;
    this.stats.ticks = this.tick;
    this.stats.steps = this.step;
    this.stats.messagesSent = this.net.sentCount;
    this.stats.messagesDropped = this.net.droppedCount;
    this.stats.checks = this.checker.checks;
    return {
      seed: this.opts.seed,
      ok: violation === undefined,
      violation,
      traceDigest: this.digest.toString(16).padStart(8, '0'),
      trace: this.traceLines,
      stats: this.stats,
      options: this.opts,
    };
  }

  private guardViolations(f: () => void): boolean {
    if (this.violation !== undefined) return false;
    try {
      f();
      return true;
    } catch (e) {
      if (e instanceof Violation) this.violation = e;
      else if (e instanceof RaftInvariantError) this.violation = new Violation('coreAssertion', e.message);
      else throw e;
      this.trace(`VIOLATION at tick ${this.tick} step ${this.step}: ${this.violation.message}`);
      return false;
    }
  }

  /** A one-line picture of the group now, for live display. */
  snapshotLine(): string {
    const leader = this.leader();
    const r = leader?.raw?.raft;
    const lead = r === undefined ? 'no leader' : `leader ${leader!.id} term ${r.term} commit ${r.log.committed}`;
    const down = [...this.nodes.values()].filter((n) => !n.retired && !n.isUp()).map((n) => n.id);
    const s = this.stats;
    return (
      `t=${String(this.tick).padStart(4)}  ${lead.padEnd(30)} writes acked ${String(s.writesAcked).padStart(4)}  reads ${String(s.readsServed).padStart(4)}` +
      `  | down [${down.join(',')}] crashes ${s.crashes} partitions ${s.partitions}${this.net.hasPartition() ? ' (now)' : ''}`
    );
  }

  // -------------------------------------------------------------------------------------------
  // The clock

  private runTick(): void {
    for (let s = 0; s < this.opts.stepsPerTick; s++) {
      this.step++;
      this.payOwedTicks();
      if (s === 0) this.tickNodes();
      if (this.phase === 'chaos') this.clients();
      this.deliver();
      this.processReadies();
      this.observe();
    }
  }

  private tickNodes(): void {
    for (const n of this.nodes.values()) {
      if (n.retired) continue;
      if (!n.isUp()) {
        if (n.restartAtTick >= 0 && this.tick >= n.restartAtTick) this.restart(n);
        continue;
      }
      if (n.isPaused(this.step)) {
        // The clock keeps running while the process is frozen.
        n.owedTicks += n.ticksDue();
        continue;
      }
      const raw = n.raw!;
      if (raw.isQuiesced()) this.stats.quiescedTicks++;
      for (let i = n.ticksDue(); i > 0; i--) this.guard(n, () => raw.tick());
    }
  }

  /**
   * A resumed process first catches its clock up (the driver ticks from a monotonic clock before
   * handling anything), so a leader frozen past its lease cannot serve a lease read on waking.
   * Capped: beyond a few election timeouts more ticks change nothing.
   */
  private payOwedTicks(): void {
    for (const n of this.nodes.values()) {
      if (n.owedTicks === 0 || n.raw === undefined || n.isPaused(this.step)) continue;
      const due = Math.min(n.owedTicks, 3 * this.opts.electionTimeoutTicks);
      n.owedTicks = 0;
      const raw = n.raw;
      for (let i = 0; i < due; i++) this.guard(n, () => raw.tick());
    }
  }

  private deliver(): void {
    if (this.owedSnapshotReports.length > 0) {
      this.owedSnapshotReports = this.owedSnapshotReports.filter(({ from, to }) => {
        const sender = this.nodes.get(from);
        if (sender?.raw === undefined) return false;
        if (sender.isPaused(this.step)) return true;
        sender.raw.reportSnapshot(to, 'finished');
        return false;
      });
    }
    for (const m of this.net.takeDue(this.step, (cut) => this.onUndelivered(cut))) {
      const n = this.nodes.get(m.to);
      if (n === undefined || !n.isUp() || n.retired) {
        this.onUndelivered(m);
        continue;
      }
      if (n.isPaused(this.step)) {
        this.net.defer(m, n.pausedUntilStep);
        continue;
      }
      this.digest = mix(this.digest, hashString(`${m.type}${m.from}${m.to}${m.term}`));
      this.guard(n, () => {
        const refusal = n.raw!.step(m);
        // Every node here is correct, so the core must never refuse one of their messages.
        if (refusal !== undefined) throw new Violation('refusedMessage', `node ${n.id} refused ${m.type} from ${m.from} in term ${m.term}: ${refusal}`);
      });
      if (m.type === 'snap') {
        // The snapshot stream completed: the transport tells the sender, as the real one does.
        const sender = this.nodes.get(m.from);
        if (sender?.raw !== undefined) {
          if (sender.isPaused(this.step)) this.owedSnapshotReports.push({ from: m.from, to: m.to });
          else sender.raw.reportSnapshot(m.to, 'finished');
        }
      }
    }
  }

  private onUndelivered(m: Message): void {
    // The transport notices a lost snapshot stream and tells the sender.
    if (m.type === 'snap') {
      const sender = this.nodes.get(m.from);
      if (sender?.raw !== undefined) sender.raw.reportSnapshot(m.to, 'failed');
    }
  }

  private processReadies(): void {
    for (const n of this.nodes.values()) {
      if (!n.isUp() || n.isPaused(this.step)) continue;
      // Bounded: a node never needs more than a few Readies per step.
      for (let i = 0; i < 8 && n.raw !== undefined && n.raw.hasReady(); i++) {
        const persistedCommit = n.disk.storage.initialState().hardState.commit;
        const rd = n.raw.ready();
        const crashAt = this.pickCrashPoint(n, rd, persistedCommit);
        const votedNow = crashAt !== 'none' && rd.messages.some((m) => m.type === 'voteResp' && !m.reject);
        const effects = n.handleReady(
          rd,
          crashAt,
          (r) => this.sendAll(n, r),
          (r) => this.onPersisted(n, r),
        );
        if (effects.crashed) {
          this.stats.crashes++;
          this.stats.midReadyCrashes++;
          n.restartAtTick = this.tick + (votedNow ? 1 : 1 + this.rng.int(Math.min(20, this.opts.restartDelayTicksMax)));
          this.trace(`t${this.tick} crash ${n.id} ${crashAt} (mid-Ready)`);
          this.failClientsOf(n.id);
          break;
        }
        this.onApplied(n, effects.applied);
        this.onReadyReads(n, rd);
      }
    }
  }

  /**
   * Where (if at all) to crash while processing this Ready. Besides random mid-Ready crashes, three
   * fault points fire at moments that matter for safety: right after granting a vote (is the vote
   * durable?), right after winning an election before anything is sent (a term whose only trace is
   * an unreplicated entry), and right after a leader's commit index advanced, before the Ready that
   * carries it leaves (what exactly did it commit?).
   */
  private pickCrashPoint(n: SimNode, rd: Ready, persistedCommit: number): CrashPoint {
    if (this.phase !== 'chaos') return 'none';
    const o = this.opts;
    if (o.crashAfterVoteRate > 0 && rd.messages.some((m) => m.type === 'voteResp' && !m.reject) && this.rng.chance(o.crashAfterVoteRate)) {
      return 'afterSend';
    }
    if (o.crashAfterElectionRate > 0 && rd.softState?.role === 'leader' && this.rng.chance(o.crashAfterElectionRate)) {
      return 'afterPersist';
    }
    const leaderCommitted = n.raw?.raft.role === 'leader' && rd.hardState !== undefined && rd.hardState.commit > persistedCommit;
    if (o.crashAfterCommitRate > 0 && leaderCommitted && this.rng.chance(o.crashAfterCommitRate)) return 'afterPersist';
    // A small per-Ready chance, so mid-Ready crashes are a fraction of all crashes.
    if (!this.rng.chance(this.opts.crashRatePerTick * this.opts.crashMidReadyRate * 0.5)) return 'none';
    return this.rng.chance(0.5) ? 'afterPersist' : 'afterSend';
  }

  private sendAll(from: SimNode, rd: Ready): void {
    for (const m of rd.messages) {
      if (m.type === 'snap') this.stats.snapshotsSent++;
      const dropped = this.net.send(m, this.step);
      if (dropped === undefined) continue;
      if (m.type === 'snap' && from.raw !== undefined) from.raw.reportSnapshot(m.to, 'failed');
      else if (dropped === 'partition' && from.raw !== undefined && this.rng.chance(0.3)) from.raw.reportUnreachable(m.to);
    }
  }

  private onPersisted(n: SimNode, rd: Ready): void {
    const log = n.raw!.raft.log;
    for (const e of rd.entries) {
      this.checker.onPersist(n.id, e.index, e.term, dataHash(e), log.term(e.index - 1));
    }
  }

  private onApplied(n: SimNode, applied: readonly AppliedEntry[]): void {
    for (const { entry: e, hashAfter } of applied) {
      this.recordCommitted(n, e);
      this.checker.onApplied(n.id, e.index, hashAfter);
      if (e.type === 'confChange' && e.index > this.latestConf.index) {
        this.latestConf = { index: e.index, cs: n.disk.app.confState };
        for (const id of confMembers(this.latestConf.cs)) this.everMember.add(id);
        this.trace(`t${this.tick} conf@${e.index} ${confString(n.disk.app.confState)}`);
      }
      if (e.type !== 'normal' || e.data.length === 0) continue;
      const op = decoder.decode(e.data);
      if (n.pendingWrites.has(op)) {
        n.pendingWrites.delete(op);
        this.writes.delete(op);
        this.acked.set(op, e.index);
        this.stats.writesAcked++;
        if (e.index > this.observedIndex) this.observedIndex = e.index;
      }
    }
  }

  private onReadyReads(n: SimNode, rd: Ready): void {
    for (const ctx of rd.droppedReads) {
      if (n.pendingReads.delete(ctx)) {
        this.reads.delete(ctx);
        this.stats.readsFailed++;
      }
    }
    for (const r of n.takeServableReads()) {
      if (!n.pendingReads.delete(r.ctx)) continue;
      const op = this.reads.get(r.ctx);
      this.reads.delete(r.ctx);
      if (op === undefined) continue;
      const served = n.disk.app.appliedIndex;
      this.checker.onRead(n.id, r.ctx, served, op.minIndex);
      this.stats.readsServed++;
      if (served > this.observedIndex) this.observedIndex = served;
    }
  }

  /** After each step: leaders, commit advances (leader completeness, durability). */
  private observe(): void {
    const leaders: { id: NodeId; term: number; log: LogView }[] = [];
    for (const n of this.nodes.values()) {
      const raw = n.raw;
      if (raw === undefined) continue;
      const r = raw.raft;
      if (r.role === 'leader') {
        leaders.push({ id: n.id, term: r.term, log: r.log });
        if (n.lastLeaderTerm !== r.term) {
          n.lastLeaderTerm = r.term;
          this.stats.elections++;
          this.trace(`t${this.tick} leader ${n.id} term ${r.term} last ${r.log.lastIndex()} commit ${r.log.committed}`);
          this.checker.onLeader(n.id, r.term, r.log);
        }
      }
    }
    for (const n of this.nodes.values()) {
      const raw = n.raw;
      if (raw === undefined) continue;
      const log = raw.raft.log;
      if (log.committed <= n.checkedCommit) continue;
      const from = Math.max(n.checkedCommit + 1, log.firstIndex());
      const ents = from <= log.committed ? (log.slice(from, log.committed + 1, Number.MAX_SAFE_INTEGER) ?? []) : [];
      for (const e of ents) {
        this.checker.onCommitted(n.id, raw.raft.term, e.index, { term: e.term, dataHash: dataHash(e), label: entryLabel(e) }, leaders);
      }
      n.checkedCommit = log.committed;
    }
  }

  crashNow(n: SimNode, why: string): void {
    n.crash();
    n.restartAtTick = this.tick + 1 + this.rng.int(this.opts.restartDelayTicksMax);
    this.stats.crashes++;
    this.failClientsOf(n.id);
    this.trace(`t${this.tick} ${why}`);
  }

  private recordCommitted(n: SimNode, e: Entry): void {
    this.checker.onCommitted(n.id, n.raw?.raft.term ?? 0, e.index, { term: e.term, dataHash: dataHash(e), label: entryLabel(e) }, []);
  }

  private guard(n: SimNode, f: () => void): void {
    try {
      f();
    } catch (e) {
      if (e instanceof RaftInvariantError) throw new Violation('coreAssertion', `node ${n.id}: ${e.message}`);
      throw e;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Clients

  private clients(): void {
    if (this.rng.chance(this.opts.writeRatePerStep)) this.clientWrite();
    if (this.rng.chance(this.opts.readRatePerStep)) this.clientRead();
    // Writes unanswered for long are given up on (their outcome stays unknown).
    if (this.step % 64 === 0) {
      for (const [op, w] of this.writes) {
        if (this.tick - w.invokeTick > 50) {
          this.writes.delete(op);
          this.nodes.get(w.node)?.pendingWrites.delete(op);
        }
      }
    }
  }

  private upNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.isUp() && !n.retired && !n.isPaused(this.step));
  }

  private clientWrite(): void {
    const candidates = this.upNodes();
    if (candidates.length === 0) return;
    const n = this.rng.pick(candidates);
    const op = `w${this.nextOp++}`;
    const r = n.raw!.propose(encoder.encode(op));
    if (r.outcome === 'rejected') {
      this.stats.writesFailed++;
      return;
    }
    n.pendingWrites.set(op, this.tick);
    this.writes.set(op, { node: n.id, invokeTick: this.tick });
  }

  private clientRead(): void {
    const candidates = this.upNodes();
    if (candidates.length === 0) return;
    const n = this.rng.pick(candidates);
    const ctx = `r${this.nextOp++}`;
    const minIndex = this.observedIndex;
    const r = n.raw!.readIndex(ctx);
    if (r.outcome === 'rejected') {
      this.stats.readsFailed++;
      return;
    }
    n.pendingReads.add(ctx);
    this.reads.set(ctx, { node: n.id, minIndex });
  }

  private failClientsOf(id: NodeId): void {
    for (const [op, w] of this.writes) if (w.node === id) this.writes.delete(op);
    for (const [ctx, r] of this.reads) {
      if (r.node === id) {
        this.reads.delete(ctx);
        this.stats.readsFailed++;
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Nemesis

  private nemesis(): void {
    const o = this.opts;
    if (this.healAtTick >= 0 && this.tick >= this.healAtTick) {
      this.net.heal();
      this.healAtTick = -1;
      this.trace(`t${this.tick} partition healed`);
    }
    if (this.rng.chance(o.crashRatePerTick)) this.crashSomeone(false);
    if (this.rng.chance(o.leaderKillRatePerTick)) this.crashSomeone(true);
    if (this.rng.chance(o.pauseRatePerTick)) this.pauseSomeone();
    if (this.healAtTick < 0 && this.rng.chance(o.partitionRatePerTick)) this.partition();
    if (this.rng.chance(o.confChangeRatePerTick)) this.changeMembership();
    if (this.rng.chance(o.transferRatePerTick)) this.transferLeadership();
    for (const n of this.nodes.values()) {
      if (n.isUp() && this.rng.chance(o.snapshotRatePerTick)) {
        if (n.maybeSnapshot(this.rng.pick([0, 2, 10]))) this.stats.snapshotsTaken++;
      }
    }
  }

  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      const r = n.raw?.raft;
      if (r === undefined || r.role !== 'leader' || n.isPaused(this.step)) continue;
      if (best === undefined || r.term > best.raw!.raft.term) best = n;
    }
    return best;
  }

  private crashSomeone(leaderOnly: boolean): void {
    const up = [...this.nodes.values()].filter((n) => n.isUp() && !n.retired);
    if (up.length === 0) return;
    const leader = this.leader();
    if (leaderOnly && leader === undefined) return;
    const n = leader !== undefined && (leaderOnly || this.rng.chance(0.4)) ? leader : this.rng.pick(up);
    n.crash();
    n.restartAtTick = this.tick + 1 + this.rng.int(this.opts.restartDelayTicksMax);
    this.stats.crashes++;
    this.failClientsOf(n.id);
    this.trace(`t${this.tick} crash ${n.id}${n === leader ? ' (leader)' : ''} until t${n.restartAtTick}`);
  }

  private restart(n: SimNode): void {
    n.restartAtTick = -1;
    n.start();
    this.trace(`t${this.tick} restart ${n.id} term ${n.raw!.raft.term} commit ${n.raw!.raft.log.committed} applied ${n.disk.app.appliedIndex}`);
  }

  private pauseSomeone(): void {
    const up = this.upNodes();
    if (up.length === 0) return;
    const leader = this.leader();
    const n = leader !== undefined && this.rng.chance(0.4) ? leader : this.rng.pick(up);
    const ticks = 2 + this.rng.int(this.rng.pick([5, 30]));
    n.pausedUntilStep = this.step + ticks * this.opts.stepsPerTick;
    this.stats.pauses++;
    this.trace(`t${this.tick} pause ${n.id} for ${ticks} ticks`);
  }

  private partition(): void {
    const ids = [...this.nodes.values()].filter((n) => !n.retired).map((n) => n.id);
    if (ids.length < 2) return;
    const shape = this.rng.pick(['isolate', 'isolateLeader', 'halves', 'asymmetric', 'bridge'] as const);
    const shuffled = shuffle(ids, this.rng);
    const blockBoth = (a: NodeId, b: NodeId): void => {
      this.net.block(a, b);
      this.net.block(b, a);
    };
    let desc: string = shape;
    switch (shape) {
      case 'isolate':
      case 'isolateLeader': {
        const victim = shape === 'isolateLeader' ? (this.leader()?.id ?? shuffled[0]!) : shuffled[0]!;
        for (const o of ids) if (o !== victim) blockBoth(victim, o);
        desc = `${shape} ${victim}`;
        break;
      }
      case 'halves': {
        const cut = 1 + this.rng.int(ids.length - 1);
        const a = shuffled.slice(0, cut);
        const b = shuffled.slice(cut);
        for (const x of a) for (const y of b) blockBoth(x, y);
        desc = `halves [${a}] | [${b}]`;
        break;
      }
      case 'asymmetric': {
        // One node can send but not receive (or the reverse): the classic half-open link.
        const victim = shuffled[0]!;
        const inbound = this.rng.chance(0.5);
        for (const o of ids) if (o !== victim) inbound ? this.net.block(o, victim) : this.net.block(victim, o);
        desc = `asymmetric ${victim} ${inbound ? 'deaf' : 'mute'}`;
        break;
      }
      case 'bridge': {
        // Two sides that only one node can talk to.
        if (ids.length < 3) return;
        const bridge = shuffled[0]!;
        const rest = shuffled.slice(1);
        const cut = Math.ceil(rest.length / 2);
        for (const x of rest.slice(0, cut)) for (const y of rest.slice(cut)) blockBoth(x, y);
        desc = `bridge via ${bridge}`;
        break;
      }
    }
    this.healAtTick = this.tick + 5 + this.rng.int(this.rng.pick([20, 60, 150]));
    this.stats.partitions++;
    this.trace(`t${this.tick} partition ${desc} until t${this.healAtTick}`);
  }

  private changeMembership(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const raw = leader.raw!;
    const cs = raw.status().confState;
    let cc: ConfChange | undefined;
    const voters = cs.voters;
    const learners = cs.learners;
    if (cs.votersOutgoing.length > 0) {
      if (!cs.autoLeave) cc = { kind: 'leaveJoint' };
    } else {
      const options: (() => ConfChange | undefined)[] = [
        () => {
          if (voters.length + learners.length >= 7) return undefined;
          const id = nodeId(this.nextNodeId++);
          this.nodes.set(id, SimNode.create(id, undefined, this.opts, this.rng.fork()));
          this.trace(`t${this.tick} new node ${id}`);
          return { kind: 'simple', changes: [{ op: 'addLearner', nodeId: id }] };
        },
        () => {
          if (learners.length === 0) return undefined;
          const id = this.rng.pick(learners);
          return this.rng.chance(0.5)
            ? { kind: 'simple', changes: [{ op: 'addVoter', nodeId: id }] }
            : { kind: 'enterJoint', autoLeave: this.rng.chance(0.5), changes: [{ op: 'addVoter', nodeId: id }] };
        },
        () => {
          if (voters.length <= 3) return undefined;
          return { kind: 'simple', changes: [{ op: 'remove', nodeId: this.rng.pick(voters) }] };
        },
        () => {
          if (learners.length === 0) return undefined;
          const add = this.rng.pick(learners);
          const remove = this.rng.pick(voters);
          return { kind: 'enterJoint', autoLeave: this.rng.chance(0.7), changes: [{ op: 'addVoter', nodeId: add }, { op: 'remove', nodeId: remove }] };
        },
        () => {
          if (voters.length <= 3) return undefined;
          return { kind: 'enterJoint', autoLeave: true, changes: [{ op: 'addLearner', nodeId: this.rng.pick(voters) }] };
        },
        () => {
          if (learners.length === 0) return undefined;
          return { kind: 'simple', changes: [{ op: 'remove', nodeId: this.rng.pick(learners) }] };
        },
      ];
      cc = this.rng.pick(options)();
    }
    if (cc === undefined) return;
    const r = raw.proposeConfChange(cc);
    this.stats.confChanges++;
    this.trace(`t${this.tick} propose ${JSON.stringify(cc)} at ${leader.id}: ${r.outcome}${r.outcome === 'rejected' ? ` ${r.reason}` : ''}`);
  }

  private transferLeadership(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const voters = leader.raw!.status().confState.voters.filter((v) => v !== leader.id);
    if (voters.length === 0) return;
    const to = this.rng.pick(voters);
    const r = leader.raw!.transferLeader(to);
    this.stats.transfers++;
    this.trace(`t${this.tick} transfer ${leader.id} -> ${to}: ${r.outcome}`);
  }

  // -------------------------------------------------------------------------------------------
  // Healing and liveness

  private heal(): void {
    this.phase = 'liveness';
    this.net.heal();
    this.healAtTick = -1;
    this.net.lossRate = 0;
    this.net.duplicateRate = 0;
    const members = confMembers(this.latestConf.cs);
    for (const n of this.nodes.values()) {
      n.pausedUntilStep = -1;
      // Nodes being added (not yet in an applied config) stay up: their addition may still commit.
      if (!n.isUp() && !n.retired) this.restart(n);
    }
    this.retireRemoved();
    // Outstanding client operations end with unknown outcome.
    this.writes.clear();
    this.reads.clear();
    for (const n of this.nodes.values()) {
      n.pendingWrites.clear();
      n.pendingReads.clear();
    }
    this.trace(`t${this.tick} HEAL members ${[...members].join(',')}`);
  }

  /** The operator shuts down nodes once they have been removed from the group. */
  private retireRemoved(): void {
    const members = confMembers(this.latestConf.cs);
    for (const n of this.nodes.values()) {
      if (n.retired || members.has(n.id) || !this.everMember.has(n.id)) continue;
      n.crash();
      n.retired = true;
      this.trace(`t${this.tick} retire removed node ${n.id}`);
    }
  }

  /** Entries some member still has to receive at heal time, times the worst round trip per entry. */
  private backlogTicks(): number {
    let last = 0;
    let minApplied = Number.MAX_SAFE_INTEGER;
    for (const n of this.nodes.values()) {
      if (n.retired) continue;
      last = Math.max(last, n.disk.storage.lastIndex());
      minApplied = Math.min(minApplied, n.disk.app.appliedIndex);
    }
    const roundTripTicks = Math.ceil((2 * this.opts.delayStepsMax) / this.opts.stepsPerTick) + this.opts.heartbeatIntervalTicks;
    const entriesPerRoundTrip = this.opts.appendBytesMax < 256 ? 1 : 16;
    return Math.ceil(Math.max(0, last - minApplied) / entriesPerRoundTrip) * roundTripTicks;
  }

  private livenessPhase(): void {
    const start = this.tick;
    const budget = this.opts.livenessTicksMax + this.backlogTicks();
    const deadline = start + budget;
    let probe: { index: number; term: number; node: NodeId } | undefined;
    for (; this.tick < deadline; this.tick++) {
      this.runTick();
      this.retireRemoved();
      const leader = this.leader();
      if (probe !== undefined) {
        const p = probe;
        const members = [...confMembers(this.latestConf.cs)];
        const done = members.every((id) => {
          const n = this.nodes.get(id);
          return n !== undefined && n.isUp() && n.disk.app.appliedIndex >= p.index;
        });
        const committed = this.checker.committed.get(p.index);
        if (committed !== undefined && committed.term !== p.term) probe = undefined; // overwritten: retry
        else if (done && committed !== undefined) {
          this.stats.livenessTicks = this.tick - start;
          this.trace(`t${this.tick} LIVE: probe ${p.index}@${p.term} applied on every member after ${this.tick - start} ticks`);
          return;
        }
      }
      if (probe === undefined && leader !== undefined) {
        const r = leader.raw!.propose(encoder.encode(`probe@${this.tick}`));
        if (r.outcome === 'appended') probe = { index: r.index, term: r.term, node: leader.id };
      } else if (probe !== undefined && leader !== undefined && leader.raw!.raft.term > probe.term) {
        const p = probe;
        if (this.checker.committed.get(p.index) === undefined && leader.raw!.raft.log.term(p.index) !== p.term) probe = undefined;
      }
    }
    const status = [...this.nodes.values()]
      .filter((n) => !n.retired)
      .map((n) => {
        const s = n.raw?.status();
        return s === undefined ? `${n.id}:down` : `${n.id}:${s.role}/t${s.term}/c${s.commit}/a${n.disk.app.appliedIndex}/lead${s.lead}${s.quiesced ? '/q' : ''}`;
      });
    const leaderStatus = this.leader()?.raw?.status();
    const progress = leaderStatus?.progress === undefined ? 'no leader' : [...leaderStatus.progress].map(([id, p]) => `${id}:${p.state}/m${p.match}/n${p.next}/if${p.inflightCount}`).join(' ');
    throw new Violation(
      'liveness',
      `no proposal committed on every member within ${budget} ticks after healing (probe ${JSON.stringify(probe)}; ${status.join(' ')}; leader progress ${progress}; conf ${confString(this.latestConf.cs)})`,
    );
  }

  private checkAckedWritesDurable(): void {
    for (const [op, index] of this.acked) {
      const c = this.checker.committed.get(index);
      if (c === undefined || c.label !== op) {
        throw new Violation('ackedWriteLost', `write ${op} was acknowledged at index ${index}, but the committed log has ${c?.label ?? 'nothing'} there`);
      }
    }
  }

  private trace(line: string): void {
    this.digest = mix(this.digest, hashString(line));
    this.run.onEvent?.(line);
    this.traceLines.push(line);
    const max = this.run.fullTrace === true ? Number.MAX_SAFE_INTEGER : (this.run.traceTailLines ?? 200);
    if (this.traceLines.length > max) this.traceLines.shift();
  }
}

function dataHash(e: Entry): number {
  return mix(fnv1a(e.data), e.type === 'confChange' ? 1 : 0);
}

function confMembers(cs: ConfState): Set<NodeId> {
  return new Set([...cs.voters, ...cs.votersOutgoing, ...cs.learners]);
}

function confString(cs: ConfState): string {
  const out = `voters [${cs.voters}]`;
  const joint = cs.votersOutgoing.length > 0 ? ` outgoing [${cs.votersOutgoing}]${cs.autoLeave ? ' auto' : ''}` : '';
  const learners = cs.learners.length > 0 ? ` learners [${cs.learners}]` : '';
  const next = cs.learnersNext.length > 0 ? ` next [${cs.learnersNext}]` : '';
  return out + joint + learners + next;
}

function describeOptions(o: SimOptions): string {
  const flags = [o.preVote ? 'prevote' : '', o.checkQuorum ? 'checkquorum' : '', o.leaseReads ? 'lease' : '', o.quiesce ? 'quiesce' : '']
    .filter((f) => f !== '')
    .join(',');
  const knobs = Object.entries(o.knobs)
    .filter(([, v]) => v === true)
    .map(([k]) => k)
    .join(',');
  return `et ${o.electionTimeoutTicks} hb ${o.heartbeatIntervalTicks} [${flags}] loss ${o.lossRate.toFixed(3)} dup ${o.duplicateRate} delay ${o.delayStepsMax} appendMax ${o.appendBytesMax} inflight ${o.inflightMessagesMax}${knobs ? ` KNOBS ${knobs}` : ''}`;
}

function shuffle<T>(xs: readonly T[], rng: SeededRng): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function runSeed(seed: number, overrides: Partial<SimOptions> = {}, run: RunOptions = {}): SimResult {
  return new Simulation(optionsForSeed(seed, overrides), run).runToEnd();
}
