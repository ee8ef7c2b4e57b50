/**
 * The simulator's one source of events: a virtual clock and a queue of callbacks ordered by
 * (time, sequence). Everything that happens in a simulated cluster — a node's timer, a message
 * arriving, a client's next operation, a fault — is an event here, so a seed replays exactly.
 *
 * Between two events the scheduler lets every promise continuation run to completion (it awaits a
 * real setImmediate, the only real asynchrony in a run): the node code is async in places, and its
 * microtasks must all settle before virtual time moves on, in the same order every time.
 */
export interface EventOwner {
  /** False once the owner (a node incarnation, a client) is gone: its events are dropped. */
  readonly alive: boolean;
  /** True while the owner is paused (SIGSTOP): its events wait until it resumes. */
  readonly paused: boolean;
  /** Events that came due while paused, in order. */
  readonly deferred: SimEvent[];
}

export interface SimEvent {
  readonly atMs: number;
  readonly seq: number;
  readonly owner: EventOwner | null;
  readonly fn: () => void;
}

export class SimScheduler {
  private heap: SimEvent[] = [];
  private seq = 0;
  private now = 0;
  eventsRun = 0;
  /** Called with any exception an event's callback threw (the run treats it as a failure of its owner). */
  onError: (e: unknown, owner: EventOwner | null) => void = (e) => {
    throw e;
  };
  /** Called after each event, once its continuations settled (the run's invariant checks). */
  afterEvent: () => void = () => undefined;

  get nowMs(): number {
    return this.now;
  }

  at(atMs: number, owner: EventOwner | null, fn: () => void): void {
    const e: SimEvent = { atMs: Math.max(atMs, this.now), seq: this.seq++, owner, fn };
    this.push(e);
  }

  after(delayMs: number, owner: EventOwner | null, fn: () => void): void {
    this.at(this.now + Math.max(0, delayMs), owner, fn);
  }

  /** Re-queues an owner's deferred events at the current time, in their original order. */
  release(owner: EventOwner): void {
    const list = owner.deferred.splice(0);
    for (const e of list) this.at(this.now, owner, e.fn);
  }

  get pending(): number {
    return this.heap.length;
  }

  /**
   * Runs events until `untilMs` (virtual) or until `stop()` says so (checked after each event).
   * The clock ends at `untilMs` when the queue has nothing earlier.
   */
  async runUntil(untilMs: number, stop: () => boolean = () => false): Promise<void> {
    for (;;) {
      if (stop()) return;
      const e = this.heap[0];
      if (e === undefined || e.atMs > untilMs) {
        this.now = Math.max(this.now, untilMs);
        return;
      }
      this.pop();
      this.now = e.atMs;
      const owner = e.owner;
      if (owner !== null) {
        if (!owner.alive) continue;
        if (owner.paused) {
          owner.deferred.push(e);
          continue;
        }
      }
      this.eventsRun++;
      try {
        e.fn();
      } catch (err) {
        this.onError(err, owner);
      }
      await settle();
      this.afterEvent();
    }
  }

  private push(e: SimEvent): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** Lets every pending promise continuation run (microtasks drain before a macrotask). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
