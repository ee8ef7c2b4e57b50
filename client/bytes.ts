import { KvError } from '../proto/kv-error.js';

/** Keys and values may be given as bytes or as strings (UTF-8). */
export type BytesInput = Uint8Array | string;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export function toBytes(v: BytesInput): Uint8Array {
  if (typeof v === 'string') return encoder.encode(v);
  // JavaScript callers are not held to the types: a number or an object would otherwise be sent
  // as an empty value (protobuf drops what is not bytes) and stored without a word.
  if (!(v instanceof Uint8Array)) throw new KvError('INVALID_ARGUMENT', `keys and values are strings or Uint8Arrays, got ${v === null ? 'null' : typeof v}`);
  return v;
}

/** Bytes as UTF-8 text (invalid sequences become U+FFFD). */
export function toText(b: Uint8Array): string {
  return decoder.decode(b);
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new KvError('INVALID_ARGUMENT', `not an even-length hex string: ${JSON.stringify(hex.slice(0, 40))}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function keyBytes(key: BytesInput): Uint8Array {
  const k = toBytes(key);
  if (k.length === 0) throw new KvError('INVALID_ARGUMENT', 'keys must not be empty');
  return k;
}
