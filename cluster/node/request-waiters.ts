import { invariant } from '../../raft/index.js';
import { KvError } from '../../proto/kv-error.js';
import type { Clock } from '../ports/clock.js';
import type { FaultPoints } from '../ports/fault-points.js';
import type { Timers } from '../ports/timers.js';
import type { Waiter } from '../replica/waiter.js';

/**
 * The node's requests in flight: each is a Waiter with a deadline timer, counted so that admission
 * control can shed load (OVERLOADED) before any queue grows past `inflightMax`.
 */
export class RequestWaiters {
  private inflight = 0;

  constructor(
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly faults: FaultPoints,
    readonly inflightMax: number,
  ) {}

  get count(): number {
    return this.inflight;
  }

  get full(): boolean {
    return this.inflight >= this.inflightMax;
  }

  /** A waiter settled by the loop, or by `onDeadline()` once `deadlineAtMs` passes, whichever is first. */
  create<T>(deadlineAtMs: number, onDeadline: () => KvError): { waiter: Waiter<T>; promise: Promise<T> } {
    invariant(this.inflight < this.inflightMax, () => `request waiters past their bound ${this.inflightMax}: admission control was skipped`);
    this.inflight++;
    let settled = false;
    let resolveFn!: (v: T) => void;
    let rejectFn!: (e: KvError) => void;
    const promise = new Promise<T>((res, rej) => {
      resolveFn = res;
      rejectFn = rej;
    });
    const done = (): boolean => {
      if (settled) return false;
      settled = true;
      this.inflight--;
      invariant(this.inflight >= 0, 'request waiters counted below zero');
      timer.cancel();
      return true;
    };
    const waiter: Waiter<T> = {
      deadlineAtMs,
      resolve: (v) => {
        if (done()) resolveFn(v);
      },
      reject: (e) => {
        if (done()) rejectFn(e);
      },
    };
    let waitMs = Math.max(0, deadlineAtMs - this.clock.monotonicMs());
    if (this.faults.enabled && this.faults.fire('waiter.lateDeadline')) waitMs += this.faults.delayMs('waiter.lateDeadline', 2_000);
    const timer = this.timers.after(waitMs, () => waiter.reject(onDeadline()));
    return { waiter, promise };
  }
}
