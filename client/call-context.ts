import { Cancellation } from './cancellation.js';
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
  /** Fires when the caller's signal does or the client closes (the client calls `abort`). */
  readonly cancellation = new Cancellation();
  private unlinkCallerSignal: (() => void) | undefined;

  constructor(
    readonly name: string,
    readonly kind: CallKind,
    timeoutMs: number,
    callerSignal: AbortSignal | undefined,
    private readonly nowMs: () => number,
    /** Told once the call is over (the client's registry of calls in flight). */
    private readonly onDispose: (ctx: CallContext) => void = () => {},
  ) {
    this.deadlineAtMs = nowMs() + timeoutMs;
    if (callerSignal === undefined) return;
    if (callerSignal.aborted) {
      this.cancellation.abort();
      return;
    }
    const onAbort = (): void => this.cancellation.abort();
    callerSignal.addEventListener('abort', onAbort, { once: true });
    this.unlinkCallerSignal = () => callerSignal.removeEventListener('abort', onAbort);
  }

  remainingMs(): number {
    return this.deadlineAtMs - this.nowMs();
  }

  /** The wall-clock (Date.now) instant `ms` from now, capped by the deadline — for gRPC deadlines. */
  wallDeadline(ms: number): number {
    return Date.now() + Math.max(0, Math.min(ms, this.remainingMs()));
  }

  get aborted(): boolean {
    return this.cancellation.aborted;
  }

  /** Stops the call (the client is closing): attempts in flight are cancelled, no new one starts. */
  abort(): void {
    this.cancellation.abort();
  }

  /** Unlinks from the caller's signal and leaves the client's registry; call once the call is over. */
  dispose(): void {
    this.unlinkCallerSignal?.();
    this.unlinkCallerSignal = undefined;
    this.onDispose(this);
  }
}
