const noop = (): void => {};

/**
 * Whether a call must stop early — its caller aborted it or the client was closed — and who to tell
 * when it does. A plain object with a lazily made listener set: the AbortController per call (and
 * the EventTarget listeners added and removed per attempt) it replaces cost the load processes of
 * bench:kv more CPU than the rest of the client's own per-call work.
 */
export class Cancellation {
  private cancelled = false;
  private listeners: Set<() => void> | undefined;

  get aborted(): boolean {
    return this.cancelled;
  }

  /** Runs `listener` once when cancelled (now, if already); returns what unsubscribes it. */
  onAbort(listener: () => void): () => void {
    if (this.cancelled) {
      listener();
      return noop;
    }
    const set = (this.listeners ??= new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  abort(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners !== undefined) for (const l of listeners) l();
  }
}

/** Waits `ms`; resolves true when the time passed, false as soon as `cancellation` fires. */
export function sleepUnlessCancelled(ms: number, cancellation: Cancellation): Promise<boolean> {
  return new Promise((resolve) => {
    let unsubscribe = noop;
    const timer = setTimeout(() => {
      unsubscribe();
      resolve(true);
    }, ms);
    unsubscribe = cancellation.onAbort(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
