import { crc32 } from 'node:zlib';
import type { ConfState } from '../raft/types.js';
import { decodeConfState, encodeConfState } from './conf-state-codec.js';
import { lockKindCode, lockKindFromCode, writeKindCode, writeKindFromCode, type KeyedLock, type KeyedWriteRecord } from './mvcc-types.js';
import type { LocalEntry } from './range-local-types.js';
import type { SnapshotChunk, SnapshotHeader } from './snapshot-types.js';
import { StorageError } from './storage-error.js';
import type { Timestamp } from './timestamp.js';

/**
 * Wire form of a snapshot chunk, for the node's snapshot streaming call:
 *
 *   u8 format (2) | u8 chunk kind | payload | u32 crc32 of everything before
 *
 * header: u32 length + UTF-8 JSON (ids, indexes, conf state; keys and descriptor in base64)
 * writes: u32 count, then per record: u32 key length, key, u8 write kind, i64 commitTs, i64 startTs,
 *         and for a put: u32 value length, value
 * locks:  u32 count, then per lock: u32 key length, key, u32 primary length, primary, i64 startTs,
 *         f64 ttlMs, u8 lock kind, u8 has value, [u32 value length, value]
 * local:  u32 count, then per entry: u32 key length, key, u32 value length, value
 * end:    f64 write count, f64 lock count, f64 local count
 *
 * Decoding treats its input as untrusted: any malformation is SNAPSHOT_INVALID, never a crash.
 *
 * Format history. 1: header, writes, locks, end (two counts). 2: adds the `local` chunk (the
 * range-local table) and the local count in `end`. Any other format byte — including 1 — is
 * refused: reading a v1 stream as "empty local table" would silently install a range without its
 * replicated local state, which is exactly what the format byte exists to prevent (no v1 node was
 * ever deployed, so there is no stream to stay compatible with).
 */
export const snapshotFormatVersion = 2;
const formatVersion = snapshotFormatVersion;
const kindCodes = { header: 1, writes: 2, locks: 3, end: 4, local: 5 } as const;

export function encodeSnapshotChunk(chunk: SnapshotChunk): Uint8Array {
  const w = new ByteWriter();
  w.u8(formatVersion);
  w.u8(kindCodes[chunk.kind]);
  switch (chunk.kind) {
    case 'header':
      w.bytes(Buffer.from(JSON.stringify(headerToJson(chunk.header)), 'utf8'));
      break;
    case 'writes':
      w.u32(chunk.records.length);
      for (const { key, write } of chunk.records) {
        w.bytes(key);
        w.u8(writeKindCode(write.kind));
        w.i64(write.commitTs);
        w.i64(write.startTs);
        if (write.kind === 'put') w.bytes(write.value);
      }
      break;
    case 'locks':
      w.u32(chunk.locks.length);
      for (const l of chunk.locks) {
        w.bytes(l.key);
        w.bytes(l.primaryKey);
        w.i64(l.startTs);
        w.f64(l.ttlMs);
        w.u8(lockKindCode(l.kind));
        w.u8(l.value === null ? 0 : 1);
        if (l.value !== null) w.bytes(l.value);
      }
      break;
    case 'local':
      w.u32(chunk.entries.length);
      for (const e of chunk.entries) {
        w.bytes(e.key);
        w.bytes(e.value);
      }
      break;
    case 'end':
      w.f64(chunk.writeCount);
      w.f64(chunk.lockCount);
      w.f64(chunk.localCount);
      break;
  }
  const body = w.finish();
  const out = Buffer.allocUnsafe(body.length + 4);
  body.copy(out, 0);
  out.writeUInt32BE(crc32(body), body.length);
  return out;
}

export function decodeSnapshotChunk(bytes: Uint8Array): SnapshotChunk {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 6) invalid('chunk too short');
  const body = buf.subarray(0, buf.length - 4);
  if (crc32(body) !== buf.readUInt32BE(buf.length - 4)) invalid('chunk checksum mismatch');
  const r = new ByteReader(body);
  const format = r.u8();
  if (format !== formatVersion) invalid(`unknown chunk format ${format} (this build reads format ${formatVersion})`);
  const kind = r.u8();
  let chunk: SnapshotChunk;
  switch (kind) {
    case kindCodes.header: {
      let json: unknown;
      try {
        json = JSON.parse(r.bytes().toString('utf8'));
      } catch {
        invalid('header is not JSON');
      }
      chunk = { kind: 'header', header: headerFromJson(json) };
      break;
    }
    case kindCodes.writes: {
      const n = r.u32();
      const records: KeyedWriteRecord[] = [];
      for (let i = 0; i < n; i++) {
        const key = r.bytes();
        const wk = writeKindFromCode(r.u8());
        const commitTs = r.i64() as Timestamp;
        const startTs = r.i64() as Timestamp;
        if (wk === undefined) invalid('unknown write kind');
        records.push({
          key,
          write: wk === 'put' ? { kind: wk, commitTs, startTs, value: r.bytes() } : { kind: wk, commitTs, startTs },
        });
      }
      chunk = { kind: 'writes', records };
      break;
    }
    case kindCodes.locks: {
      const n = r.u32();
      const locks: KeyedLock[] = [];
      for (let i = 0; i < n; i++) {
        const key = r.bytes();
        const primaryKey = r.bytes();
        const startTs = r.i64() as Timestamp;
        const ttlMs = r.f64();
        const lk = lockKindFromCode(r.u8());
        const hasValue = r.u8();
        if (lk === undefined) invalid('unknown lock kind');
        if (!Number.isSafeInteger(ttlMs) || ttlMs < 0) invalid('bad lock ttl');
        locks.push({ key, primaryKey, startTs, ttlMs, kind: lk, value: hasValue === 1 ? r.bytes() : null });
      }
      chunk = { kind: 'locks', locks };
      break;
    }
    case kindCodes.local: {
      const n = r.u32();
      const entries: LocalEntry[] = [];
      for (let i = 0; i < n; i++) {
        const key = r.bytes();
        entries.push({ key, value: r.bytes() });
      }
      chunk = { kind: 'local', entries };
      break;
    }
    case kindCodes.end: {
      const writeCount = r.f64();
      const lockCount = r.f64();
      const localCount = r.f64();
      for (const n of [writeCount, lockCount, localCount]) if (!Number.isSafeInteger(n) || n < 0) invalid('bad end counts');
      chunk = { kind: 'end', writeCount, lockCount, localCount };
      break;
    }
    default:
      invalid(`unknown chunk kind ${kind}`);
  }
  if (!r.atEnd()) invalid('trailing bytes');
  return chunk;
}

interface HeaderJson {
  rangeId: number;
  appliedIndex: number;
  appliedTerm: number;
  confState: string;
  spanStart: string;
  spanEnd: string;
  descriptor: string;
}

function headerToJson(h: SnapshotHeader): HeaderJson {
  const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  return {
    rangeId: h.rangeId,
    appliedIndex: h.appliedIndex,
    appliedTerm: h.appliedTerm,
    confState: encodeConfState(h.confState),
    spanStart: b64(h.span.start),
    spanEnd: b64(h.span.end),
    descriptor: b64(h.descriptor),
  };
}

export function encodeSnapshotHeaderJson(h: SnapshotHeader): string {
  return JSON.stringify(headerToJson(h));
}

function headerFromJson(v: unknown): SnapshotHeader {
  if (typeof v !== 'object' || v === null) invalid('header is not an object');
  const o = v as Record<string, unknown>;
  const int = (k: string): number => {
    const x = o[k];
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) invalid(`header ${k} is not a non-negative integer`);
    return x;
  };
  const str = (k: string): string => {
    const x = o[k];
    if (typeof x !== 'string') invalid(`header ${k} is not a string`);
    return x;
  };
  let confState: ConfState;
  try {
    confState = decodeConfState(str('confState'), 'snapshot header');
  } catch {
    invalid('header conf state is malformed');
  }
  return {
    rangeId: int('rangeId'),
    appliedIndex: int('appliedIndex'),
    appliedTerm: int('appliedTerm'),
    confState,
    span: { start: Buffer.from(str('spanStart'), 'base64'), end: Buffer.from(str('spanEnd'), 'base64') },
    descriptor: Buffer.from(str('descriptor'), 'base64'),
  };
}

function invalid(what: string): never {
  throw new StorageError('SNAPSHOT_INVALID', `snapshot chunk: ${what}`);
}

class ByteWriter {
  private parts: Buffer[] = [];
  private cur = Buffer.allocUnsafe(4096);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.parts.push(this.cur.subarray(0, this.pos));
    this.cur = Buffer.allocUnsafe(Math.max(4096, n));
    this.pos = 0;
  }

  u8(v: number): void {
    this.room(1);
    this.pos = this.cur.writeUInt8(v, this.pos);
  }

  u32(v: number): void {
    this.room(4);
    this.pos = this.cur.writeUInt32BE(v, this.pos);
  }

  i64(v: bigint): void {
    this.room(8);
    this.pos = this.cur.writeBigInt64BE(v, this.pos);
  }

  f64(v: number): void {
    this.room(8);
    this.pos = this.cur.writeDoubleBE(v, this.pos);
  }

  bytes(b: Uint8Array): void {
    this.u32(b.byteLength);
    this.room(b.byteLength);
    this.cur.set(b, this.pos);
    this.pos += b.byteLength;
  }

  finish(): Buffer {
    this.parts.push(this.cur.subarray(0, this.pos));
    return Buffer.concat(this.parts);
  }
}

class ByteReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) invalid('truncated chunk');
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    if (v < 0n) invalid('negative timestamp');
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  bytes(): Buffer {
    const n = this.u32();
    this.need(n);
    // Copy: the chunk buffer may be reused by the transport, and the records outlive it.
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return b;
  }

  atEnd(): boolean {
    return this.pos === this.buf.length;
  }
}
