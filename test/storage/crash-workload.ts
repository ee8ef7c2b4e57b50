import { createHash } from 'node:crypto';
import type { Entry } from '../../raft/types.js';
import type { KeySpan } from '../../storage/key-span.js';
import { mvcc, type MvccMutation } from '../../storage/mvcc-types.js';
import { rangeLocal, type LocalMutation } from '../../storage/range-local-types.js';
import { timestamp } from '../../storage/timestamp.js';

/**
 * The crash test's workload, shared by the child that runs it and the parent that checks it.
 * Everything is a pure function of (range, index, term), so the checker can recompute what any
 * entry must contain and what applying it must do.
 *
 * Each applied entry writes one MVCC version of one of the range's keys (a put, or every fifth a
 * tombstone) at ts = index, and bumps the range's apply counter (`counter` key) — a
 * read-modify-write, so an entry applied twice or skipped shows up as counter ≠ applied index.
 * It also writes the range-local table: `applied` → its index, one of 8 session-like `s/N` keys →
 * `index.term`, and every ~13th entry first deletes the `s/` prefix — so the table must always be
 * exactly as of the applied index.
 */
export const crashRangeIds = [1, 2, 3, 4] as const;
export const crashKeysPerRange = 40;

export function rangeSpan(rangeId: number): KeySpan {
  return { start: Buffer.from(`r${rangeId}/`), end: Buffer.from(`r${rangeId}0`) };
}

export function counterKey(rangeId: number): Buffer {
  return Buffer.from(`r${rangeId}/counter`);
}

export function entryData(rangeId: number, index: number, term: number): Buffer {
  return Buffer.from(`${rangeId}:${index}:${term}`);
}

export function makeEntry(rangeId: number, index: number, term: number): Entry {
  return { index, term, type: 'normal', data: entryData(rangeId, index, term) };
}

interface EntryEffect {
  readonly key: Buffer;
  /** null: a tombstone. */
  readonly value: Buffer | null;
}

function digest(s: string): number {
  return createHash('sha1').update(s).digest().readUInt32BE(0);
}

/** What applying the entry does to the range's data (besides the counter). */
export function entryEffect(rangeId: number, index: number, term: number): EntryEffect {
  const h = digest(`${rangeId}:${index}:${term}`);
  const key = Buffer.from(`r${rangeId}/k${String(h % crashKeysPerRange).padStart(2, '0')}`);
  return { key, value: h % 5 === 0 ? null : Buffer.from(`v${rangeId}.${index}.${term}`) };
}

/** The mutations of applying `entry` when the counter currently holds `counter`. */
export function applyMutations(rangeId: number, e: Entry, counter: number): MvccMutation[] {
  const ts = timestamp(BigInt(e.index));
  const { key, value } = entryEffect(rangeId, e.index, e.term);
  return [
    value === null ? mvcc.delete(key, ts) : mvcc.put(key, ts, value),
    mvcc.put(counterKey(rangeId), ts, Buffer.from(String(counter + 1))),
  ];
}

const localAppliedKey = Buffer.from('applied');
const localSessionPrefix = Buffer.from('s/');

/** The range-local mutations of applying `e`, in order. */
export function localMutations(rangeId: number, e: Entry): LocalMutation[] {
  const h = digest(`local:${rangeId}:${e.index}:${e.term}`);
  const out: LocalMutation[] = [];
  if (h % 13 === 0) out.push(rangeLocal.deletePrefix(localSessionPrefix));
  out.push(rangeLocal.put(Buffer.from(`s/${h % 8}`), Buffer.from(`${e.index}.${e.term}`)));
  out.push(rangeLocal.put(localAppliedKey, Buffer.from(String(e.index))));
  return out;
}

/** What the child reports after each commit returned: per range touched, what the batch made durable. */
export interface AckRange {
  readonly rangeId: number;
  /** Entries [from, to] appended with `term` (from > to: none). */
  readonly from: number;
  readonly to: number;
  readonly term: number;
  readonly hsTerm: number;
  readonly commit: number;
  readonly applied: number;
}

export interface Ack {
  readonly batch: number;
  readonly ranges: readonly AckRange[];
}

/** Small seeded PRNG (mulberry32): the workload and the kill schedule are reproducible from a seed. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}
