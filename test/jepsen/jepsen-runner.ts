/**
 * One harness run, start to finish:
 *
 *   setup     allocate ports, start a proxy per directed peer link, start every node through the
 *             supervisor (under libfaketime when clock faults use it), wait until the cluster serves
 *   run       `concurrency` workers record operations while the nemeses inject faults, for --time
 *   heal      every nemesis heals, then a safety net: links unblocked, clocks reset, paused nodes
 *             resumed, dead nodes restarted
 *   recovery  wait (bounded) until the cluster serves on every node again
 *   final     the workload's final operations (the set's final reads), retried until each succeeds
 *   stop      every process stopped, every proxy closed
 *   check     the history file is parsed and judged by the workload's checker (run-checker.ts)
 *
 * and writes the run directory: history.jsonl, nemesis.jsonl, harness.log, logs/<node>.std*.log,
 * check.txt, summary.json, report.html. Every phase is bounded, and the supervisor's hard deadline
 * (the sum of the bounds plus slack) kills everything if the harness itself gets stuck.
 *
 * Exit code: the checker's verdict (0 valid, 1 invalid, 2 unknown), or 3 when the run failed
 * (e.g. the cluster never started); a proven violation (1) wins over a later failure.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import { SeededRng } from '../../raft/rng.js';
import { FaketimeClockControl, HookClockControl, type ClockControl } from './clock-control.js';
import type { ClusterCallOptions, ClusterDriver, ClusterNode, ClusterSetup } from './cluster-driver.js';
import { CLUSTER_DRIVERS, clusterDriverNames } from './cluster-drivers.js';
import { performOp, runWorker } from './client-worker.js';
import { nodeName } from './directed-link.js';
import { ensureLibfaketime } from './faketime.js';
import { freePorts } from '../../cluster/cli/free-ports.js';
import { HistoryError, parseHistoryJsonl, type History } from './history.js';
import { HistoryRecorder } from './history-recorder.js';
import { renderHtmlReport } from './html-report.js';
import type { JepsenOptions } from './jepsen-options.js';
import { JsonlWriter } from './jsonl-writer.js';
import type { KvClient } from './kv-client.js';
import { describeError } from './kv-client.js';
import { LinkProxyMesh } from './link-proxy-mesh.js';
import { NS_PER_MS, ProcessMonotonicClock } from './monotonic-clock.js';
import type { NemesisContext, NodeProcessControl } from './nemesis/nemesis.js';
import { NemesisLog } from './nemesis/nemesis-log.js';
import { createNemesis, NEMESIS_NAMES, nemesisUnsupportedReason } from './nemesis/nemesis-registry.js';
import { NemesisScheduler, validateNemesisTiming, type NemesisLane, type NemesisTiming } from './nemesis/nemesis-scheduler.js';
import { minimumNodeCount, PARTITION_SHAPES } from './partitions.js';
import { ProcessSupervisor } from './process-supervisor.js';
import { runChecker } from './run-checker.js';
import { anomaliesOf, checkerSection, RUN_SUMMARY_FORMAT, summarizeNemesis, summarizeOperations, type RunSummary, type UnexpectedExit } from './run-summary.js';
import { EXIT_CODE_ERROR, exitCodeOf, type CheckReport, type Verdict } from './verdict.js';
import { checkModelOf, createWorkload, isWorkloadName, workloadUnavailableReason } from './workloads/workload-registry.js';
import type { Workload } from './workloads/workload.js';

export type JepsenConfigErrorCode = 'BAD_OPTION' | 'UNKNOWN_WORKLOAD' | 'UNKNOWN_CLUSTER' | 'UNKNOWN_NEMESIS' | 'UNSUPPORTED_NEMESIS';

/** The options cannot make a run; nothing was started. */
export class JepsenConfigError extends Error {
  constructor(
    readonly code: JepsenConfigErrorCode,
    detail: string,
  ) {
    super(detail);
    this.name = 'JepsenConfigError';
  }
}

export interface JepsenRunResult {
  readonly runDir: string;
  readonly verdict: Verdict | 'error';
  readonly exitCode: number;
  readonly summary: RunSummary;
}

const HEAL_BUDGET_MS = 30_000;
const STOP_BUDGET_MS = 20_000;
const DEADLINE_SLACK_MS = 15_000;
const FINAL_RETRY_PAUSE_MS = 100;
const PROBE_KEY = 'jepsen/probe';

/** Checks everything that can be checked before starting anything. Throws JepsenConfigError. */
export function validateJepsenOptions(options: JepsenOptions): void {
  const unavailable = workloadUnavailableReason(options.workload);
  if (unavailable !== null) throw new JepsenConfigError('UNKNOWN_WORKLOAD', unavailable);
  if (CLUSTER_DRIVERS[options.cluster] === undefined) {
    throw new JepsenConfigError('UNKNOWN_CLUSTER', `unknown cluster driver "${options.cluster}" (known: ${clusterDriverNames().join(', ')})`);
  }
  for (const name of options.nemeses) {
    if (!NEMESIS_NAMES.includes(name)) throw new JepsenConfigError('UNKNOWN_NEMESIS', `unknown nemesis "${name}" (known: ${NEMESIS_NAMES.join(', ')})`);
    const shape = PARTITION_SHAPES.find((s) => name === `partition-${s}`);
    const needed = shape === undefined ? (name === 'partition' ? 2 : 1) : minimumNodeCount(shape);
    if (options.nodeCount < needed) throw new JepsenConfigError('BAD_OPTION', `nemesis ${name} needs at least ${needed} nodes, got --nodes ${options.nodeCount}`);
  }
  const positive: [string, number][] = [['--time', options.timeS], ['--concurrency', options.concurrency], ['--nodes', options.nodeCount], ['--op-timeout-ms', options.opTimeoutMs], ['--recovery-timeout', options.recoveryTimeoutS], ['--setup-timeout', options.setupTimeoutS]];
  for (const [flag, value] of positive) {
    if (!Number.isFinite(value) || value <= 0) throw new JepsenConfigError('BAD_OPTION', `${flag} must be positive, got ${value}`);
  }
  if (!Number.isInteger(options.concurrency) || !Number.isInteger(options.nodeCount)) throw new JepsenConfigError('BAD_OPTION', '--concurrency and --nodes must be integers');
  if (!Number.isSafeInteger(options.seed)) throw new JepsenConfigError('BAD_OPTION', `--seed must be an integer, got ${options.seed}`);
  if (!Number.isSafeInteger(options.maxStatesPerKey) || options.maxStatesPerKey <= 0) throw new JepsenConfigError('BAD_OPTION', `--max-states must be a positive integer, got ${options.maxStatesPerKey}`);
  if (!(options.rateOpsPerS >= 0)) throw new JepsenConfigError('BAD_OPTION', `--rate must be ≥ 0, got ${options.rateOpsPerS}`);
  try {
    validateNemesisTiming(nemesisTiming(options));
  } catch (error: unknown) {
    throw new JepsenConfigError('BAD_OPTION', describeError(error));
  }
}

function nemesisTiming(options: JepsenOptions): NemesisTiming {
  return {
    faultMsMin: options.faultSMin * 1000,
    faultMsMax: options.faultSMax * 1000,
    healMsMin: options.healSMin * 1000,
    healMsMax: options.healSMax * 1000,
    actionTimeoutMs: 15_000,
  };
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
}

function makeRunDir(options: JepsenOptions, startedAt: Date): string {
  if (options.runDir !== undefined) {
    if (existsSync(options.runDir) && readdirSync(options.runDir).length > 0) {
      throw new JepsenConfigError('BAD_OPTION', `run directory ${options.runDir} exists and is not empty`);
    }
    mkdirSync(options.runDir, { recursive: true });
    return resolve(options.runDir);
  }
  const stem = `${timestamp(startedAt)}-${options.workload}-${options.nemeses.length === 0 ? 'none' : options.nemeses.join('+')}-s${options.seed}`;
  let dir = join(options.outDir, stem);
  for (let n = 2; existsSync(dir); n++) dir = join(options.outDir, `${stem}-${n}`);
  mkdirSync(dir, { recursive: true });
  try {
    const latest = join(options.outDir, 'latest');
    rmSync(latest, { force: true });
    symlinkSync(basename(dir), latest);
  } catch {
    // Best effort: the link is a convenience.
  }
  return resolve(dir);
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the harness once. Throws JepsenConfigError (before starting anything) on bad options. */
export async function runJepsen(options: JepsenOptions): Promise<JepsenRunResult> {
  validateJepsenOptions(options);
  const say = options.say ?? ((): void => undefined);
  const startedAt = new Date();
  const startedMs = Date.now();
  const runDir = makeRunDir(options, startedAt);
  const logDir = join(runDir, 'logs');
  const files = {
    history: 'history.jsonl',
    nemesis: 'nemesis.jsonl',
    summary: 'summary.json',
    report: 'report.html',
    check: 'check.txt',
    harnessLog: 'harness.log',
    nodeLogs: 'logs/',
  };
  const logger: Logger = pino({ base: { workload: options.workload, seed: options.seed }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: join(runDir, files.harnessLog), sync: true }));
  const n = options.nodeCount;
  const phasesMs: Record<string, number> = {};
  const unexpectedExits: UnexpectedExit[] = [];
  const abort = new AbortController();
  const timing = nemesisTiming(options);
  const recoveryTimeoutMs = options.recoveryTimeoutS * 1000;
  const setupTimeoutMs = options.setupTimeoutS * 1000;
  const hardDeadlineMs = setupTimeoutMs + options.timeS * 1000 + options.opTimeoutMs + timing.actionTimeoutMs + HEAL_BUDGET_MS + 2 * recoveryTimeoutMs + STOP_BUDGET_MS + DEADLINE_SLACK_MS;
  let clock: ProcessMonotonicClock | null = null;
  // Rejects at the first node death nobody asked for, so a node that cannot start fails setup at once.
  let onUnexpectedExit: (description: string) => void = () => undefined;
  const nodeDied = new Promise<never>((_, reject) => {
    onUnexpectedExit = (description) => reject(new Error(description));
  });
  nodeDied.catch(() => undefined);

  const supervisor = new ProcessSupervisor({
    logDir,
    hardDeadlineMs,
    onDeadline: () => {
      logger.error({ hardDeadlineMs }, 'hard deadline reached: every process killed');
      abort.abort(new Error(`hard deadline of ${hardDeadlineMs} ms reached`));
    },
    onExit: (exit) => {
      if (exit.expected) return;
      logger.warn(exit, 'node exited by itself');
      say(`!! ${exit.name} (pid ${exit.pid}) exited by itself: code ${String(exit.code)}, signal ${String(exit.signal)}`);
      unexpectedExits.push({ node: exit.name, pid: exit.pid, code: exit.code, signal: exit.signal, timeNs: clock?.nowNs() ?? null });
      onUnexpectedExit(`${exit.name} exited by itself (code ${String(exit.code)}, signal ${String(exit.signal)}); see ${join('logs', `${exit.name}.stderr.log`)}`);
    },
  });
  const historyWriter = new JsonlWriter(join(runDir, files.history));
  const nemesisWriter = new JsonlWriter(join(runDir, files.nemesis));
  // Ctrl-C / SIGTERM: every node is killed by the guard; keep what was recorded, then exit.
  const uninstallGuards = supervisor.installGuards((received) => {
    historyWriter.close();
    nemesisWriter.close();
    logger.error({ signal: received }, 'interrupted: every node killed');
    process.exit(128 + (received === 'SIGINT' ? 2 : 15));
  });
  const clients: KvClient[] = [];
  let mesh: LinkProxyMesh | null = null;
  let driver: ClusterDriver | null = null;
  let recorder: HistoryRecorder | null = null;
  let nemesisLog: NemesisLog | null = null;
  let recovered: boolean | null = null;
  let error: string | null = null;

  const phase = async (name: string, work: () => Promise<void>): Promise<void> => {
    const phaseStartMs = Date.now();
    say(`-- ${name}`);
    logger.info({ phase: name }, 'phase begins');
    try {
      await work();
    } finally {
      phasesMs[name] = Date.now() - phaseStartMs;
      logger.info({ phase: name, ms: phasesMs[name] }, 'phase ends');
    }
  };
  const callOptions = (timeoutMs: number): ClusterCallOptions => ({ timeoutMs, signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]) });

  say(`run directory ${runDir}`);
  try {
    // ---------------------------------------------------------------- setup
    let workload: Workload | null = null;
    let nodes: ClusterNode[] = [];
    let clocks: ClockControl | null = null;
    await phase('setup', async () => {
      const factory = CLUSTER_DRIVERS[options.cluster]!;
      driver = await factory({ nodeCount: n, bug: options.bug, tls: options.tls, scratchDir: join(runDir, 'scratch') });
      for (const name of options.nemeses) {
        const reason = nemesisUnsupportedReason(name, driver, options.clockVia);
        if (reason !== null) throw new JepsenConfigError('UNSUPPORTED_NEMESIS', `nemesis ${name}: ${reason}`);
      }
      const ports = await freePorts(2 * n);
      const peerPorts = ports.slice(n);
      mesh = await LinkProxyMesh.start({ peerPorts });
      const activeMesh = mesh;
      nodes = Array.from({ length: n }, (_, index) => ({
        index,
        name: nodeName(index),
        host: '127.0.0.1',
        clientPort: ports[index]!,
        peerPort: peerPorts[index]!,
        peerAddresses: activeMesh.peerAddressesOf(index),
        dataDir: join(runDir, 'data', nodeName(index)),
      }));
      for (const node of nodes) mkdirSync(node.dataDir, { recursive: true });
      const setup: ClusterSetup = { runDir, seed: options.seed, nodes };
      let libraryPath: string | null = null;
      if (options.nemeses.includes('clock')) {
        if (options.clockVia === 'faketime') {
          libraryPath = ensureLibfaketime({ install: options.installFaketime, log: (line) => say(line) });
          clocks = new FaketimeClockControl(n, join(runDir, 'clock'));
        } else {
          const activeDriver: ClusterDriver = driver;
          clocks = new HookClockControl(n, (node, offsetMs) => activeDriver.setClockOffsetMs!(node, offsetMs, callOptions(timing.actionTimeoutMs)));
        }
      }
      for (const node of nodes) {
        const spec = driver.nodeProcessSpec(setup, node);
        const controlFile = clocks instanceof FaketimeClockControl ? clocks.controlFiles[node.index] : undefined;
        supervisor.add({
          name: node.name,
          command: spec.command,
          args: spec.args,
          ...(spec.env === undefined ? {} : { env: spec.env }),
          ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
          ...(spec.exitsOnStdinClose === true ? { stdinLifeline: true } : {}),
          ...(libraryPath !== null && controlFile !== undefined ? { faketime: { libraryPath, controlFile } } : {}),
        });
        const pid = await supervisor.start(node.name);
        logger.info({ node: node.name, pid, clientPort: node.clientPort, peerPort: node.peerPort }, 'node started');
      }
      await withTimeout(Promise.race([driver.start(setup, callOptions(setupTimeoutMs)), nodeDied]), setupTimeoutMs + 1000, 'cluster start');
      if (!isWorkloadName(options.workload)) throw new JepsenConfigError('UNKNOWN_WORKLOAD', options.workload);
      workload = createWorkload(options.workload, { concurrency: options.concurrency });
      say(`cluster "${options.cluster}" of ${n} nodes is up`);
    });
    const activeDriver = driver as ClusterDriver | null;
    const activeMesh = mesh as LinkProxyMesh | null;
    const activeWorkload = workload as Workload | null;
    if (activeDriver === null || activeMesh === null || activeWorkload === null) throw new Error('setup did not complete');
    const activeClocks = clocks as ClockControl | null;

    // ---------------------------------------------------------------- run
    const runClock = new ProcessMonotonicClock();
    clock = runClock;
    const activeRecorder = new HistoryRecorder(runClock, (line) => historyWriter.writeLine(line));
    recorder = activeRecorder;
    const activeNemesisLog = new NemesisLog(runClock, (line) => nemesisWriter.writeLine(line));
    nemesisLog = activeNemesisLog;
    const masterRng = new SeededRng(options.seed);
    const processes: NodeProcessControl = {
      state: (node) => supervisor.state(nodeName(node)),
      kill: async (node) => {
        await supervisor.kill(nodeName(node));
      },
      restart: async (node) => {
        const state = supervisor.state(nodeName(node));
        if (state === 'running' || state === 'paused') return;
        await supervisor.start(nodeName(node));
      },
      pause: (node) => supervisor.pause(nodeName(node)),
      resume: (node) => supervisor.resume(nodeName(node)),
    };
    const workerRngs = Array.from({ length: options.concurrency }, () => masterRng.fork());
    const lanes: NemesisLane[] = options.nemeses.map((name) => {
      const rng = masterRng.fork();
      const context: NemesisContext = {
        nodeCount: n,
        rng,
        processes,
        network: activeMesh,
        clocks: activeClocks,
        cluster: activeDriver,
        sampleKey: () => {
          const keys = activeWorkload.activeKeys();
          return keys.length === 0 ? PROBE_KEY : rng.pick(keys);
        },
        callOptions: () => callOptions(timing.actionTimeoutMs),
      };
      return { nemesis: createNemesis(name, { partitionMode: options.partitionMode }), context };
    });
    const scheduler = new NemesisScheduler(lanes, timing, activeNemesisLog, runClock);
    await phase('run', async () => {
      const endNs = options.timeS * 1e9;
      const thinkMsMean = options.rateOpsPerS > 0 ? (options.concurrency * 1000) / options.rateOpsPerS : 0;
      const workers = workerRngs.map((rng, workerIndex) => {
        const nodeIndex = workerIndex % n;
        const client = activeDriver.client(nodeIndex);
        clients.push(client);
        return runWorker({
          workerIndex,
          nodeIndex,
          recorder: activeRecorder,
          workload: activeWorkload,
          client,
          rng,
          opTimeoutMs: options.opTimeoutMs,
          thinkMsMean,
          shouldContinue: () => !abort.signal.aborted && runClock.nowNs() < endNs,
        });
      });
      const progress = setInterval(() => {
        const t = activeRecorder.tally;
        say(`   ${(runClock.nowNs() / 1e9).toFixed(0)}s: ${t.ok} ok, ${t.fail} fail, ${t.info} info; ${activeNemesisLog.events().length} nemesis events`);
      }, 5000);
      try {
        await Promise.all([Promise.all(workers), scheduler.run(endNs, abort.signal)]);
      } finally {
        clearInterval(progress);
      }
      const t = activeRecorder.tally;
      say(`   workload done: ${t.invoke} ops (${t.ok} ok, ${t.fail} fail, ${t.info} info)`);
    });

    // ---------------------------------------------------------------- heal
    await phase('heal', async () => {
      await withTimeout(
        (async () => {
          await scheduler.healAll();
          await activeMesh.healAll();
          if (activeClocks !== null) {
            try {
              await activeClocks.resetAll();
            } catch (resetError: unknown) {
              logger.warn({ error: describeError(resetError) }, 'clock reset failed');
            }
          }
          const resumed: number[] = [];
          const restarted: number[] = [];
          for (let node = 0; node < n; node++) {
            const state = processes.state(node);
            if (state === 'paused') {
              processes.resume(node);
              resumed.push(node);
            } else if (state !== 'running') {
              await processes.restart(node);
              restarted.push(node);
            }
          }
          activeNemesisLog.record('all', 'heal', [...resumed, ...restarted], { resumed: resumed.map(nodeName), restarted: restarted.map(nodeName), links: 'unblocked', clocks: activeClocks === null ? 'untouched' : 'reset' });
        })(),
        HEAL_BUDGET_MS,
        'healing',
      );
    });

    // ---------------------------------------------------------------- recovery
    await phase('recovery', async () => {
      const options_ = callOptions(recoveryTimeoutMs);
      recovered = activeDriver.awaitHealthy !== undefined
        ? await withTimeout(activeDriver.awaitHealthy(options_), recoveryTimeoutMs + 1000, 'recovery')
        : await probeEveryNode(activeDriver, n, clients, options_, options.opTimeoutMs);
      say(recovered ? '   cluster serves on every node again' : `   !! cluster did not recover within ${options.recoveryTimeoutS}s`);
      logger.info({ recovered }, 'recovery');
    });

    // ---------------------------------------------------------------- final
    await phase('final', async () => {
      const finalOps = activeWorkload.finalOps();
      const finalClients = Array.from({ length: n }, (_, node) => {
        const client = activeDriver.client(node);
        clients.push(client);
        return client;
      });
      const deadlineNs = runClock.nowNs() + recoveryTimeoutMs * NS_PER_MS;
      let done = 0;
      for (const [i, op] of finalOps.entries()) {
        let process = activeRecorder.newProcess();
        let node = i % n;
        while (!abort.signal.aborted && runClock.nowNs() < deadlineNs) {
          const outcome = await performOp(activeRecorder, process, op, activeWorkload, finalClients[node]!, options.opTimeoutMs, node);
          if (outcome.type === 'ok') {
            done += 1;
            break;
          }
          if (outcome.type === 'info') process = activeRecorder.newProcess();
          node = (node + 1) % n;
          await sleep(FINAL_RETRY_PAUSE_MS);
        }
      }
      say(`   ${done} of ${finalOps.length} final operations succeeded`);
    });
  } catch (caught: unknown) {
    error = caught instanceof JepsenConfigError ? caught.message : describeError(caught);
    if (abort.signal.aborted && abort.signal.reason instanceof Error) error = `${abort.signal.reason.message}; ${error}`;
    logger.error({ error, stack: caught instanceof Error ? caught.stack : undefined }, 'run failed');
    say(`!! run failed: ${error}`);
  }

  // ---------------------------------------------------------------- stop
  await phase('stop', async () => {
    const stopDriver = driver as ClusterDriver | null;
    const stopMesh = mesh as LinkProxyMesh | null;
    const steps: [string, () => Promise<void>][] = [
      ['clients', async () => void (await Promise.allSettled(clients.map((c) => c.close())))],
      ['driver', async () => stopDriver?.stop()],
      ['processes', async () => supervisor.stopAll()],
      ['proxies', async () => stopMesh?.close()],
    ];
    for (const [what, step] of steps) {
      try {
        await withTimeout(step(), STOP_BUDGET_MS, `stopping ${what}`);
      } catch (stopError: unknown) {
        supervisor.killAllNow();
        logger.error({ what, error: describeError(stopError) }, 'stop step failed');
        error ??= `stopping ${what}: ${describeError(stopError)}`;
      }
    }
    (recorder as HistoryRecorder | null)?.close('the run ended before the operation completed');
    historyWriter.close();
    nemesisWriter.close();
    uninstallGuards();
  });

  // ---------------------------------------------------------------- check
  let history: History | null = null;
  let checker: RunSummary['checker'] = null;
  let anomalies: RunSummary['anomalies'] = [];
  let checkVerdict: Verdict | null = null;
  await phase('check', async () => {
    if (recorder === null) return;
    try {
      history = parseHistoryJsonl(readFileSync(join(runDir, files.history), 'utf8'), { pendingAtEnd: 'info' });
      const workloadName = options.workload;
      if (!isWorkloadName(workloadName)) throw new JepsenConfigError('UNKNOWN_WORKLOAD', workloadName);
      const model = checkModelOf(workloadName);
      const { result, report } = runChecker(history, { model, maxStatesPerKey: options.maxStatesPerKey });
      writeCheckFile(join(runDir, files.check), report);
      checker = checkerSection(model, report);
      anomalies = anomaliesOf(result);
      checkVerdict = report.verdict;
      say(report.verdictLine);
    } catch (checkError: unknown) {
      const message = checkError instanceof HistoryError ? `malformed history (${checkError.code}): ${checkError.message}` : `checker failed: ${describeError(checkError)}`;
      logger.error({ error: message }, 'check failed');
      error ??= message;
    }
  });

  const finalCheckVerdict = checkVerdict as Verdict | null;
  const verdict: Verdict | 'error' = finalCheckVerdict === 'invalid' ? 'invalid' : error !== null || finalCheckVerdict === null ? 'error' : finalCheckVerdict;
  const exitCode = verdict === 'error' ? EXIT_CODE_ERROR : exitCodeOf(verdict);
  const events = (nemesisLog as NemesisLog | null)?.events() ?? [];
  const summary: RunSummary = {
    format: RUN_SUMMARY_FORMAT,
    workload: options.workload,
    nemeses: [...options.nemeses],
    cluster: options.cluster,
    nodeCount: n,
    concurrency: options.concurrency,
    seed: options.seed,
    timeS: options.timeS,
    bug: options.bug,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedMs,
    phasesMs,
    ops: summarizeOperations(history),
    nemesis: summarizeNemesis(events),
    unexpectedExits,
    recovered,
    checker,
    anomalies,
    verdict,
    exitCode,
    error,
    files,
  };
  writeFileSync(join(runDir, files.summary), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(runDir, files.report), renderHtmlReport({ summary, history, nemesisEvents: events }));
  logger.info({ verdict, exitCode }, 'run done');
  logger.flush();
  say(`verdict ${verdict.toUpperCase()} (exit ${exitCode}); report: ${join(runDir, files.report)}`);
  return { runDir, verdict, exitCode, summary };
}

function writeCheckFile(path: string, report: CheckReport): void {
  writeFileSync(path, `${[...report.details, report.verdictLine].join('\n')}\n`);
}

/** Without a driver's own awaitHealthy: a get through every node must succeed. */
async function probeEveryNode(driver: ClusterDriver, nodeCount: number, clients: KvClient[], options: ClusterCallOptions, opTimeoutMs: number): Promise<boolean> {
  const probes = Array.from({ length: nodeCount }, (_, node) => {
    const client = driver.client(node);
    clients.push(client);
    return client;
  });
  const pending = new Set(probes.keys());
  const deadlineMs = Date.now() + options.timeoutMs;
  while (pending.size > 0 && Date.now() < deadlineMs && !options.signal.aborted) {
    for (const node of [...pending]) {
      try {
        await probes[node]!.get(PROBE_KEY, { signal: AbortSignal.any([options.signal, AbortSignal.timeout(opTimeoutMs)]) });
        pending.delete(node);
      } catch {
        // not yet
      }
    }
    if (pending.size > 0) await sleep(FINAL_RETRY_PAUSE_MS);
  }
  return pending.size === 0;
}
