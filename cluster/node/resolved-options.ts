import { KvError } from '../../proto/kv-error.js';
import { storeId as toStoreId } from '../../proto/range-descriptor.js';
import type { FaultSwitches, NodeOptions } from '../config/node-options.js';
import { commandKeyBytesMax, commandValueBytesMax } from '../kv/command-limits.js';

/** Requests in flight on a node before it sheds load (NodeOptions.inflightRequestsMax). */
export const nodeInflightRequestsMaxDefault = 10_000;

/** NodeOptions with every default filled in and validated, frozen. */
export interface ResolvedOptions {
  readonly tickMs: number;
  readonly electionTimeoutTicks: number;
  readonly heartbeatIntervalTicks: number;
  readonly leaseReads: boolean;
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
  readonly inflightRequestsMax: number;
  readonly defaultDeadlineMs: number;
  readonly faults: FaultSwitches;
  /** Truncate a range's log once this many applied entries are retained... */
  readonly logTruncateThresholdEntries: number;
  /** ...keeping this many behind the applied index for slow followers. */
  readonly logRetainEntries: number;
  readonly storageDurability: 'fsync' | 'process';
  readonly livenessPingMs: number;
}

export function resolveOptions(o: NodeOptions): ResolvedOptions {
  const tickMs = o.tickMs ?? 100;
  const r: ResolvedOptions = {
    tickMs,
    electionTimeoutTicks: o.electionTimeoutTicks ?? 10,
    heartbeatIntervalTicks: o.heartbeatIntervalTicks ?? 1,
    leaseReads: o.leaseReads ?? false,
    keyBytesMax: o.keyBytesMax ?? commandKeyBytesMax,
    valueBytesMax: o.valueBytesMax ?? commandValueBytesMax,
    inflightRequestsMax: o.inflightRequestsMax ?? nodeInflightRequestsMaxDefault,
    defaultDeadlineMs: o.defaultDeadlineMs ?? 10_000,
    faults: o.faults ?? {},
    logTruncateThresholdEntries: o.logTruncateThresholdEntries ?? 20_000,
    logRetainEntries: o.logRetainEntries ?? 5_000,
    storageDurability: o.storageDurability ?? 'fsync',
    livenessPingMs: o.livenessPingMs ?? tickMs,
  };
  const positiveInt = (v: number, what: string): void => {
    if (!Number.isSafeInteger(v) || v < 1) throw new KvError('INVALID_ARGUMENT', `${what} must be a positive integer, got ${v}`);
  };
  positiveInt(r.tickMs, 'tickMs');
  positiveInt(r.electionTimeoutTicks, 'electionTimeoutTicks');
  positiveInt(r.heartbeatIntervalTicks, 'heartbeatIntervalTicks');
  positiveInt(r.inflightRequestsMax, 'inflightRequestsMax');
  positiveInt(r.livenessPingMs, 'livenessPingMs');
  if (r.heartbeatIntervalTicks >= r.electionTimeoutTicks) throw new KvError('INVALID_ARGUMENT', 'heartbeatIntervalTicks must be below electionTimeoutTicks');
  if (r.livenessPingMs * 2 > r.tickMs * r.electionTimeoutTicks) throw new KvError('INVALID_ARGUMENT', 'livenessPingMs must be at most half an election timeout');
  if (r.logRetainEntries < 0 || r.logTruncateThresholdEntries <= r.logRetainEntries) {
    throw new KvError('INVALID_ARGUMENT', 'logTruncateThresholdEntries must exceed logRetainEntries');
  }
  positiveInt(r.keyBytesMax, 'keyBytesMax');
  positiveInt(r.valueBytesMax, 'valueBytesMax');
  // The API may be stricter than what every replica accepts when applying, never looser.
  if (r.keyBytesMax > commandKeyBytesMax) throw new KvError('INVALID_ARGUMENT', `keyBytesMax must be at most ${commandKeyBytesMax}`);
  if (r.valueBytesMax > commandValueBytesMax) throw new KvError('INVALID_ARGUMENT', `valueBytesMax must be at most ${commandValueBytesMax}`);
  toStoreId(o.storeId);
  return Object.freeze(r);
}
