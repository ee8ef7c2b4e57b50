import { crc32 } from 'node:zlib';
import type { EntryType } from '../raft/types.js';

/**
 * CRC-32 of a raft log entry over everything that identifies and carries it: range id, index,
 * term, type and data. Binding range and index into the sum means a row copied to the wrong place
 * (or a torn page that shows an older row) fails the check, not just flipped payload bits.
 *
 * SQLite does not checksum pages, so this is the only thing between a flipped bit on disk and a
 * wrong entry being applied. It is verified on every read from SQLite; entries served from the
 * in-memory cache were never on disk in between.
 */
const header = Buffer.alloc(25);

export function entryTypeCode(type: EntryType): number {
  switch (type) {
    case 'normal':
      return 0;
    case 'confChange':
      return 1;
  }
}

/** Returns undefined for a code no version of rangekv writes: the caller reports corruption. */
export function entryTypeFromCode(code: number): EntryType | undefined {
  if (code === 0) return 'normal';
  if (code === 1) return 'confChange';
  return undefined;
}

export function entryChecksum(rangeId: number, index: number, term: number, typeCode: number, data: Uint8Array): number {
  writeUint64(rangeId, 0);
  writeUint64(index, 8);
  writeUint64(term, 16);
  header.writeUInt8(typeCode, 24);
  const headerSum = crc32(header);
  // Skip empty data rather than pass it on: better-sqlite3 returns an empty BLOB as a Buffer over
  // a zero-length ArrayBuffer, whose data pointer is null, and zlib's crc32 answers a null buffer
  // with 0 (its "initial value") instead of the running sum. Adding no bytes leaves the sum as is.
  return data.byteLength === 0 ? headerSum : crc32(data, headerSum);
}

/** Big-endian 64-bit write of a non-negative safe integer without allocating a bigint. */
function writeUint64(value: number, offset: number): void {
  header.writeUInt32BE(Math.floor(value / 0x1_0000_0000), offset);
  header.writeUInt32BE(value >>> 0, offset + 4);
}
