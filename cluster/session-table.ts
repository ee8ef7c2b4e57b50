import { physicalMsOf, type Timestamp } from '../storage/index.js';
import { ByteReader, ByteWriter, CodecError } from './byte-codec.js';
import { decodeWriteResult, encodeWriteResult, type WriteResult } from './command.js';

/** Reads of a range's local replicated table (committed state). */
export interface RangeLocalReader {
  get(key: Uint8Array): Uint8Array | null;
}

/** Writes to a range's local replicated table, applied in the same batch as the entries that made them. */
export type RangeLocalMutation = { readonly op: 'put'; readonly key: Uint8Array; readonly value: Uint8Array } | { readonly op: 'delete'; readonly key: Uint8Array };

/** Per client, what the exactly-once table remembers. */
interface SessionRecord {
  /** Every seq below this was answered and may be forgotten. */
  firstIncompleteSeq: number;
  lastActiveMs: number;
  readonly results: Map<number, Uint8Array>;
}

export interface SessionTableLimits {
  /** Results remembered per client; beyond it the oldest are forgotten (retries of those are refused). */
  readonly resultsPerClientMax: number;
}

export const defaultSessionLimits: SessionTableLimits = { resultsPerClientMax: 10_000 };

const keyPrefix = new Uint8Array([0x73, 0x2f]); // "s/"

/**
 * The exactly-once table of one range (Raft thesis §6.3): for each client, the result of every
 * write with seq ≥ the client's first incomplete seq. A retried (clientId, seq) is answered from
 * here instead of being applied twice. Stored in the range's local replicated table (so it survives
 * restarts and travels with snapshots), one record per client, rewritten when the client writes.
 *
 * One instance per range per write batch: it keeps the records it changed (an overlay over the
 * committed table) and hands out the mutations to add to the batch.
 */
export class SessionTable {
  private readonly dirty = new Map<string, SessionRecord>();

  constructor(
    private readonly local: RangeLocalReader,
    private readonly limits: SessionTableLimits = defaultSessionLimits,
  ) {}

  lookup(clientId: Uint8Array, seq: number): WriteResult | undefined {
    const rec = this.recordOf(clientId);
    if (rec === undefined) return undefined;
    const bytes = rec.results.get(seq);
    return bytes === undefined ? undefined : decodeWriteResult(bytes);
  }

  /**
   * Whether `seq` was already answered and forgotten: the client said it completed (seq below its
   * first incomplete seq). Such a command is a stale duplicate and must not be applied again.
   */
  isForgotten(clientId: Uint8Array, seq: number): boolean {
    const rec = this.recordOf(clientId);
    return rec !== undefined && seq < rec.firstIncompleteSeq && !rec.results.has(seq);
  }

  record(clientId: Uint8Array, seq: number, firstIncompleteSeq: number, result: WriteResult, now: Timestamp): void {
    const id = idOf(clientId);
    const rec = this.recordOf(clientId) ?? { firstIncompleteSeq: 0, lastActiveMs: 0, results: new Map<number, Uint8Array>() };
    rec.firstIncompleteSeq = Math.max(rec.firstIncompleteSeq, firstIncompleteSeq);
    for (const s of rec.results.keys()) if (s < rec.firstIncompleteSeq) rec.results.delete(s);
    rec.results.set(seq, encodeWriteResult(result));
    while (rec.results.size > this.limits.resultsPerClientMax) {
      const oldest = Math.min(...rec.results.keys());
      rec.results.delete(oldest);
      rec.firstIncompleteSeq = Math.max(rec.firstIncompleteSeq, oldest + 1);
    }
    rec.lastActiveMs = Math.max(rec.lastActiveMs, physicalMsOf(now));
    this.dirty.set(id, rec);
  }

  /** The local-table mutations for every record changed in this batch. */
  takeMutations(): RangeLocalMutation[] {
    const out: RangeLocalMutation[] = [];
    for (const [id, rec] of this.dirty) out.push({ op: 'put', key: sessionKey(Buffer.from(id, 'hex')), value: encodeRecord(rec) });
    this.dirty.clear();
    return out;
  }

  private recordOf(clientId: Uint8Array): SessionRecord | undefined {
    const id = idOf(clientId);
    const d = this.dirty.get(id);
    if (d !== undefined) return d;
    const bytes = this.local.get(sessionKey(clientId));
    return bytes === null ? undefined : decodeRecord(bytes);
  }
}

function idOf(clientId: Uint8Array): string {
  return Buffer.from(clientId.buffer, clientId.byteOffset, clientId.byteLength).toString('hex');
}

export function sessionKey(clientId: Uint8Array): Uint8Array {
  const out = new Uint8Array(keyPrefix.length + clientId.length);
  out.set(keyPrefix);
  out.set(clientId, keyPrefix.length);
  return out;
}

const recordFormat = 1;

function encodeRecord(rec: SessionRecord): Uint8Array {
  const w = new ByteWriter(32 + rec.results.size * 24);
  w.u8(recordFormat).uint(rec.firstIncompleteSeq).uint(rec.lastActiveMs).uint(rec.results.size);
  for (const [seq, bytes] of [...rec.results].sort(([a], [b]) => a - b)) w.uint(seq).bytes(bytes);
  return w.finish();
}

function decodeRecord(bytes: Uint8Array): SessionRecord {
  const r = new ByteReader(bytes);
  const v = r.u8('session record format');
  if (v !== recordFormat) throw new CodecError(`unknown session record format ${v}`);
  const firstIncompleteSeq = r.uint('first incomplete seq');
  const lastActiveMs = r.uint('last active');
  const n = r.count('session result', 2);
  const results = new Map<number, Uint8Array>();
  for (let i = 0; i < n; i++) results.set(r.uint('seq'), r.bytes('result').slice());
  r.expectEnd('session record');
  return { firstIncompleteSeq, lastActiveMs, results };
}
