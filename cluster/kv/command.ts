import { createHash } from 'node:crypto';
import { timestamp, type Timestamp } from '../../storage/index.js';
import { ByteReader, ByteWriter, CodecError } from '../../proto/byte-codec.js';

/**
 * What a client write becomes in the raft log. Applied by every replica in log order, so the
 * outcome (including a CAS comparison) is decided deterministically at apply time.
 */
export type KvOp =
  | { readonly kind: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly kind: 'delete'; readonly key: Uint8Array }
  /** Writes `newValue` (or deletes when null) iff the current value equals `expected` (null = absent). */
  | { readonly kind: 'cas'; readonly key: Uint8Array; readonly expected: Uint8Array | null; readonly newValue: Uint8Array | null };

/**
 * Exactly-once: the state machine remembers, per client, the results of sequence numbers at or
 * above the client's first incomplete one; a command whose (clientId, seq) it has seen is answered
 * with the recorded result and not applied again.
 */
export interface ClientSession {
  /** 16 random bytes chosen by the client. */
  readonly clientId: Uint8Array;
  readonly seq: number;
  /** Every seq below this one has been answered; their results may be forgotten. */
  readonly firstIncompleteSeq: number;
}

export interface Command {
  readonly session: ClientSession | null;
  /** The leader's hybrid-logical-clock time at proposal; apply makes versions strictly increase per range. */
  readonly proposedTs: Timestamp;
  readonly op: KvOp;
}

/** The outcome of applying a write; what the state machine records for exactly-once. */
export type WriteResult =
  | { readonly kind: 'put'; readonly version: Timestamp }
  | { readonly kind: 'delete'; readonly deleted: boolean; readonly version: Timestamp }
  | {
      readonly kind: 'cas';
      readonly succeeded: boolean;
      /** The value found (on failure it says why); null if absent. */
      readonly current: Uint8Array | null;
      readonly version: Timestamp;
    };

const formatVersion = 1;
const opCodes = { put: 1, delete: 2, cas: 3 } as const;

export function encodeCommand(c: Command): Uint8Array {
  const w = new ByteWriter(64 + opSize(c.op));
  w.u8(formatVersion);
  if (c.session === null) {
    w.bool(false);
  } else {
    w.bool(true).bytes(c.session.clientId).uint(c.session.seq).uint(c.session.firstIncompleteSeq);
  }
  w.u64(c.proposedTs).u8(opCodes[c.op.kind]).bytes(c.op.key);
  switch (c.op.kind) {
    case 'put':
      w.bytes(c.op.value);
      break;
    case 'delete':
      break;
    case 'cas':
      writeOptional(w, c.op.expected);
      writeOptional(w, c.op.newValue);
      break;
  }
  return w.finish();
}

export function decodeCommand(bytes: Uint8Array): Command {
  const r = new ByteReader(bytes);
  const v = r.u8('command format');
  if (v !== formatVersion) throw new CodecError(`unknown command format ${v}`);
  let session: ClientSession | null = null;
  if (r.bool('session flag')) {
    const clientId = r.bytes('client id', 64).slice();
    const seq = r.uint('seq');
    const firstIncompleteSeq = r.uint('first incomplete seq');
    session = { clientId, seq, firstIncompleteSeq };
  }
  const proposedTs = toTimestamp(r.u64('proposed timestamp'));
  const code = r.u8('op');
  const key = r.bytes('key').slice();
  let op: KvOp;
  switch (code) {
    case opCodes.put:
      op = { kind: 'put', key, value: r.bytes('value').slice() };
      break;
    case opCodes.delete:
      op = { kind: 'delete', key };
      break;
    case opCodes.cas: {
      const expected = readOptional(r, 'expected');
      op = { kind: 'cas', key, expected, newValue: readOptional(r, 'new value') };
      break;
    }
    default:
      throw new CodecError(`unknown op ${code}`);
  }
  r.expectEnd('command');
  return { session, proposedTs, op };
}

const resultCodes = { put: 1, delete: 2, cas: 3 } as const;

export function encodeWriteResult(res: WriteResult): Uint8Array {
  const w = new ByteWriter(32);
  w.u8(resultCodes[res.kind]).u64(res.version);
  if (res.kind === 'delete') w.bool(res.deleted);
  if (res.kind === 'cas') {
    w.bool(res.succeeded);
    writeOptional(w, res.current);
  }
  return w.finish();
}

export function decodeWriteResult(bytes: Uint8Array): WriteResult {
  const r = new ByteReader(bytes);
  const code = r.u8('result kind');
  const version = toTimestamp(r.u64('version'));
  let res: WriteResult;
  switch (code) {
    case resultCodes.put:
      res = { kind: 'put', version };
      break;
    case resultCodes.delete:
      res = { kind: 'delete', version, deleted: r.bool('deleted') };
      break;
    case resultCodes.cas: {
      const succeeded = r.bool('succeeded');
      res = { kind: 'cas', version, succeeded, current: readOptional(r, 'current') };
      break;
    }
    default:
      throw new CodecError(`unknown result kind ${code}`);
  }
  r.expectEnd('write result');
  return res;
}

function opSize(op: KvOp): number {
  switch (op.kind) {
    case 'put':
      return op.key.length + op.value.length;
    case 'delete':
      return op.key.length;
    case 'cas':
      return op.key.length + (op.expected?.length ?? 0) + (op.newValue?.length ?? 0);
  }
}

function writeOptional(w: ByteWriter, v: Uint8Array | null): void {
  if (v === null) w.bool(false);
  else w.bool(true).bytes(v);
}

function readOptional(r: ByteReader, what: string): Uint8Array | null {
  return r.bool(`${what} flag`) ? r.bytes(what).slice() : null;
}

function toTimestamp(v: bigint): Timestamp {
  try {
    return timestamp(v);
  } catch {
    throw new CodecError(`timestamp ${v} out of range`);
  }
}

/**
 * What identifies a write beyond its (clientId, seq): 16 bytes of SHA-256 over the op (kind, key,
 * values). The exactly-once table keeps it with the result, so that a different write arriving
 * with a (clientId, seq) already used — a client restarted with a reused id, a buggy or hostile
 * one — is refused instead of being answered with another write's result.
 */
export function commandDigest(op: KvOp): Uint8Array {
  const w = new ByteWriter(32 + opSize(op));
  w.u8(opCodes[op.kind]).bytes(op.key);
  switch (op.kind) {
    case 'put':
      w.bytes(op.value);
      break;
    case 'delete':
      break;
    case 'cas':
      writeOptional(w, op.expected);
      writeOptional(w, op.newValue);
      break;
  }
  return new Uint8Array(createHash('sha256').update(w.finish()).digest().subarray(0, 16));
}
