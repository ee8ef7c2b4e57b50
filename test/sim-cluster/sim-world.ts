import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pino, { type Logger } from 'pino';
import { SeededRng, type Message } from '../../raft/index.js';
import type { RangeInfoResponse__Output } from '../../proto/generated/rangekv/internal/v1/RangeInfoResponse.js';
import type { SnapshotChunk__Output } from '../../proto/generated/rangekv/internal/v1/SnapshotChunk.js';
import type { SnapshotResult__Output } from '../../proto/generated/rangekv/internal/v1/SnapshotResult.js';
import { KvError } from '../../proto/kv-error.js';
import { StorageError } from '../../storage/index.js';
import type { StoreId } from '../../proto/range-descriptor.js';
import type { ClusterConfig } from '../../cluster/config/cluster-config.js';
import type { FaultSwitches, NodeOptions } from '../../cluster/config/node-options.js';
import { Node, nodeExitCodes } from '../../cluster/node/node.js';
import type { NodeNetwork, NodeServices, PeerLinks } from '../../cluster/ports/node-network.js';
import type { AdminMethod, KvMethod, PeerCalls } from '../../cluster/transport/peer-calls.js';
import type { PeerTransport, RangeInfo, SnapshotOutcome } from '../../cluster/transport/peer-transport.js';
import { encodeRaftBatch, type RaftEnvelope } from '../../cluster/transport/raft-codec.js';
import { MachineClock, ProcessClock, ProcessTimers } from './sim-clock.js';
import type { SimFaultPoints } from './sim-fault-points.js';
import { storeEndpoint, throughWire, transportError, type EndpointId, type ServiceName, type SimNetwork } from './sim-network.js';
import type { EventOwner, SimEvent, SimScheduler } from './sim-scheduler.js';

/** How long a snapshot stream may stall (a cut link) before both ends give up. */
const snapshotStallMs = 10_000;
/** A node told a peer is unreachable at most this often (the real transport's redial backoff). */
const unreachableReportMs = 200;

/** One process of a store: from its start to its crash. Its events die with it. */
export class SimProcess implements EventOwner {
  get owner(): EventOwner {
    return this;
  }
  alive = true;
  paused = false;
  readonly deferred: SimEvent[] = [];
  node: Node | undefined;
  services: NodeServices | undefined;
  readonly clock: ProcessClock;
  readonly timers: ProcessTimers;
  private endedResolve!: () => void;
  readonly incarnationEnded = new Promise<void>((r) => (this.endedResolve = r));
  onUnreachable: ((store: StoreId) => void) | undefined;
  private readonly lastUnreachableMs = new Map<StoreId, number>();

  constructor(
    readonly storeId: StoreId,
    readonly incarnation: number,
    readonly machine: MachineClock,
    scheduler: SimScheduler,
  ) {
    this.clock = new ProcessClock(machine);
    this.timers = new ProcessTimers(scheduler, machine, this);
  }

  end(): void {
    if (!this.alive) return;
    this.alive = false;
    this.endedResolve();
  }

  /** Tells this node (throttled, like the real transport's redial backoff) that a peer is unreachable. */
  reportUnreachable(peer: StoreId, nowMs: number): void {
    const last = this.lastUnreachableMs.get(peer);
    if (last !== undefined && nowMs - last < unreachableReportMs) return;
    this.lastUnreachableMs.set(peer, nowMs);
    this.onUnreachable?.(peer);
  }

  /** Converts a deadline on this process's monotonic clock to virtual (true) time. */
  trueDeadline(deadlineAtMs: number, nowTrueMs: number): number {
    return nowTrueMs + this.machine.trueDelayOf(deadlineAtMs - this.clock.monotonicMs());
  }

  /** A deadline in virtual time as this process's monotonic clock reads it. */
  localDeadline(deadlineAtTrueMs: number, nowTrueMs: number): number {
    return this.clock.monotonicMs() + (deadlineAtTrueMs - nowTrueMs) * this.machine.rateNow;
  }
}

/** What ended a process. */
export type ExitCause = { readonly kind: 'crash' } | { readonly kind: 'exit'; readonly code: number };

export interface WorldOptions {
  readonly seed: number;
  readonly cluster: ClusterConfig;
  readonly dataRoot: string;
  readonly nodeOptions: Partial<NodeOptions>;
  readonly faults: FaultSwitches;
  readonly logLevel: pino.Level | 'silent';
  /** Also hands every log line to this (the --trace output). */
  readonly logSink?: (line: LogLine) => void;
}

/** A line a node logged (kept in memory for the failure report and --trace). */
export interface LogLine {
  readonly atMs: number;
  readonly storeId: number;
  readonly text: string;
}

/**
 * The simulated world: machines (one per store) with their clocks, the node process running on
 * each (the real Node, real SQLite in files), the network between them, and the fault points.
 * Processes are started, crashed, paused and resumed here; everything they do goes through the
 * scheduler and the network, so a seed replays exactly.
 */
export class SimWorld {
  readonly machines = new Map<StoreId, MachineClock>();
  readonly processes = new Map<StoreId, SimProcess>();
  private readonly incarnations = new Map<StoreId, number>();
  readonly rng: SeededRng;
  readonly logs: LogLine[] = [];
  /** Exits the run did not cause (a node's loop died of a real error): each is a failure. */
  readonly unexpectedExits: { storeId: number; code: number; atMs: number; lastLog: string }[] = [];
  /** Exits caused by injected faults (crash points, failed fsyncs). */
  injectedExits = 0;
  /** A supervisor: told when a process ended by itself (the run restarts it after a while). */
  onSelfExit: (storeId: StoreId) => void = () => undefined;

  constructor(
    readonly scheduler: SimScheduler,
    readonly network: SimNetwork,
    readonly faultPoints: SimFaultPoints,
    readonly options: WorldOptions,
  ) {
    this.rng = new SeededRng(options.seed ^ 0x0c105);
    for (const s of options.cluster.stores) this.machines.set(s.storeId, new MachineClock(scheduler));
    mkdirSync(options.dataRoot, { recursive: true });
  }

  get storeIds(): StoreId[] {
    return this.options.cluster.stores.map((s) => s.storeId);
  }

  live(storeId: StoreId): SimProcess | undefined {
    const p = this.processes.get(storeId);
    return p !== undefined && p.alive ? p : undefined;
  }

  isUp(storeId: StoreId): boolean {
    return this.live(storeId)?.node !== undefined;
  }

  /** Starts a new process for the store, from whatever its files hold. */
  start(storeId: StoreId): void {
    if (this.live(storeId) !== undefined) throw new Error(`store ${storeId} is already running`);
    const incarnation = (this.incarnations.get(storeId) ?? 0) + 1;
    this.incarnations.set(storeId, incarnation);
    const proc = new SimProcess(storeId, incarnation, this.machines.get(storeId)!, this.scheduler);
    this.processes.set(storeId, proc);
    const logger = this.logger(storeId);
    const options: NodeOptions = {
      cluster: this.options.cluster,
      storeId,
      dataDir: join(this.options.dataRoot, `store-${storeId}`),
      logger,
      storageDurability: 'process',
      faults: this.options.faults,
      ...this.options.nodeOptions,
    };
    const network = new SimNodeNetwork(this, proc);
    const started = Node.start(options, {
      clock: proc.clock,
      timers: proc.timers,
      rng: new SeededRng(this.rng.nextUint32()),
      faults: this.faultPoints,
      network,
      exit: (code) => this.onExit(proc, code),
    });
    started.then(
      (node) => {
        if (proc.alive) proc.node = node;
        else node.abandon();
      },
      (e: unknown) => {
        proc.end();
        if (e instanceof StorageError && e.code === 'IO_FAILED' && (this.faultPoints.fired.get('storage.commitFails') ?? 0) > 0) {
          // An injected fsync failure while starting: the process exits, a supervisor restarts it.
          this.injectedExits++;
          this.onSelfExit(storeId);
          return;
        }
        this.unexpectedExits.push({ storeId, code: -1, atMs: this.scheduler.nowMs, lastLog: `start failed: ${e instanceof Error ? e.stack : String(e)}` });
      },
    );
  }

  /** kill -9: the process is gone; its files keep exactly what it committed. */
  crash(storeId: StoreId): void {
    const p = this.live(storeId);
    if (p === undefined) return;
    this.endProcess(p);
  }

  pause(storeId: StoreId): void {
    const p = this.live(storeId);
    if (p !== undefined) p.paused = true;
  }

  resume(storeId: StoreId): void {
    const p = this.processes.get(storeId);
    if (p === undefined || !p.paused) return;
    p.paused = false;
    this.scheduler.release(p);
  }

  private endProcess(p: SimProcess): void {
    if (!p.alive) return;
    p.end();
    this.afterEnd(p);
  }

  /** What a process's death does to the rest of the world: its files are closed, peers see their connections drop. */
  private afterEnd(p: SimProcess): void {
    p.node?.abandon();
    for (const other of this.processes.values()) {
      if (other === p || !other.alive) continue;
      this.scheduler.after(this.network.rttMs() / 2, other, () => other.reportUnreachable(p.storeId, this.scheduler.nowMs));
    }
  }

  private onExit(p: SimProcess, code: number): void {
    if (!p.alive) return;
    const injected = code === nodeExitCodes.simulatedCrash || (code === nodeExitCodes.storageFailed && (this.faultPoints.fired.get('storage.commitFails') ?? 0) > 0);
    if (injected) this.injectedExits++;
    else {
      const lastLog = [...this.logs].reverse().find((l) => l.storeId === p.storeId && /"level":(50|60)/.test(l.text))?.text ?? '';
      this.unexpectedExits.push({ storeId: p.storeId, code, atMs: this.scheduler.nowMs, lastLog });
    }
    // The exit happens inside the node's own call stack: nothing of it runs from now on (its events
    // are dropped), and its files are closed once that stack has unwound.
    p.end();
    this.scheduler.at(this.scheduler.nowMs, null, () => {
      this.afterEnd(p);
      this.onSelfExit(p.storeId);
    });
  }

  private logger(storeId: StoreId): Logger {
    const level = this.options.logLevel;
    if (level === 'silent') return pino({ level: 'silent' });
    const logs = this.logs;
    const scheduler = this.scheduler;
    const sink = this.options.logSink;
    return pino(
      { level, base: null, timestamp: () => `,"simMs":${scheduler.nowMs.toFixed(3)}` },
      {
        write(text: string): void {
          const line = { atMs: scheduler.nowMs, storeId, text: text.trimEnd() };
          logs.push(line);
          sink?.(line);
          if (logs.length > 20_000) logs.splice(0, 5_000);
        },
      },
    );
  }

  /** A unary call on a store's service, from any endpoint; deadline in virtual time. */
  callStore<Res>(
    caller: { readonly id: EndpointId; readonly owner: EventOwner },
    storeId: StoreId,
    service: Exclude<ServiceName, 'internal'>,
    method: string,
    request: unknown,
    deadlineAtTrueMs: number,
    duplicate: { readonly onDuplicate: () => void } | undefined = undefined,
  ): Promise<Res> {
    return this.network.unary<Res, SimProcess>(
      caller,
      storeEndpoint(storeId),
      () => this.live(storeId),
      service,
      method,
      request,
      deadlineAtTrueMs,
      (r, req, deadlineTrue) => {
        const p = r;
        const services = p.services;
        if (services === undefined) return Promise.reject(new KvError('UNAVAILABLE', `store ${storeId} is starting`));
        const local = p.localDeadline(deadlineTrue, this.scheduler.nowMs);
        const api = (service === 'kv' ? services.kv : services.admin) as unknown as Record<string, (req: unknown, deadlineAtMs: number) => Promise<unknown>>;
        const fn = api[method];
        if (fn === undefined) return Promise.reject(new KvError('INTERNAL', `no method ${method}`));
        return fn(req, local);
      },
      duplicate === undefined ? {} : { duplicable: true, onDuplicate: duplicate.onDuplicate },
    );
  }

  /** Removes every store's files (end of run). */
  cleanUp(): void {
    for (const p of this.processes.values()) {
      p.end();
      p.node?.abandon();
    }
    rmSync(this.options.dataRoot, { recursive: true, force: true });
  }
}

/** One node process's NodeNetwork: its peer links and its served services, all in the simulation. */
class SimNodeNetwork implements NodeNetwork {
  constructor(
    private readonly world: SimWorld,
    private readonly proc: SimProcess,
  ) {}

  connect(onPeerUnreachable: (store: StoreId) => void): PeerLinks {
    this.proc.onUnreachable = onPeerUnreachable;
    return { transport: new SimTransport(this.world, this.proc), calls: new SimPeerCalls(this.world, this.proc) };
  }

  serve(services: NodeServices): Promise<string> {
    this.proc.services = services;
    const self = this.world.options.cluster.stores.find((s) => s.storeId === this.proc.storeId);
    return Promise.resolve(self?.address ?? `sim:${this.proc.storeId}`);
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.proc.services = undefined;
  }
}

class SimTransport implements PeerTransport {
  droppedMessages = 0;
  private readonly from: EndpointId;

  constructor(
    private readonly world: SimWorld,
    private readonly proc: SimProcess,
  ) {
    this.from = storeEndpoint(proc.storeId);
  }

  send(to: StoreId, envelopes: readonly RaftEnvelope[]): boolean {
    const { world, proc } = this;
    if (!proc.alive) return false;
    const target = world.live(to);
    if (target === undefined) {
      this.droppedMessages += envelopes.length;
      proc.reportUnreachable(to, world.scheduler.nowMs);
      return false;
    }
    const batch = {
      clusterId: world.options.cluster.clusterId,
      fromStoreId: String(proc.storeId),
      toStoreId: String(to),
      messages: envelopes.length === 0 ? new Uint8Array(0) : encodeRaftBatch(envelopes),
    };
    const sent = world.network.oneWay(this.from, storeEndpoint(to), () => world.live(to), (r) => {
      const services = r.services;
      if (services === undefined) return;
      services.internal.raftBatch(throughWire('internal', 'Raft', 'request', batch));
    });
    if (!sent) this.droppedMessages += envelopes.length;
    return sent;
  }

  sendSnapshot(to: StoreId, rangeId: number, message: Message, chunks: Iterable<Uint8Array>): Promise<SnapshotOutcome> {
    const { world, proc } = this;
    const scheduler = world.scheduler;
    const network = world.network;
    const toEp = storeEndpoint(to);
    return new Promise<SnapshotOutcome>((resolve) => {
      let settled = false;
      const settle = (o: SnapshotOutcome): void => {
        if (settled) return;
        settled = true;
        resolve(o);
      };
      const target = world.live(to);
      if (target === undefined || target.services === undefined) {
        scheduler.after(network.rttMs(), proc, () => settle({ applied: false, errorCode: 'TRANSPORT', message: 'connect ECONNREFUSED' }));
        return;
      }
      const iterator = chunks[Symbol.iterator]();
      const header = { clusterId: world.options.cluster.clusterId, fromStoreId: String(proc.storeId), toStoreId: String(to), rangeId: String(rangeId), raftMessage: encodeRaftBatch([{ rangeId, message }]) };
      let first = true;
      let finished = false;
      let stalledSinceMs: number | undefined;
      const next = (): Promise<IteratorResult<SnapshotChunk__Output>> =>
        new Promise((res, rej) => {
          if (finished) {
            res({ done: true, value: undefined });
            return;
          }
          const pull = (): void => {
            if (!proc.alive) {
              rej(new Error('snapshot stream reset: the sender is gone'));
              return;
            }
            if (network.isCut(this.from, toEp)) {
              stalledSinceMs ??= scheduler.nowMs;
              if (scheduler.nowMs - stalledSinceMs >= snapshotStallMs) rej(new Error('snapshot stream stalled'));
              else scheduler.after(500, target, pull);
              return;
            }
            stalledSinceMs = undefined;
            let c: IteratorResult<Uint8Array>;
            try {
              c = iterator.next();
            } catch (e) {
              rej(e instanceof Error ? e : new Error(String(e)));
              return;
            }
            const msg = c.done === true ? { header: first ? header : null, data: new Uint8Array(0), last: true } : { header: first ? header : null, data: c.value, last: false };
            first = false;
            if (c.done === true) finished = true;
            res({ done: false, value: throughWire<SnapshotChunk__Output>('internal', 'Snapshot', 'request', msg) });
          };
          scheduler.after(network.rttMs() / 2, target, pull);
        });
      const messages: AsyncIterator<SnapshotChunk__Output> = { next };
      void target.incarnationEnded.then(() => scheduler.after(network.rttMs() / 2, proc, () => settle({ applied: false, errorCode: 'TRANSPORT', message: 'connection reset' })));
      target.services.internal.snapshot(messages).then(
        (r) => {
          const answer = (): void => {
            if (!target.alive) return;
            if (network.isCut(toEp, this.from)) {
              scheduler.after(snapshotStallMs, proc, () => settle({ applied: false, errorCode: 'TRANSPORT', message: 'no answer' }));
              return;
            }
            const wire = throughWire<SnapshotResult__Output>('internal', 'Snapshot', 'response', r);
            scheduler.after(network.rttMs() / 2, proc, () => settle({ applied: wire.applied, errorCode: wire.errorCode, message: wire.message }));
          };
          answer();
        },
        () => scheduler.after(network.rttMs() / 2, proc, () => settle({ applied: false, errorCode: 'INTERNAL', message: 'receiver failed' })),
      );
    });
  }

  queryRangeInfo(to: StoreId, rangeId: number, timeoutMs: number): Promise<RangeInfo | undefined> {
    const { world, proc } = this;
    const deadline = proc.trueDeadline(proc.clock.monotonicMs() + timeoutMs, world.scheduler.nowMs);
    return world.network
      .unary<RangeInfoResponse__Output, SimProcess>(
        { id: this.from, owner: proc },
        storeEndpoint(to),
        () => world.live(to),
        'internal',
        'RangeInfo',
        { clusterId: world.options.cluster.clusterId, rangeId: String(rangeId) },
        deadline,
        (r, req) => {
          const services = r.services;
          if (services === undefined) return Promise.reject(transportError(grpc.status.UNAVAILABLE, 'starting'));
          try {
            return Promise.resolve(services.internal.rangeInfo(req as Parameters<NodeServices['internal']['rangeInfo']>[0]));
          } catch (e) {
            return Promise.reject(e);
          }
        },
      )
      .then(
        (res) => ({ found: res.found, descriptor: res.descriptor, leader: Number(res.leaderStoreId) }),
        () => undefined,
      );
  }

  close(): void {}
}

class SimPeerCalls implements PeerCalls {
  constructor(
    private readonly world: SimWorld,
    private readonly proc: SimProcess,
  ) {}

  kv<Req, Res>(store: StoreId, method: KvMethod, request: Req, deadlineAtMs: number): Promise<Res> {
    return this.call<Res>(store, 'kv', method, request, deadlineAtMs);
  }

  admin<Req, Res>(store: StoreId, method: AdminMethod, request: Req, deadlineAtMs: number): Promise<Res> {
    return this.call<Res>(store, 'admin', method, request, deadlineAtMs);
  }

  private call<Res>(store: StoreId, service: 'kv' | 'admin', method: string, request: unknown, deadlineAtMs: number): Promise<Res> {
    const { world, proc } = this;
    const deadline = proc.trueDeadline(deadlineAtMs, world.scheduler.nowMs);
    return world.callStore<Res>({ id: storeEndpoint(proc.storeId), owner: proc }, store, service, method, request, deadline);
  }

  close(): void {}
}
