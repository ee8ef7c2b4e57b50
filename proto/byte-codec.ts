/**
 * Minimal binary reader/writer for rangekv's internal encodings (raft batches, replicated
 * commands): unsigned varints (up to 2^53), bytes with a varint length, and strings. The reader
 * never trusts its input: every read is bounds-checked and fails with a typed CodecError.
 */

export class CodecError extends Error {
  readonly code = 'MALFORMED' as const;
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** An unsigned integer up to Number.MAX_SAFE_INTEGER, 7 bits per byte. */
  uint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`varint out of range: ${v}`);
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }

  /** A 64-bit unsigned integer (timestamps), fixed width. */
  u64(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`u64 out of range: ${v}`);
    this.ensure(8);
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.uint(b.byteLength);
    this.ensure(b.byteLength);
    this.buf.set(b, this.pos);
    this.pos += b.byteLength;
    return this;
  }

  string(s: string): this {
    return this.bytes(textEncoder.encode(s));
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

export class ByteReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos === this.buf.byteLength;
  }

  uint(what = 'integer'): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.buf.byteLength) throw new CodecError(`truncated ${what}`);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) throw new CodecError(`${what} out of range`);
        return result;
      }
      scale *= 0x80;
    }
    throw new CodecError(`${what} varint too long`);
  }

  u8(what = 'byte'): number {
    if (this.pos >= this.buf.byteLength) throw new CodecError(`truncated ${what}`);
    return this.buf[this.pos++]!;
  }

  bool(what = 'flag'): boolean {
    const b = this.u8(what);
    if (b > 1) throw new CodecError(`${what} is not a boolean (${b})`);
    return b === 1;
  }

  u64(what = 'u64'): bigint {
    if (this.pos + 8 > this.buf.byteLength) throw new CodecError(`truncated ${what}`);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  /** A view into the input (no copy); copy it if it must outlive the input buffer. */
  bytes(what = 'bytes', maxBytes = Number.MAX_SAFE_INTEGER): Uint8Array {
    const n = this.uint(`${what} length`);
    if (n > maxBytes) throw new CodecError(`${what} of ${n} bytes exceeds ${maxBytes}`);
    if (this.pos + n > this.buf.byteLength) throw new CodecError(`truncated ${what}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(what = 'string', maxBytes = 1 << 16): string {
    const b = this.bytes(what, maxBytes);
    try {
      return textDecoder.decode(b);
    } catch {
      throw new CodecError(`${what} is not UTF-8`);
    }
  }

  /** A count of items that each take at least `minBytesEach`: rejects counts the input cannot hold. */
  count(what: string, minBytesEach = 1): number {
    const n = this.uint(`${what} count`);
    if (n * minBytesEach > this.buf.byteLength - this.pos) throw new CodecError(`${what} count ${n} exceeds the input`);
    return n;
  }

  expectEnd(what: string): void {
    if (!this.done) throw new CodecError(`${this.buf.byteLength - this.pos} trailing bytes after ${what}`);
  }
}
