import { physicalMsOf, type Timestamp } from '../storage/index.js';
import { ByteReader, ByteWriter, CodecError } from './byte-codec.js';
import { decodeWriteResult, encodeWriteResult, type WriteResult } from './command.js';

/** Reads of a range's local replicated table (committed state). */
export interface RangeLocalReader {
  get(key: Uint8Array): Uint8Array | null;
  scan(opts: { prefix: Uint8Array; limit: number; after?: Uint8Array }): { key: Uint8Array; value: Uint8Array }[];
}

/** Writes to a range's local replicated table, applied in the same batch as the entries that made them. */
export type RangeLocalMutation =
  | { readonly op: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly op: 'delete'; readonly key: Uint8Array };

export interface SessionTableLimits {
  /** Results remembered per client; beyond it the oldest are forgotten (retries of those are refused). */
  readonly resultsPerClientMax: number;
  /** Obsolete results deleted per recorded write (bounded cleanup work per apply). */
  readonly cleanupPerWriteMax: number;
}

export const defaultSessionLimits: SessionTableLimits = { resultsPerClientMax: 10_000, cleanupPerWriteMax: 64 };

/** Per client: what has been answered for sure, and when it was last active. */
interface ClientHeader {
  firstIncompleteSeq: number;
  lastActiveMs: number;
  results: number;
  /** The smallest seq with a stored result (0 when none): cleanup is needed only when it is obsolete. */
  oldestSeq: number;
}

/**
 * The exactly-once table of one range (Raft thesis §6.3): for each client, the result of every write
 * with seq ≥ the client's first incomplete seq. A retried (clientId, seq) is answered from here
 * instead of being applied twice. Stored in the range's local replicated table (so it survives
 * restarts and travels with snapshots):
 *
 *   c/<clientId>        → header: first incomplete seq, last active time, result count
 *   s/<clientId>/<seq>  → the encoded WriteResult (seq big-endian, so one client's results sort by seq)
 *
 * One key per result keeps every value small whatever a client has in flight; results below the
 * client's first incomplete seq are deleted a bounded number at a time as the client writes.
 *
 * One instance per range per write batch: it keeps what it changed (an overlay over the committed
 * table) and hands out the mutations to add to the batch.
 */
export class SessionTable {
  private readonly pending = new Map<string, { key: Uint8Array; value: Uint8Array | null }>();

  constructor(
    private readonly local: RangeLocalReader,
    private readonly limits: SessionTableLimits = defaultSessionLimits,
  ) {}

  lookup(clientId: Uint8Array, seq: number): WriteResult | undefined {
    const bytes = this.read(resultKey(clientId, seq));
    return bytes === null ? undefined : decodeWriteResult(bytes);
  }

  /** A seq below the client's first incomplete one without a recorded result: answered and forgotten. */
  isForgotten(clientId: Uint8Array, seq: number): boolean {
    const h = this.header(clientId);
    return h !== undefined && seq < h.firstIncompleteSeq && this.read(resultKey(clientId, seq)) === null;
  }

  record(clientId: Uint8Array, seq: number, firstIncompleteSeq: number, result: WriteResult, now: Timestamp): void {
    const h = this.header(clientId) ?? { firstIncompleteSeq: 0, lastActiveMs: 0, results: 0, oldestSeq: 0 };
    h.firstIncompleteSeq = Math.max(h.firstIncompleteSeq, firstIncompleteSeq);
    h.lastActiveMs = Math.max(h.lastActiveMs, physicalMsOf(now));
    if (this.read(resultKey(clientId, seq)) === null) h.results++;
    this.write(resultKey(clientId, seq), encodeWriteResult(result));
    if (h.oldestSeq === 0 || seq < h.oldestSeq) h.oldestSeq = seq;
    // Forget answered results (oldest first, bounded) and the oldest beyond the per-client cap —
    // but only look when there is something to forget (the common case costs no scan).
    if (h.oldestSeq < h.firstIncompleteSeq || h.results > this.limits.resultsPerClientMax) {
      let budget = this.limits.cleanupPerWriteMax;
      let oldestKept = 0;
      for (const { key } of this.oldestResults(clientId, budget + 1)) {
        const s = seqOf(key);
        const obsolete = s !== seq && (s < h.firstIncompleteSeq || h.results > this.limits.resultsPerClientMax);
        if (!obsolete || budget === 0) {
          oldestKept = s;
          break;
        }
        this.write(key, null);
        h.results = Math.max(0, h.results - 1);
        // A result forgotten only because of the cap: the client must not retry it any more.
        if (s >= h.firstIncompleteSeq) h.firstIncompleteSeq = s + 1;
        budget--;
      }
      h.oldestSeq = oldestKept === 0 ? seq : Math.min(oldestKept, seq);
    }
    this.write(headerKey(clientId), encodeHeader(h));
  }

  /** The local-table mutations for everything changed in this batch. */
  takeMutations(): RangeLocalMutation[] {
    const out: RangeLocalMutation[] = [];
    for (const { key, value } of this.pending.values()) out.push(value === null ? { op: 'delete', key } : { op: 'put', key, value });
    this.pending.clear();
    return out;
  }

  private header(clientId: Uint8Array): ClientHeader | undefined {
    const bytes = this.read(headerKey(clientId));
    return bytes === null ? undefined : decodeHeader(bytes);
  }

  /** A client's results in seq order, committed state with this batch's changes on top. */
  private oldestResults(clientId: Uint8Array, limit: number): { key: Uint8Array }[] {
    const prefix = resultPrefix(clientId);
    const committed = this.local.scan({ prefix, limit: limit + this.pending.size });
    const keys = new Map<string, Uint8Array>();
    for (const { key } of committed) keys.set(hex(key), key);
    for (const [k, p] of this.pending) {
      if (!startsWith(p.key, prefix)) continue;
      if (p.value === null) keys.delete(k);
      else keys.set(k, p.key);
    }
    return [...keys.values()].sort((a, b) => Buffer.compare(a, b)).slice(0, limit).map((key) => ({ key }));
  }

  private read(key: Uint8Array): Uint8Array | null {
    const p = this.pending.get(hex(key));
    if (p !== undefined) return p.value;
    return this.local.get(key);
  }

  private write(key: Uint8Array, value: Uint8Array | null): void {
    this.pending.set(hex(key), { key, value });
  }
}

const headerPrefix = new Uint8Array([0x63, 0x2f]); // "c/"
const resultPrefixBytes = new Uint8Array([0x73, 0x2f]); // "s/"

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function headerKey(clientId: Uint8Array): Uint8Array {
  return concat(headerPrefix, clientId);
}

function resultPrefix(clientId: Uint8Array): Uint8Array {
  return concat(resultPrefixBytes, clientId, new Uint8Array([0x2f]));
}

export function resultKey(clientId: Uint8Array, seq: number): Uint8Array {
  const seqBytes = new Uint8Array(8);
  new DataView(seqBytes.buffer).setBigUint64(0, BigInt(seq));
  return concat(resultPrefix(clientId), seqBytes);
}

function seqOf(key: Uint8Array): number {
  return Number(new DataView(key.buffer, key.byteOffset + key.length - 8, 8).getBigUint64(0));
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

const headerFormat = 1;

function encodeHeader(h: ClientHeader): Uint8Array {
  return new ByteWriter(32).u8(headerFormat).uint(h.firstIncompleteSeq).uint(h.lastActiveMs).uint(h.results).uint(h.oldestSeq).finish();
}

function decodeHeader(bytes: Uint8Array): ClientHeader {
  const r = new ByteReader(bytes);
  const v = r.u8('session header format');
  if (v !== headerFormat) throw new CodecError(`unknown session header format ${v}`);
  const h = { firstIncompleteSeq: r.uint('first incomplete seq'), lastActiveMs: r.uint('last active'), results: r.uint('results'), oldestSeq: r.uint('oldest seq') };
  r.expectEnd('session header');
  return h;
}
