import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRng } from '../../raft/index.js';
import type { PutResponse__Output } from '../../proto/generated/rangekv/v1/PutResponse.js';
import { storeId, type StoreId } from '../../proto/range-descriptor.js';
import { localClusterConfig } from '../../cluster/config/cluster-config.js';
import type { Node } from '../../cluster/node/node.js';
import type { FaultPointName } from '../../cluster/ports/fault-points.js';
import { checkRegister, renderRegisterResult } from '../jepsen/checkers/register.js';
import { checkSet, renderSetResult } from '../jepsen/checkers/set.js';
import { parseHistoryJsonl } from '../jepsen/history.js';
import { HistoryRecorder } from '../jepsen/history-recorder.js';
import { RegisterWorkload } from '../jepsen/workloads/register-workload.js';
import { SetWorkload } from '../jepsen/workloads/set-workload.js';
import { hashString, mix } from '../sim/hash.js';
import type { ClusterSimOptions } from './cluster-sim-options.js';
import { SimNemesis } from './sim-nemesis.js';
import { SimClientProcess, SimKvClient, type ObservationSink, type SimClientOptions } from './sim-client.js';
import { SimFaultPoints } from './sim-fault-points.js';
import { NodeInvariants } from './sim-invariants.js';
import { SimNetwork } from './sim-network.js';
import { SimScheduler } from './sim-scheduler.js';
import { SimWorker, prefixedWorkload } from './sim-worker.js';
import { SimWorld } from './sim-world.js';

export interface ClusterSimResult {
  readonly seed: number;
  readonly ok: boolean;
  /** Why the run failed (empty when ok). */
  readonly failures: readonly string[];
  /** A digest of everything observable (history, faults, final state): equal for equal seeds. */
  readonly digest: string;
  readonly virtualMs: number;
  readonly events: number;
  readonly operations: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly faultPointsFired: ReadonlyMap<FaultPointName, number>;
  readonly nemesisActions: ReadonlyMap<string, number>;
  readonly checks: { readonly fingerprintsCompared: number; readonly ackedWritesVerified: number; readonly observations: number };
  /** Failover times measured by the idle/busy leader-kill scenarios (ms from the kill to the first acknowledged write). */
  readonly failoverMs: readonly { readonly idle: boolean; readonly ms: number }[];
  /** The tail of the node logs, for a failed run. */
  readonly logTail: readonly string[];
}

export interface RunControls {
  /** Called with every trace line (nemesis actions, history events, phase changes). */
  readonly trace?: (line: string) => void;
  readonly logLevel?: 'silent' | 'warn' | 'info' | 'debug';
  /** Where the stores' files go (default: /dev/shm when present, else the OS temp dir). */
  readonly dataRoot?: string;
  /** Stop at the first invariant violation instead of running to the end. */
  readonly stopAtFirstViolation?: boolean;
}

function defaultDataRoot(seed: number): string {
  const base = process.platform === 'linux' ? '/dev/shm' : tmpdir();
  const dir = join(base, `rangekv-sim-${process.pid}-${seed}-${Math.floor(Math.random() * 1e9)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * One seed of the whole-cluster simulation: real nodes (real replicas, state machines, session
 * tables, gateways, services and SQLite files) in one process, every event from one seeded
 * scheduler. Phases: warm-up → chaos (clients run the register and set workloads while the nemesis
 * crashes, pauses, partitions, skews clocks, changes membership, transfers leaders, restarts
 * clients and lets the cluster go idle) → heal → liveness (every range serves a write again and
 * every replica converges) → final reads → the harness's checkers on the histories, plus the node
 * invariants checked after every event.
 */
export async function runClusterSimulation(o: ClusterSimOptions, controls: RunControls = {}): Promise<ClusterSimResult> {
  const root = new SeededRng(o.seed);
  const scheduler = new SimScheduler();
  const network = new SimNetwork(scheduler, root.fork(), o.link);
  const faultPoints = new SimFaultPoints(root.fork(), o.faultPointRates);
  const failures: string[] = [];
  let digest = hashString(`seed ${o.seed}`);
  const trace = (line: string): void => {
    digest = mix(digest, hashString(line));
    controls.trace?.(`${scheduler.nowMs.toFixed(3).padStart(10)} ${line}`);
  };
  const splitKeys = o.ranges === 1 ? [] : o.ranges === 2 ? ['s'] : ['r5', 's'];
  const cluster = localClusterConfig({ clusterId: `sim-${o.seed}`, stores: o.stores, basePort: 7001, splitKeys, replicas: 3 });
  const dataRoot = controls.dataRoot ?? defaultDataRoot(o.seed);
  const world = new SimWorld(scheduler, network, faultPoints, {
    seed: o.seed,
    cluster,
    dataRoot,
    nodeOptions: {
      tickMs: o.tickMs,
      electionTimeoutTicks: o.electionTimeoutTicks,
      leaseReads: o.leaseReads,
      logTruncateThresholdEntries: o.logTruncateThresholdEntries,
      logRetainEntries: o.logRetainEntries,
      defaultDeadlineMs: 5_000,
    },
    faults: o.switches,
    logLevel: controls.logLevel ?? 'warn',
    ...(controls.trace !== undefined ? { logSink: (l: { atMs: number; storeId: number; text: string }) => controls.trace?.(`${l.atMs.toFixed(3).padStart(10)} s${l.storeId} ${l.text}`) } : {}),
  });
  const invariants = new NodeInvariants(() => scheduler.nowMs);
  const tracedSink: ObservationSink = {
    ackedFloor: () => invariants.ackedFloor(),
    observe: (ob) => {
      if (controls.trace !== undefined) controls.trace(`${scheduler.nowMs.toFixed(3).padStart(10)} observed ${ob.kind}${ob.consistency === undefined ? '' : ` ${ob.consistency}`} range ${ob.rangeId} index ${ob.index} served by store ${ob.servedBy}`);
      invariants.observe(ob);
    },
  };
  const liveNodes = (): Node[] => world.storeIds.map((s) => world.live(s)?.node).filter((n): n is Node => n !== undefined);
  let stopEarly = false;
  scheduler.afterEvent = () => {
    invariants.verifyNow(liveNodes());
    invariants.check(liveNodes());
    if (controls.stopAtFirstViolation === true && invariants.violations.length > 0) stopEarly = true;
  };
  scheduler.onError = (e, owner) => {
    failures.push(`an event threw (${owner === null ? 'world' : 'a process'}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    stopEarly = true;
  };
  const unhandled = (e: unknown): void => {
    failures.push(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    stopEarly = true;
  };
  process.on('unhandledRejection', unhandled);

  const registerLines: string[] = [];
  const setLines: string[] = [];
  const clock = { nowNs: () => Math.round(scheduler.nowMs * 1e6) };
  const registerRecorder = new HistoryRecorder(clock, (l) => {
    registerLines.push(l);
    trace(`history ${l}`);
  });
  const setRecorder = new HistoryRecorder(clock, (l) => {
    setLines.push(l);
    trace(`history ${l}`);
  });
  const clientOptions: SimClientOptions = { attemptTimeoutMs: o.attemptTimeoutMs, routeChance: o.routeChance, staleRouteChance: o.staleRouteChance, consistencies: o.consistencies, sessionReadChance: o.sessionReadChance };
  const clientRng = root.fork();
  const newClientId = (): Uint8Array => {
    const id = new Uint8Array(16);
    for (let i = 0; i < 16; i++) id[i] = clientRng.int(256);
    return id;
  };
  const workers: SimWorker[] = [];
  let clientSeq = 0;
  // Shared workloads: several workers on one workload instance overlap on its keys. The set
  // workload sleeps between its cas attempts on the virtual clock.
  const sleepVirtual = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal.aborted) reject(new Error('aborted'));
      else scheduler.after(ms, null, resolve);
    });
  const registerWorkload = new RegisterWorkload({ concurrency: Math.max(1, o.registerClients) });
  const setWorkload = new SetWorkload({ concurrency: Math.max(1, o.setClients), sleep: sleepVirtual });
  const addWorker = (kind: 'register' | 'set' | 'reuse'): void => {
    const proc = new SimClientProcess(`c${clientSeq++}`);
    const client = new SimKvClient(world, proc, newClientId(), clientRng.fork(), clientOptions, tracedSink);
    // A client that reuses its id writes values nobody else writes, on its own keys: a reused
    // (id, seq) with an identical command is indistinguishable from a retry by design.
    const workload =
      kind === 'set' ? setWorkload : kind === 'register' ? registerWorkload : prefixedWorkload(`u${clientSeq}`, new RegisterWorkload({ concurrency: 1, valueCount: 1_000_000_000, activeKeyCount: 2 }));
    workers.push(new SimWorker({ scheduler, client, workload, recorder: kind === 'set' ? setRecorder : registerRecorder, rng: clientRng.fork(), opTimeoutMs: o.opTimeoutMs, thinkMsMean: o.thinkMsMean, reuseId: kind === 'reuse', newClientId }));
  };
  // Shared workloads: several workers on one workload instance overlap on its keys.
  for (let i = 0; i < o.registerClients; i++) addWorker('register');
  for (let i = 0; i < o.setClients; i++) addWorker('set');
  for (let i = 0; i < o.reuseClients; i++) addWorker('reuse');

  const nemesis = new SimNemesis({ world, scheduler, network, rng: root.fork(), options: o, trace, workers, invariants, failures, faultPoints });
  let phase = 'warmup';
  const setPhase = (p: string): void => {
    phase = p;
    trace(`phase ${p}`);
  };

  try {
    // Processes start a few ms apart, as real ones do: their tick timers must not tick in lockstep.
    for (const s of world.storeIds) scheduler.after(root.float() * o.tickMs, null, () => world.start(s));
    setPhase('warmup');
    await scheduler.runUntil(o.warmupMs, () => stopEarly);
    setPhase('chaos');
    for (const w of workers) w.start();
    nemesis.start();
    await scheduler.runUntil(o.warmupMs + o.chaosMs, () => stopEarly);
    setPhase('heal');
    await nemesis.stopAndHeal();
    for (const w of workers) w.stop();
    await scheduler.runUntil(scheduler.nowMs + 2 * o.opTimeoutMs, () => stopEarly || workers.every((w) => !w.busy));
    setPhase('liveness');
    const livenessDeadline = scheduler.nowMs + o.livenessMsMax;
    const probe = new SimClientProcess('probe');
    const ranges = cluster.initialRanges;
    const pending = new Set(ranges.map((r) => r.rangeId as number));
    let probeRound = 0;
    while (pending.size > 0 && scheduler.nowMs < livenessDeadline && !stopEarly) {
      for (const r of ranges) {
        if (!pending.has(r.rangeId)) continue;
        const key = Buffer.concat([Buffer.from(r.start), Buffer.from(`\u0000probe${probeRound}`)]);
        const via = storeId(world.storeIds[probeRound % world.storeIds.length]!);
        world
          .callStore<PutResponse__Output>({ id: probe.id, owner: probe }, via, 'kv', 'Put', { key, value: Buffer.from('1') }, scheduler.nowMs + 1_000)
          .then(
            () => pending.delete(r.rangeId),
            () => undefined,
          );
      }
      probeRound++;
      await scheduler.runUntil(scheduler.nowMs + 500, () => stopEarly);
    }
    if (pending.size > 0 && !stopEarly) failures.push(`liveness: ranges ${[...pending].join(', ')} served no write within ${o.livenessMsMax} ms of healing`);
    // Convergence: every member of every range reaches the same applied state.
    let converged: string[] = [];
    const convergeDeadline = scheduler.nowMs + o.livenessMsMax;
    for (;;) {
      converged = invariants.checkConverged(liveNodes());
      if (converged.length === 0 || scheduler.nowMs >= convergeDeadline || stopEarly) break;
      await scheduler.runUntil(scheduler.nowMs + 500, () => stopEarly);
    }
    if (!stopEarly) failures.push(...converged.map((p) => `liveness: ${p}`));
    setPhase('final reads');
    for (const w of workers) await w.finalReads(scheduler.nowMs + o.livenessMsMax, () => stopEarly);
    for (const w of workers) w.stop();
    registerRecorder.close('run over');
    setRecorder.close('run over');
    await scheduler.runUntil(scheduler.nowMs + 10, () => stopEarly);
  } finally {
    process.off('unhandledRejection', unhandled);
  }

  for (const v of invariants.violations) failures.push(`invariant: ${v.rule} at ${v.atMs.toFixed(0)} ms: ${v.detail}`);
  for (const x of world.unexpectedExits) failures.push(`node ${x.storeId} exited with code ${x.code} at ${x.atMs.toFixed(0)} ms: ${x.lastLog}`);
  const registerHistory = parseHistoryJsonl(registerLines.join('\n'), { pendingAtEnd: 'info' });
  const registerResult = checkRegister(registerHistory);
  if (registerResult.verdict !== 'valid') failures.push(`register checker: ${renderRegisterResult(registerResult).details.slice(0, 12).join('\n')}\n${renderRegisterResult(registerResult).verdictLine}`);
  if (setLines.length > 0) {
    const setResult = checkSet(parseHistoryJsonl(setLines.join('\n'), { pendingAtEnd: 'info' }));
    if (setResult.verdict === 'invalid') failures.push(`set checker: ${renderSetResult(setResult).details.slice(0, 12).join('\n')}`);
  }
  for (const n of liveNodes()) for (const r of n.replicas.all()) trace(`final store ${n.storeId} range ${r.rangeId} applied ${r.appliedIndex()}`);
  const ops = { ok: 0, fail: 0, info: 0 };
  for (const rec of [registerRecorder, setRecorder]) {
    const t = rec.tally;
    ops.ok += t.ok;
    ops.fail += t.fail;
    ops.info += t.info;
  }
  void phase;
  const result: ClusterSimResult = {
    seed: o.seed,
    ok: failures.length === 0,
    failures,
    digest: digest.toString(16).padStart(8, '0'),
    virtualMs: scheduler.nowMs,
    events: scheduler.eventsRun,
    operations: ops,
    faultPointsFired: new Map(faultPoints.fired),
    nemesisActions: new Map(nemesis.actions),
    checks: { fingerprintsCompared: invariants.fingerprintsCompared, ackedWritesVerified: invariants.ackedWritesVerified, observations: invariants.observations },
    failoverMs: nemesis.failovers,
    logTail: world.logs.slice(-60).map((l) => `${l.atMs.toFixed(1)} s${l.storeId} ${l.text}`),
  };
  world.cleanUp();
  return result;
}

export type { StoreId };
