import * as grpc from '@grpc/grpc-js';
import type { SeededRng } from '../../raft/index.js';
import { adminProto, internalProto, kvProto } from '../../proto/grpc-definitions.js';
import { KvError, kvErrorFromServiceError, toServiceError } from '../../proto/kv-error.js';
import type { EventOwner, SimScheduler } from './sim-scheduler.js';

/** Who is at one end of a simulated link: a store (by id) or a client. */
export type EndpointId = string;

export const storeEndpoint = (storeId: number): EndpointId => `s${storeId}`;

export interface LinkSettings {
  /** One-way delay is drawn uniformly in [delayMsMin, delayMsMax]. */
  readonly delayMsMin: number;
  readonly delayMsMax: number;
  /** Probability that a one-way raft batch is lost (calls are reliable until their link is cut). */
  readonly lossRate: number;
  /** Probability that a raft batch or a client request arrives twice. */
  readonly duplicateRate: number;
  /** False: a link delivers in order (like one TCP stream); true: every message gets its own delay. */
  readonly reorder: boolean;
}

/** A service endpoint the network can call into: a live process and what it serves. */
export interface Reachable {
  readonly owner: EventOwner;
}

type Method = { requestSerialize(v: unknown): Buffer; requestDeserialize(b: Buffer): unknown; responseSerialize(v: unknown): Buffer; responseDeserialize(b: Buffer): unknown };
export type ServiceName = 'kv' | 'admin' | 'internal';

function methodOf(service: ServiceName, method: string): Method {
  const def =
    service === 'kv' ? kvProto().rangekv.v1.KV.service : service === 'admin' ? adminProto().rangekv.v1.Admin.service : internalProto().rangekv.internal.v1.Internal.service;
  const m = (def as unknown as Record<string, Method | undefined>)[method];
  if (m === undefined) throw new Error(`no method ${service}.${method}`);
  return m;
}

/** Encodes and decodes a value exactly as gRPC would put it on the wire (so the sim exercises the codecs). */
export function throughWire<T>(service: ServiceName, method: string, kind: 'request' | 'response', value: unknown): T {
  const m = methodOf(service, method);
  return (kind === 'request' ? m.requestDeserialize(m.requestSerialize(value)) : m.responseDeserialize(m.responseSerialize(value))) as T;
}

/** A failure made on the caller's side (no answer): as grpc-js reports it, then as the client maps it. */
export function transportError(code: grpc.status, details: string): KvError {
  const e = Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() }) as grpc.ServiceError;
  return kvErrorFromServiceError(e);
}

/** A KvError thrown by the callee, sent back as a status with its detail, and decoded by the caller. */
function errorThroughWire(e: unknown): KvError {
  const err = e instanceof KvError ? e : new KvError('INTERNAL', e instanceof Error ? e.message : String(e));
  const s = toServiceError(err);
  const se = Object.assign(new Error(s.details ?? ''), { code: s.code ?? grpc.status.UNKNOWN, details: s.details ?? '', metadata: s.metadata ?? new grpc.Metadata() }) as grpc.ServiceError;
  return kvErrorFromServiceError(se);
}

/**
 * The simulated network: directed links between endpoints with seeded delays, loss, duplication
 * and reordering, and cuts (a cut link is a blackhole, as a partition is: nothing arrives and
 * nothing says so). Unary calls carry their request and answer through the real gRPC codecs and
 * their errors through the real status mapping.
 */
export class SimNetwork {
  private readonly cut = new Set<string>();
  /** Held links: what is sent on them waits (in order) until the link is released — late delivery. */
  private readonly held = new Map<string, (() => void)[]>();
  private readonly lastDeliveryMs = new Map<string, number>();
  messagesSent = 0;
  messagesLost = 0;

  constructor(
    private readonly scheduler: SimScheduler,
    private readonly rng: SeededRng,
    public settings: LinkSettings,
  ) {}

  isCut(from: EndpointId, to: EndpointId): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  cutLink(from: EndpointId, to: EndpointId): void {
    this.cut.add(`${from}>${to}`);
  }

  uncutLink(from: EndpointId, to: EndpointId): void {
    this.cut.delete(`${from}>${to}`);
  }

  healAll(): void {
    this.cut.clear();
  }

  /** Messages sent on from→to from now on wait until `release` (then arrive, in order, late). */
  hold(from: EndpointId, to: EndpointId): void {
    if (!this.held.has(`${from}>${to}`)) this.held.set(`${from}>${to}`, []);
  }

  release(from: EndpointId, to: EndpointId): void {
    const key = `${from}>${to}`;
    const waiting = this.held.get(key);
    this.held.delete(key);
    for (const deliver of waiting ?? []) deliver();
  }

  /** Schedules `deliver` at the link's next arrival time — or parks it while the link is held. */
  private send(from: EndpointId, to: EndpointId, owner: EventOwner, deliver: () => void, extraDelayMs = 0): void {
    const waiting = this.held.get(`${from}>${to}`);
    if (waiting !== undefined) {
      waiting.push(() => this.send(from, to, owner, deliver, extraDelayMs));
      return;
    }
    this.scheduler.at(this.arrivalMs(from, to) + extraDelayMs, owner, deliver);
  }

  get cutLinks(): readonly string[] {
    return [...this.cut].sort();
  }

  /** The delivery time of a message sent now on from→to. */
  private arrivalMs(from: EndpointId, to: EndpointId): number {
    const s = this.settings;
    const delay = s.delayMsMin + this.rng.float() * (s.delayMsMax - s.delayMsMin);
    let at = this.scheduler.nowMs + delay;
    const key = `${from}>${to}`;
    if (!s.reorder) at = Math.max(at, this.lastDeliveryMs.get(key) ?? 0);
    this.lastDeliveryMs.set(key, at);
    return at;
  }

  /** A round trip's worth of delay (for answers made up on the caller's side, e.g. connection refused). */
  rttMs(): number {
    return 2 * (this.settings.delayMsMin + this.rng.float() * (this.settings.delayMsMax - this.settings.delayMsMin));
  }

  /**
   * A one-way, lossy message (a raft batch): `deliver` runs at the receiver, as its owner, unless the
   * link is cut, the message is lost, or the receiver is gone by then. Returns false if dropped now.
   */
  oneWay<T extends Reachable>(from: EndpointId, to: EndpointId, target: () => T | undefined, deliver: (r: T) => void): boolean {
    this.messagesSent++;
    if (this.isCut(from, to)) {
      this.messagesLost++;
      return false;
    }
    if (this.rng.chance(this.settings.lossRate)) {
      this.messagesLost++;
      return true; // lost in flight: the sender cannot tell
    }
    const copies = this.rng.chance(this.settings.duplicateRate) ? 2 : 1;
    const r = target();
    if (r === undefined) return false;
    for (let i = 0; i < copies; i++) this.send(from, to, r.owner, () => deliver(r));
    return true;
  }

  /**
   * A unary call from `caller` (whose events settle the answer) to the process `target()` is at the
   * moment of sending. The request and the answer go through the gRPC codecs. The caller gets:
   * the answer; the callee's KvError through the status mapping; UNAVAILABLE when the callee is down
   * (connection refused) or dies before answering (connection reset); DEADLINE_EXCEEDED when nothing
   * came back by `deadlineAtTrueMs` (a cut link in either direction).
   */
  unary<Res, T extends Reachable & { readonly incarnationEnded: Promise<void> }>(
    caller: { readonly id: EndpointId; readonly owner: EventOwner },
    to: EndpointId,
    target: () => T | undefined,
    service: ServiceName,
    method: string,
    request: unknown,
    deadlineAtTrueMs: number,
    handle: (r: T, request: unknown, deadlineAtTrueMs: number) => Promise<unknown>,
    options: { readonly duplicable?: boolean; readonly onDuplicate?: () => void } = {},
  ): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      let settled = false;
      const settle = (f: () => void): void => {
        if (settled) return;
        settled = true;
        f();
      };
      this.scheduler.at(deadlineAtTrueMs, caller.owner, () => settle(() => reject(transportError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded'))));
      const wireRequest = throughWire(service, method, 'request', request);
      const r = target();
      if (r === undefined || !r.owner.alive) {
        this.scheduler.after(this.rttMs(), caller.owner, () => settle(() => reject(transportError(grpc.status.UNAVAILABLE, 'connect ECONNREFUSED'))));
        return;
      }
      if (this.isCut(caller.id, to)) return; // blackholed: the deadline answers
      void r.incarnationEnded.then(() => {
        this.scheduler.after(this.rttMs() / 2, caller.owner, () => settle(() => reject(transportError(grpc.status.UNAVAILABLE, 'Connection reset by peer'))));
      });
      const copies = options.duplicable === true && this.rng.chance(this.settings.duplicateRate) ? 2 : 1;
      if (copies > 1) options.onDuplicate?.();
      for (let i = 0; i < copies; i++) {
        // A duplicate arrives late (a retrying proxy, a stale connection): up to a second after the original.
        const lateMs = i === 0 ? 0 : this.rng.float() * 1000;
        this.send(caller.id, to, r.owner, () => {
          handle(r, wireRequest, deadlineAtTrueMs).then(
            (res) => {
              if (!r.owner.alive || this.isCut(to, caller.id)) return;
              const wire = throughWire<Res>(service, method, 'response', res);
              this.send(to, caller.id, caller.owner, () => settle(() => resolve(wire)));
            },
            (e: unknown) => {
              if (!r.owner.alive || this.isCut(to, caller.id)) return;
              const err = errorThroughWire(e);
              this.send(to, caller.id, caller.owner, () => settle(() => reject(err)));
            },
          );
        }, lateMs);
      }
    });
  }
}
