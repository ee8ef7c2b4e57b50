import type { AttemptFailure } from './unary-attempt.js';

export type CallKind = 'read' | 'write';

/**
 * The state of one client call across its attempts: its deadline, what failed so far, which
 * addresses to avoid, and — for writes — whether some attempt may already have taken effect, in
 * which case the call can only end in success or OUTCOME_UNKNOWN.
 */
export class CallContext {
  readonly deadlineAtMs: number;
  attempts = 0;
  /** Retries that waited out a backoff (the backoff grows with these). */
  backoffs = 0;
  /** Consecutive retries taken without waiting; bounded so that bad news cannot spin us. */
  immediateRun = 0;
  mayHaveTakenEffect = false;
  lastFailure: AttemptFailure | undefined;
  /** Addresses that failed to connect or answer during this call. */
  readonly avoid = new Set<string>();
  /** This call's own signal, aborted when any linked signal is (the caller's, the client's close). */
  private readonly controller = new AbortController();
  private readonly unlinks: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly kind: CallKind,
    timeoutMs: number,
    linked: readonly (AbortSignal | undefined)[],
    private readonly nowMs: () => number,
  ) {
    this.deadlineAtMs = nowMs() + timeoutMs;
    for (const s of linked) {
      if (s === undefined) continue;
      if (s.aborted) {
        this.controller.abort();
        continue;
      }
      const onAbort = (): void => this.controller.abort();
      s.addEventListener('abort', onAbort, { once: true });
      this.unlinks.push(() => s.removeEventListener('abort', onAbort));
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  remainingMs(): number {
    return this.deadlineAtMs - this.nowMs();
  }

  /** The wall-clock (Date.now) instant `ms` from now, capped by the deadline — for gRPC deadlines. */
  wallDeadline(ms: number): number {
    return Date.now() + Math.max(0, Math.min(ms, this.remainingMs()));
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  /** Unlinks from the caller's and the client's signals; call once the call is over. */
  dispose(): void {
    for (const u of this.unlinks.splice(0)) u();
  }
}
