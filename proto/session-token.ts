import { ByteReader, ByteWriter, CodecError } from './byte-codec.js';

/**
 * A session token: for each range a client has touched recently, the highest log index it has
 * observed there (the index its write was applied at, or the applied index a read was served at).
 * A replica serves a SESSION read of a range only once it has applied at least that index, which
 * gives read-your-writes and monotonic reads on any replica.
 *
 * Clients merge tokens (max per range) rather than keep the latest, so concurrent requests to
 * different ranges never lose each other's progress. Bounded: past `rangesMax` entries the ones
 * with the lowest range ids are dropped first (an old entry only weakens the guarantee for a range
 * the client has not touched in a while; a dropped one is treated as index 0).
 */
export type SessionToken = ReadonlyMap<number, number>;

export const sessionTokenRangesMax = 256;
const formatVersion = 1;

export function encodeSessionToken(t: SessionToken): Uint8Array {
  if (t.size === 0) return new Uint8Array(0);
  const entries = [...t].sort(([a], [b]) => a - b).slice(-sessionTokenRangesMax);
  const w = new ByteWriter(8 + entries.length * 8);
  w.u8(formatVersion).uint(entries.length);
  for (const [rangeId, index] of entries) w.uint(rangeId).uint(index);
  return w.finish();
}

/** An empty or malformed token decodes to the empty token (a token is a hint, never trusted for safety). */
export function decodeSessionToken(bytes: Uint8Array): SessionToken {
  if (bytes.length === 0) return new Map();
  try {
    const r = new ByteReader(bytes);
    if (r.u8('token format') !== formatVersion) return new Map();
    const n = r.count('token entry', 2);
    const out = new Map<number, number>();
    for (let i = 0; i < Math.min(n, sessionTokenRangesMax); i++) out.set(r.uint('range id'), r.uint('index'));
    return out;
  } catch (e) {
    if (e instanceof CodecError) return new Map();
    throw e;
  }
}

export function mergeSessionTokens(a: SessionToken, b: SessionToken): Map<number, number> {
  const out = new Map(a);
  for (const [rangeId, index] of b) if ((out.get(rangeId) ?? 0) < index) out.set(rangeId, index);
  return out;
}
