import { physicalMsOf, type Timestamp } from '../../storage/index.js';
import { ByteReader, ByteWriter, CodecError } from '../../proto/byte-codec.js';
import { decodeWriteResult, encodeWriteResult, type WriteResult } from './command.js';
import type { RangeLocalMutation, RangeLocalReader } from '../replica/state-machine.js';

export type { RangeLocalMutation, RangeLocalReader } from '../replica/state-machine.js';

export interface SessionTableLimits {
  /** Results remembered per client; beyond it the oldest are forgotten (retries of those are refused). */
  readonly resultsPerClientMax: number;
  /** Obsolete results deleted per recorded write (bounded cleanup work per apply). */
  readonly cleanupPerWriteMax: number;
}

export const defaultSessionLimits: SessionTableLimits = { resultsPerClientMax: 10_000, cleanupPerWriteMax: 64 };

/** Per client: what has been answered for sure, and when it was last active. */
export interface ClientHeader {
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
  private readonly pending = new Map<string, PendingWrite>();
  /** This batch's result-key writes per client (hex client id), so cleanup looks only at its own. */
  private readonly pendingResults = new Map<string, Map<string, PendingWrite>>();
  /**
   * Per client, the highest committed result key this batch's cleanup deleted: every committed key
   * up to it is gone (cleanup deletes oldest first), so later cleanups in the batch read after it
   * instead of paging again over everything already deleted.
   */
  private readonly deletedThrough = new Map<string, Uint8Array>();
  /** Committed values read during this batch (null = absent). */
  private readonly committedReads = new Map<string, Uint8Array | null>();

  constructor(
    private readonly local: RangeLocalReader,
    private readonly limits: SessionTableLimits = defaultSessionLimits,
  ) {}

  lookup(clientId: Uint8Array, seq: number): WriteResult | undefined {
    return this.lookupRecorded(clientId, seq)?.result;
  }

  /**
   * The recorded result of (clientId, seq) with the digest of the command that produced it (null
   * for results recorded before digests were kept), so that a retry can be told apart from a
   * different write that reuses the same id and seq.
   */
  lookupRecorded(clientId: Uint8Array, seq: number): RecordedWrite | undefined {
    const bytes = this.read(resultKey(clientId, seq));
    return bytes === null ? undefined : decodeRecordedWrite(bytes);
  }

  /**
   * A seq below the client's first incomplete one: the client said it completed (it will never
   * retry it), whether or not its result is still stored.
   */
  isCompleted(clientId: Uint8Array, seq: number): boolean {
    const h = this.header(clientId);
    return h !== undefined && seq < h.firstIncompleteSeq;
  }

  /** A seq below the client's first incomplete one without a recorded result: answered and forgotten. */
  isForgotten(clientId: Uint8Array, seq: number): boolean {
    const h = this.header(clientId);
    return h !== undefined && seq < h.firstIncompleteSeq && this.read(resultKey(clientId, seq)) === null;
  }

  record(clientId: Uint8Array, seq: number, firstIncompleteSeq: number, result: WriteResult, now: Timestamp, digest: Uint8Array | null = null): void {
    const h = this.header(clientId) ?? { firstIncompleteSeq: 0, lastActiveMs: 0, results: 0, oldestSeq: 0 };
    h.firstIncompleteSeq = Math.max(h.firstIncompleteSeq, firstIncompleteSeq);
    h.lastActiveMs = Math.max(h.lastActiveMs, physicalMsOf(now));
    const key = resultKey(clientId, seq);
    if (this.read(key) === null) h.results++;
    this.writeResult(clientId, key, encodeRecordedWrite({ result, digest }));
    if (h.oldestSeq === 0 || seq < h.oldestSeq) h.oldestSeq = seq;
    // Forget answered results (oldest first, bounded) and the oldest beyond the per-client cap —
    // but only look when there is something to forget (the common case costs no scan).
    if (h.oldestSeq < h.firstIncompleteSeq || h.results > this.limits.resultsPerClientMax) {
      let budget = this.limits.cleanupPerWriteMax;
      let oldestKept = 0;
      for (const key of this.resultsInOrder(clientId)) {
        const s = seqOf(key);
        const obsolete = s !== seq && (s < h.firstIncompleteSeq || h.results > this.limits.resultsPerClientMax);
        if (!obsolete || budget === 0) {
          oldestKept = s;
          break;
        }
        this.writeResult(clientId, key, null);
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
    this.pendingResults.clear();
    this.deletedThrough.clear();
    this.committedReads.clear();
    return out;
  }

  private header(clientId: Uint8Array): ClientHeader | undefined {
    const bytes = this.read(headerKey(clientId));
    return bytes === null ? undefined : decodeHeader(bytes);
  }

  /**
   * A client's result keys in seq order: committed state with this batch's changes on top, read
   * lazily a small page at a time. Cleanup usually stops after the first few (only results the
   * client has since completed are obsolete), and looks only at this client's pending writes —
   * never at the whole batch, which made every write in a big batch pay for all the others.
   */
  private *resultsInOrder(clientId: Uint8Array): Generator<Uint8Array> {
    const prefix = resultPrefix(clientId);
    const client = hex(clientId);
    const mine = this.pendingResults.get(client);
    const added: Uint8Array[] = [];
    if (mine !== undefined) for (const p of mine.values()) if (p.value !== null) added.push(p.key);
    added.sort((a, b) => Buffer.compare(a, b));
    let addedAt = 0;
    let page: { key: Uint8Array }[] = [];
    let pageAt = 0;
    let after: Uint8Array | undefined = this.deletedThrough.get(client);
    let committedDone = false;
    let pageSize = resultsFirstPageSize;
    for (;;) {
      if (pageAt >= page.length && !committedDone) {
        page = this.local.scan(after === undefined ? { prefix, limit: pageSize } : { prefix, limit: pageSize, after });
        pageAt = 0;
        if (page.length < pageSize) committedDone = true;
        pageSize = Math.min(pageSize * 4, resultsPageSizeMax);
        const last = page[page.length - 1];
        if (last !== undefined) after = last.key;
      }
      const committed = page[pageAt]?.key;
      const pendingPut = added[addedAt];
      if (committed === undefined && pendingPut === undefined) return;
      if (committed !== undefined && (pendingPut === undefined || Buffer.compare(committed, pendingPut) < 0)) {
        pageAt++;
        // Written in this batch: deleted, or re-put (then it comes from `added`).
        if (mine?.has(hex(committed)) === true) continue;
        yield committed;
      } else if (pendingPut !== undefined) {
        addedAt++;
        yield pendingPut;
      }
    }
  }

  private read(key: Uint8Array): Uint8Array | null {
    const k = hex(key);
    const p = this.pending.get(k);
    if (p !== undefined) return p.value;
    // Committed state does not change while a batch is built: a write reads the same header and
    // result key several times (lookup, then record), so each is fetched once.
    let v = this.committedReads.get(k);
    if (v === undefined) {
      v = this.local.get(key);
      this.committedReads.set(k, v);
    }
    return v;
  }

  private write(key: Uint8Array, value: Uint8Array | null): void {
    this.pending.set(hex(key), { key, value });
  }

  private writeResult(clientId: Uint8Array, key: Uint8Array, value: Uint8Array | null): void {
    const k = hex(key);
    const w = { key, value };
    this.pending.set(k, w);
    const client = hex(clientId);
    let mine = this.pendingResults.get(client);
    if (mine === undefined) {
      mine = new Map();
      this.pendingResults.set(client, mine);
    }
    mine.set(k, w);
    if (value === null) {
      const through = this.deletedThrough.get(client);
      if (through === undefined || Buffer.compare(key, through) > 0) this.deletedThrough.set(client, key);
    }
  }
}

interface PendingWrite {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

/**
 * Committed result keys read by cleanup's first page, growing 4× per page up to the max. Usually
 * the client completed one more write since the last cleanup: the first row is deleted and the
 * second kept, so two rows are all it reads (each row costs two Buffers out of SQLite).
 */
const resultsFirstPageSize = 2;
const resultsPageSizeMax = 128;

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

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

const headerFormat = 1;

function encodeHeader(h: ClientHeader): Uint8Array {
  return new ByteWriter(32).u8(headerFormat).uint(h.firstIncompleteSeq).uint(h.lastActiveMs).uint(h.results).uint(h.oldestSeq).finish();
}

export function decodeHeader(bytes: Uint8Array): ClientHeader {
  const r = new ByteReader(bytes);
  const v = r.u8('session header format');
  if (v !== headerFormat) throw new CodecError(`unknown session header format ${v}`);
  const h = { firstIncompleteSeq: r.uint('first incomplete seq'), lastActiveMs: r.uint('last active'), results: r.uint('results'), oldestSeq: r.uint('oldest seq') };
  r.expectEnd('session header');
  return h;
}

/** A remembered write: its result and the digest of the command that produced it. */
export interface RecordedWrite {
  readonly result: WriteResult;
  /** commandDigest of the command; null for results stored before digests were kept. */
  readonly digest: Uint8Array | null;
}

/** First byte of a result stored with its digest; legacy results start with a result kind (1–3). */
const recordedWithDigest = 0xd1;
export const commandDigestBytes = 16;

function encodeRecordedWrite(w: RecordedWrite): Uint8Array {
  const result = encodeWriteResult(w.result);
  if (w.digest === null) return result;
  if (w.digest.length !== commandDigestBytes) throw new CodecError(`a command digest is ${commandDigestBytes} bytes, got ${w.digest.length}`);
  const out = new Uint8Array(1 + commandDigestBytes + result.length);
  out[0] = recordedWithDigest;
  out.set(w.digest, 1);
  out.set(result, 1 + commandDigestBytes);
  return out;
}

function decodeRecordedWrite(bytes: Uint8Array): RecordedWrite {
  if (bytes[0] !== recordedWithDigest) return { result: decodeWriteResult(bytes), digest: null };
  if (bytes.length < 1 + commandDigestBytes) throw new CodecError('recorded write shorter than its digest');
  return { digest: bytes.slice(1, 1 + commandDigestBytes), result: decodeWriteResult(bytes.subarray(1 + commandDigestBytes)) };
}
