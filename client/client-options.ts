import type { Rng } from './rng.js';
import { KvError } from '../proto/kv-error.js';
import { defaultRetryPolicyOptions, type RetryPolicyOptions } from './routing/retry-policy.js';
import type { ReadConsistency } from './call-options.js';
import { readConsistencies } from './call-options.js';

export interface RangekvClientOptions {
  /** Nodes to start from (host:port); any node answers Locate and acts as a gateway. */
  readonly addresses: readonly string[];
  /** Default time for a whole call, retries included. Default 10 s. */
  readonly timeoutMs?: number;
  /** Time one attempt may wait for its answer before trying elsewhere (capped by the call's deadline). Default 3 s. */
  readonly attemptTimeoutMs?: number;
  /** Time to wait for a connection to a node before trying another. Default 1 s. */
  readonly connectTimeoutMs?: number;
  /** Default read consistency. Default 'linearizable'. */
  readonly consistency?: ReadConsistency;
  /** Ranges kept in the routing cache. Default 10,000. */
  readonly rangeCacheRangesMax?: number;
  /** Ranges asked for per Locate. Default 32. */
  readonly locateRangesMax?: number;
  /** Keys per scan page. Default 256. */
  readonly scanLimitPerPage?: number;
  readonly retry?: Partial<RetryPolicyOptions>;
  /** Jitter and replica choice; inject a seeded one for reproducible runs. Default: seeded from crypto. */
  readonly rng?: Rng;
  readonly keepaliveTimeMs?: number;
  readonly keepaliveTimeoutMs?: number;
  /** Largest answer accepted. Default 64 MiB. */
  readonly receiveMessageBytesMax?: number;
  /** Monotonic clock for deadlines. Default performance.now. */
  readonly nowMs?: () => number;
  /**
   * TLS to the nodes (a cluster started with --tls-*): the cluster's CA certificate, and optionally
   * this client's certificate and key (PEM), needed for admin calls. Default: plaintext, for
   * clusters started with --insecure.
   */
  readonly tls?: ClientTls;
}

export interface ClientTls {
  readonly ca: Uint8Array | string;
  readonly cert?: Uint8Array | string;
  readonly key?: Uint8Array | string;
}

export interface ResolvedClientOptions {
  readonly addresses: readonly string[];
  readonly timeoutMs: number;
  readonly attemptTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly consistency: ReadConsistency;
  readonly rangeCacheRangesMax: number;
  readonly locateRangesMax: number;
  readonly scanLimitPerPage: number;
  readonly retry: RetryPolicyOptions;
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
  readonly receiveMessageBytesMax: number;
  readonly tls: { readonly ca: Buffer; readonly cert: Buffer | null; readonly key: Buffer | null } | null;
}

const addressPattern = /^[^\s:/]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/;

export function isAddress(s: string): boolean {
  if (!addressPattern.test(s)) return false;
  const port = Number(s.slice(s.lastIndexOf(':') + 1));
  return port > 0 && port < 65_536;
}

/** Validates and fills defaults; a bad option is a KvError INVALID_ARGUMENT. */
export function resolveClientOptions(o: RangekvClientOptions): ResolvedClientOptions {
  if (o.addresses.length === 0) throw invalid('at least one node address is needed');
  for (const a of o.addresses) if (!isAddress(a)) throw invalid(`not a host:port address: ${JSON.stringify(a)}`);
  if (o.consistency !== undefined && !readConsistencies.includes(o.consistency)) throw invalid(`unknown consistency ${String(o.consistency)}`);
  const r: ResolvedClientOptions = {
    addresses: [...new Set(o.addresses)],
    timeoutMs: positive(o.timeoutMs ?? 10_000, 'timeoutMs'),
    attemptTimeoutMs: positive(o.attemptTimeoutMs ?? 3_000, 'attemptTimeoutMs'),
    connectTimeoutMs: positive(o.connectTimeoutMs ?? 1_000, 'connectTimeoutMs'),
    consistency: o.consistency ?? 'linearizable',
    rangeCacheRangesMax: positiveInt(o.rangeCacheRangesMax ?? 10_000, 'rangeCacheRangesMax'),
    locateRangesMax: positiveInt(o.locateRangesMax ?? 32, 'locateRangesMax'),
    scanLimitPerPage: positiveInt(o.scanLimitPerPage ?? 256, 'scanLimitPerPage'),
    retry: { ...defaultRetryPolicyOptions, ...o.retry },
    keepaliveTimeMs: positive(o.keepaliveTimeMs ?? 10_000, 'keepaliveTimeMs'),
    keepaliveTimeoutMs: positive(o.keepaliveTimeoutMs ?? 5_000, 'keepaliveTimeoutMs'),
    receiveMessageBytesMax: positiveInt(o.receiveMessageBytesMax ?? 64 * 1024 * 1024, 'receiveMessageBytesMax'),
    tls: o.tls === undefined ? null : resolveTls(o.tls),
  };
  return Object.freeze(r);
}

function resolveTls(t: ClientTls): NonNullable<ResolvedClientOptions['tls']> {
  const pem = (v: Uint8Array | string | undefined, what: string): Buffer | null => {
    if (v === undefined) return null;
    const b = typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    if (!b.toString('latin1').includes('-----BEGIN')) throw invalid(`tls.${what} must be PEM text`);
    return b;
  };
  const ca = pem(t.ca, 'ca');
  if (ca === null) throw invalid('tls.ca (the cluster CA certificate) is required for TLS');
  const cert = pem(t.cert, 'cert');
  const key = pem(t.key, 'key');
  if ((cert === null) !== (key === null)) throw invalid('tls.cert and tls.key go together');
  return { ca, cert, key };
}

export function positive(v: number, what: string): number {
  if (!(Number.isFinite(v) && v > 0)) throw invalid(`${what} must be a positive number, got ${v}`);
  return v;
}

export function positiveInt(v: number, what: string): number {
  if (!(Number.isSafeInteger(v) && v > 0)) throw invalid(`${what} must be a positive integer, got ${v}`);
  return v;
}

function invalid(message: string): KvError {
  return new KvError('INVALID_ARGUMENT', message);
}
