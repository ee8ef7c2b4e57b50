import { compareKeys, spanContains, type KeySpan } from '../../storage/key-span.js';
import type { KeyedLock, KvPair, Lock, MvccMutation, WriteRecord } from '../../storage/mvcc-types.js';
import type { Timestamp } from '../../storage/timestamp.js';

/**
 * A deliberately simple MVCC model: a map from key to an unsorted list of write records and a map
 * of locks; every read sorts and filters from scratch. Slow and obviously right — the engine is
 * compared against it.
 */
export class MvccModel {
  private readonly writes = new Map<string, { key: Buffer; records: WriteRecord[] }>();
  private readonly lockMap = new Map<string, KeyedLock>();

  apply(m: MvccMutation): void {
    switch (m.op) {
      case 'putWrite': {
        const k = hex(m.key);
        const slot = this.writes.get(k) ?? { key: Buffer.from(m.key), records: [] };
        slot.records = slot.records.filter((r) => r.commitTs !== m.write.commitTs);
        slot.records.push(m.write);
        this.writes.set(k, slot);
        return;
      }
      case 'deleteWrite': {
        const slot = this.writes.get(hex(m.key));
        if (slot !== undefined) slot.records = slot.records.filter((r) => r.commitTs !== m.commitTs);
        return;
      }
      case 'putLock':
        this.lockMap.set(hex(m.key), { key: Buffer.from(m.key), ...m.lock });
        return;
      case 'deleteLock':
        this.lockMap.delete(hex(m.key));
        return;
      case 'deleteSpan':
        for (const [k, slot] of this.writes) if (spanContains(m.span, slot.key)) this.writes.delete(k);
        for (const [k, l] of this.lockMap) if (spanContains(m.span, l.key)) this.lockMap.delete(k);
        return;
    }
  }

  get(key: Uint8Array, readTs: Timestamp): KvPair | null {
    const slot = this.writes.get(hex(key));
    if (slot === undefined) return null;
    const visible = slot.records
      .filter((r) => (r.kind === 'put' || r.kind === 'delete') && r.commitTs <= readTs)
      .sort((a, b) => (a.commitTs > b.commitTs ? -1 : 1))[0];
    if (visible === undefined || visible.kind !== 'put') return null;
    return { key: slot.key, value: Buffer.from(visible.value), commitTs: visible.commitTs };
  }

  scan(span: KeySpan, readTs: Timestamp, limit: number, reverse: boolean): KvPair[] {
    const keys = [...this.writes.values()]
      .map((s) => s.key)
      .filter((k) => spanContains(span, k))
      .sort(compareKeys);
    if (reverse) keys.reverse();
    const out: KvPair[] = [];
    for (const k of keys) {
      const pair = this.get(k, readTs);
      if (pair !== null) out.push(pair);
      if (out.length >= limit) break;
    }
    return out;
  }

  writeRecords(key: Uint8Array, maxCommitTs: Timestamp, limit: number): WriteRecord[] {
    const slot = this.writes.get(hex(key));
    if (slot === undefined) return [];
    return slot.records
      .filter((r) => r.commitTs <= maxCommitTs)
      .sort((a, b) => (a.commitTs > b.commitTs ? -1 : 1))
      .slice(0, limit);
  }

  writeByStartTs(key: Uint8Array, startTs: Timestamp): WriteRecord | null {
    const slot = this.writes.get(hex(key));
    if (slot === undefined) return null;
    return (
      slot.records
        .filter((r) => r.startTs === startTs && r.commitTs >= startTs)
        .sort((a, b) => (a.commitTs > b.commitTs ? -1 : 1))[0] ?? null
    );
  }

  lock(key: Uint8Array): Lock | null {
    const l = this.lockMap.get(hex(key));
    if (l === undefined) return null;
    const { key: _key, ...lock } = l;
    return lock;
  }

  locks(span: KeySpan, limit: number): KeyedLock[] {
    return [...this.lockMap.values()]
      .filter((l) => spanContains(span, l.key))
      .sort((a, b) => compareKeys(a.key, b.key))
      .slice(0, limit);
  }

  /** Every (key, record) pair, in (key, ts DESC) order — what a snapshot of the span must carry. */
  allWrites(span: KeySpan): Array<{ key: Buffer; write: WriteRecord }> {
    return [...this.writes.values()]
      .filter((s) => spanContains(span, s.key))
      .sort((a, b) => compareKeys(a.key, b.key))
      .flatMap((s) =>
        [...s.records].sort((a, b) => (a.commitTs > b.commitTs ? -1 : 1)).map((write) => ({ key: s.key, write })),
      );
  }
}

function hex(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
}
