import type { RequestHeader } from '../proto/generated/rangekv/v1/RequestHeader.js';
import { KvError, type KvErrorCode } from '../proto/kv-error.js';
import type { RetryPolicy } from './routing/retry-policy.js';
import type { Answer, AnswerHeader } from './answers.js';
import type { CallContext } from './call-context.js';
import { sleepUnlessCancelled } from './cancellation.js';
import type { ChannelPool } from './channel-pool.js';
import type { FailureLesson, ReplicaChoice, Router, RoutingKey, Target } from './router.js';
import type { SessionTracker } from './session-tracker.js';
import { attemptUnary, type AttemptFailure, type AttemptResult, type UnaryMethod } from './unary-attempt.js';
import type { WriteSequencer } from './write-sequencer.js';

/** One request to one range, retried until it succeeds, fails for good, or runs out of time. */
export interface RoutedRequest<Req, Out, T> {
  readonly routing: RoutingKey;
  readonly replicas: ReplicaChoice;
  /** The write's sequence number (kept across retries); undefined for reads. */
  readonly seq: bigint | undefined;
  readonly method: UnaryMethod<Req, Out>;
  build(target: Target, header: RequestHeader): Req;
  parse(out: Out): Answer<T>;
}

export interface Executed<T> {
  readonly value: T;
  readonly target: Target;
  readonly header: AnswerHeader;
}

export interface ExecutorOptions {
  readonly attemptTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** Consecutive retries taken without a backoff before one is forced. */
  readonly immediateRetriesMax: number;
}

/** Errors worth another attempt (elsewhere, or after a pause); the others end the call. */
const retryableCodes: ReadonlySet<KvErrorCode> = new Set<KvErrorCode>([
  'NOT_LEADER',
  'EPOCH_MISMATCH',
  'KEY_NOT_IN_RANGE',
  'RANGE_NOT_FOUND',
  'UNAVAILABLE',
  'OVERLOADED',
  'SHUTTING_DOWN',
  'DEADLINE_EXCEEDED',
  'OUTCOME_UNKNOWN',
  'STORAGE_FAILED',
]);

export type FailureVerdict = { readonly kind: 'retry'; readonly lesson: FailureLesson; readonly retryAfterMs: number | undefined } | { readonly kind: 'final'; readonly error: KvError };

export class RequestExecutor {
  constructor(
    private readonly pool: ChannelPool,
    private readonly router: Router,
    private readonly policy: RetryPolicy,
    private readonly session: SessionTracker,
    private readonly sequencer: WriteSequencer,
    private readonly options: ExecutorOptions,
  ) {}

  async execute<Req, Out, T>(r: RoutedRequest<Req, Out, T>, ctx: CallContext): Promise<Executed<T>> {
    for (;;) {
      this.checkContinue(ctx);
      const target = await this.router.target(r.routing, r.replicas, ctx);
      ctx.attempts++;
      const result = await this.attempt(target, r, ctx);
      if (result.ok) {
        const answer = result.value;
        this.accept(target, answer.header, r.replicas);
        return { value: answer.value, target, header: answer.header };
      }
      const verdict = this.judge(target, result.failure, ctx);
      if (verdict.kind === 'final') throw verdict.error;
      await this.pause(ctx, [verdict]);
    }
  }

  /** Throws the call's final error once it must stop: deadline passed, caller aborted, client closed. */
  checkContinue(ctx: CallContext): void {
    if (this.pool.isClosed) {
      if (ctx.kind === 'write' && ctx.mayHaveTakenEffect) throw new KvError('OUTCOME_UNKNOWN', `${ctx.name}: the client was closed while the write was in flight`);
      throw new KvError('INVALID_ARGUMENT', 'the client is closed');
    }
    if (ctx.aborted || ctx.remainingMs() <= 0) throw this.finalError(ctx, 'deadline');
  }

  /** What every successful answer teaches: its session token, and who leads the range. */
  accept(target: Target, header: AnswerHeader, choice: ReplicaChoice): void {
    this.session.observe(header.sessionToken);
    this.router.onAnswer(target, header, choice);
  }

  /** Sends one attempt of `r` to `target`, parsing the answer (a malformed answer is a rejection). The caller counts attempts. */
  async attempt<Req, Out, T>(target: Target, r: Omit<RoutedRequest<Req, Out, T>, 'routing' | 'replicas'>, ctx: CallContext): Promise<AttemptResult<Answer<T>>> {
    const request = r.build(target, this.header(target, r.seq));
    const stub = this.pool.stub(target.address);
    if (stub === undefined) return { ok: false, failure: { kind: 'unreachable', address: target.address, message: 'the client is closed' } };
    const result = await attemptUnary(stub, target.address, r.method, request, {
      connectByWallMs: ctx.wallDeadline(this.options.connectTimeoutMs),
      answerByWallMs: ctx.wallDeadline(this.options.attemptTimeoutMs),
      cancellation: ctx.cancellation,
    });
    if (!result.ok) return result;
    try {
      return { ok: true, value: r.parse(result.value) };
    } catch (e) {
      const error = e instanceof KvError ? e : new KvError('INTERNAL', `cannot read the answer: ${String(e)}`);
      return { ok: false, failure: { kind: 'rejected', address: target.address, error } };
    }
  }

  /** The request header: route, session token, and for writes the exactly-once identity (reads carry none). */
  header(target: Target, seq: bigint | undefined): RequestHeader {
    const route = target.kind === 'routed' ? { rangeId: String(target.range.rangeId), epoch: { confVersion: String(target.range.epoch.confVersion), version: String(target.range.epoch.version) } } : null;
    if (seq === undefined) return { route, sessionToken: this.session.current };
    return {
      route,
      sessionToken: this.session.current,
      clientId: this.sequencer.clientId,
      seq: seq.toString(),
      firstIncompleteSeq: this.sequencer.firstIncompleteSeq().toString(),
    };
  }

  /** Records a failed attempt and decides whether the call may go on. */
  judge(target: Target, f: AttemptFailure, ctx: CallContext): FailureVerdict {
    ctx.lastFailure = f;
    switch (f.kind) {
      case 'unreachable':
        return { kind: 'retry', lesson: this.router.onTransportFailure(target, ctx), retryAfterMs: undefined };
      case 'lost':
        if (ctx.kind === 'write') ctx.mayHaveTakenEffect = true;
        return { kind: 'retry', lesson: this.router.onTransportFailure(target, ctx), retryAfterMs: undefined };
      case 'rejected': {
        const e = f.error;
        if (ctx.kind === 'write' && !e.definitelyNotApplied) ctx.mayHaveTakenEffect = true;
        if (!retryableCodes.has(e.code)) return { kind: 'final', error: this.terminalError(ctx, e) };
        return { kind: 'retry', lesson: this.router.onRejected(target, e, ctx), retryAfterMs: e.detail.retryAfterMs };
      }
    }
  }

  /** Waits before the next attempt as the policy says, or throws the call's final error. */
  async pause(ctx: CallContext, verdicts: readonly Extract<FailureVerdict, { kind: 'retry' }>[]): Promise<void> {
    const immediate = verdicts.every((v) => v.lesson.immediate) && ctx.immediateRun < this.options.immediateRetriesMax;
    const retryAfterMs = verdicts.reduce<number | undefined>((m, v) => (v.retryAfterMs === undefined ? m : Math.max(m ?? 0, v.retryAfterMs)), undefined);
    const d = this.policy.decide({ attempts: ctx.attempts, backoffs: ctx.backoffs, remainingMs: ctx.remainingMs(), retryAfterMs, immediate });
    if (d.kind === 'give-up') throw this.finalError(ctx, d.reason);
    this.checkContinue(ctx);
    if (d.backoff) {
      ctx.backoffs++;
      ctx.immediateRun = 0;
    } else {
      ctx.immediateRun++;
    }
    if (d.delayMs > 0 && !(await sleepUnlessCancelled(d.delayMs, ctx.cancellation))) {
      this.checkContinue(ctx);
      throw this.finalError(ctx, 'deadline');
    }
  }

  /** A non-retryable error: for a write that may already have taken effect, the outcome is unknown. */
  terminalError(ctx: CallContext, e: KvError): KvError {
    if (ctx.kind === 'write' && ctx.mayHaveTakenEffect) {
      return new KvError('OUTCOME_UNKNOWN', `${ctx.name}: an earlier attempt may have taken effect; then: ${e.code}: ${e.message}`);
    }
    return e;
  }

  /** Why a call stopped retrying, as the one error its caller sees. */
  finalError(ctx: CallContext, reason: 'deadline' | 'attempts'): KvError {
    const why = ctx.aborted ? 'cancelled by the caller' : reason === 'deadline' ? 'deadline reached' : `gave up after ${ctx.attempts} attempts`;
    const last = ctx.lastFailure;
    const lastText = last === undefined ? 'no attempt made' : last.kind === 'unreachable' ? `${last.address} unreachable: ${last.message}` : `${last.error.code}: ${last.error.message}`;
    const message = `${ctx.name}: ${why} (${ctx.attempts} attempts); last: ${lastText}`;
    if (ctx.kind === 'write' && ctx.mayHaveTakenEffect) return new KvError('OUTCOME_UNKNOWN', message);
    if (last === undefined || ctx.aborted) return new KvError('DEADLINE_EXCEEDED', message);
    switch (last.kind) {
      case 'unreachable':
        return new KvError('UNAVAILABLE', message);
      case 'lost':
        return new KvError(last.timedOut ? 'DEADLINE_EXCEEDED' : 'UNAVAILABLE', message);
      case 'rejected':
        switch (last.error.code) {
          case 'OVERLOADED':
          case 'DEADLINE_EXCEEDED':
            return new KvError(last.error.code, message, last.error.detail);
          default:
            // Routing trouble, a node shutting down, no leader: the range could not be served in time.
            return new KvError('UNAVAILABLE', message);
        }
    }
  }
}
