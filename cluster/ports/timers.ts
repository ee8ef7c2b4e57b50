/** A scheduled callback; cancelling one that already ran (or was cancelled) does nothing. */
export interface Timer {
  cancel(): void;
}

/**
 * The node's only way to run something later. Durations are on the node's monotonic clock. None
 * of these keeps a process alive by itself (the server does), and callbacks never run re-entrantly:
 * each runs on its own turn of the event loop (or the simulator's scheduler).
 */
export interface Timers {
  /** Runs `fn` once, `ms` from now (0: after pending I/O, like `soon`). */
  after(ms: number, fn: () => void): Timer;
  /** Runs `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): Timer;
  /** Runs `fn` as soon as the current work and already-arrived I/O are done (setImmediate). */
  soon(fn: () => void): void;
}

/** A promise that resolves `ms` from now on `timers`. */
export function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => {
    timers.after(Math.max(0, ms), resolve);
  });
}
