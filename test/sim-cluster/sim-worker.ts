import type { SeededRng } from '../../raft/index.js';
import type { HistoryRecorder } from '../jepsen/history-recorder.js';
import { completionTypeOfError, describeError, kvUnknown, type KvCallOptions, type KvClient } from '../jepsen/kv-client.js';
import type { OpResult, PlannedOp, Workload } from '../jepsen/workloads/workload.js';
import { SimClientProcess, abortedMarker, raceAbort, type SimKvClient } from './sim-client.js';
import type { SimScheduler } from './sim-scheduler.js';

export interface SimWorkerOptions {
  readonly scheduler: SimScheduler;
  readonly client: SimKvClient;
  readonly workload: Workload;
  readonly recorder: HistoryRecorder;
  readonly rng: SeededRng;
  readonly opTimeoutMs: number;
  readonly thinkMsMean: number;
  /** On restart, keep the client id (a buggy client) instead of taking a new one. */
  readonly reuseId: boolean;
  readonly newClientId: () => Uint8Array;
}

/**
 * One logical client thread of a simulated run: performs its workload's operations one after
 * another and records each in the history (the fault harness's format), every operation bounded by
 * `opTimeoutMs` of virtual time. After an `info` it continues under a fresh process number, as the
 * history format requires. It can be held (idle periods) and restarted mid-operation.
 */
export class SimWorker {
  private running = false;
  private held = false;
  private holdReleased: (() => void) | undefined;
  private current: AbortController | undefined;
  private restartRequested = false;
  busy = false;
  restarts = 0;

  constructor(private readonly o: SimWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.release();
  }

  /** Idle period: no new operations until released. */
  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    this.holdReleased?.();
    this.holdReleased = undefined;
  }

  /** The client process dies mid-operation (its operation ends `info`) and comes back. */
  restart(): void {
    this.restartRequested = true;
    this.current?.abort(kvUnknown('ABORTED', 'client restarted'));
  }

  private async loop(): Promise<void> {
    const o = this.o;
    let process = o.recorder.newProcess();
    while (this.running) {
      if (this.held) await new Promise<void>((r) => (this.holdReleased = r));
      if (!this.running) break;
      const op = o.workload.nextOp(o.rng);
      const type = await this.perform(process, op);
      if (type === 'info') process = o.recorder.newProcess();
      if (this.restartRequested) this.doRestart();
      if (o.thinkMsMean > 0) await this.sleep(o.rng.float() * 2 * o.thinkMsMean);
    }
  }

  private doRestart(): void {
    this.restartRequested = false;
    this.restarts++;
    const old = this.o.client.process;
    this.o.client.restart(new SimClientProcess(`${old.id.split('#')[0]}#${this.restarts}`), this.o.reuseId ? undefined : this.o.newClientId());
  }

  /** Runs the final operations (reads after healing), each until it succeeds or the deadline passes. */
  async finalReads(deadlineMs: number, stop: () => boolean): Promise<void> {
    const o = this.o;
    const ops = o.workload.finalOps();
    let process = o.recorder.newProcess();
    const done = new Set<number>();
    while (done.size < ops.length && o.scheduler.nowMs < deadlineMs && !stop()) {
      const progress = (async () => {
        for (let i = 0; i < ops.length; i++) {
          if (done.has(i)) continue;
          const type = await this.perform(process, ops[i]!);
          if (type === 'ok') done.add(i);
          if (type === 'info') process = o.recorder.newProcess();
        }
      })();
      let finished = false;
      void progress.then(() => (finished = true));
      await o.scheduler.runUntil(Math.min(deadlineMs, o.scheduler.nowMs + ops.length * o.opTimeoutMs + 1_000), () => finished || stop());
    }
  }

  private async perform(process: number, op: PlannedOp): Promise<'ok' | 'fail' | 'info'> {
    const o = this.o;
    this.busy = true;
    const pending = o.recorder.invoke(process, op.f, op.key, op.value);
    const controller = new AbortController();
    this.current = controller;
    let timedOut = false;
    o.scheduler.after(o.opTimeoutMs, o.client.process, () => {
      timedOut = true;
      controller.abort(kvUnknown('TIMEOUT', `${op.f} ${op.key} took longer than ${o.opTimeoutMs} ms`));
    });
    const options: KvCallOptions = { signal: controller.signal };
    let result: OpResult | undefined;
    let error: unknown;
    try {
      result = await raceAbort(o.workload.execute(op, o.client as KvClient, options), controller.signal);
    } catch (e) {
      error = e === abortedMarker ? controller.signal.reason : e;
    }
    this.current = undefined;
    this.busy = false;
    if (result !== undefined && !timedOut) {
      o.recorder.complete(pending, result.type, result.value, undefined, result.facts);
      return result.type;
    }
    const type = result !== undefined ? 'info' : completionTypeOfError(error);
    o.recorder.complete(pending, type, op.value, describeError(error ?? controller.signal.reason));
    return type;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.o.scheduler.after(ms, null, resolve));
  }
}

/** A workload whose keys all carry a prefix, so that two instances never share a key. */
export function prefixedWorkload(prefix: string, inner: Workload): Workload {
  const un = (op: PlannedOp): PlannedOp => ({ ...op, key: op.key.slice(prefix.length + 1) });
  const pre = (op: PlannedOp): PlannedOp => ({ ...op, key: `${prefix}/${op.key}` });
  return {
    name: `${inner.name}@${prefix}`,
    checkModel: inner.checkModel,
    nextOp: (rng) => pre(inner.nextOp(rng)),
    execute: (op, client, options) =>
      inner.execute(un(op), { ...client, get: (k, opts) => client.get(`${prefix}/${k}`, opts), put: (k, v, opts) => client.put(`${prefix}/${k}`, v, opts), cas: (k, e, n, opts) => client.cas(`${prefix}/${k}`, e, n, opts), delete: (k, opts) => client.delete(`${prefix}/${k}`, opts), close: () => client.close() }, options),
    activeKeys: () => inner.activeKeys().map((k) => `${prefix}/${k}`),
    finalOps: () => inner.finalOps().map(pre),
  };
}
