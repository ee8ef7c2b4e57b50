import { describe, expect, it } from 'vitest';
import { SessionTable, type RangeLocalMutation, type RangeLocalReader } from '../../cluster/session-table.js';
import type { WriteResult } from '../../cluster/command.js';
import { composeTimestamp, type Timestamp } from '../../storage/index.js';

/** The committed range-local table, as a sorted map: enough to drive SessionTable like the store does. */
class MemoryLocal implements RangeLocalReader {
  readonly rows = new Map<string, Uint8Array>();
  get(key: Uint8Array): Uint8Array | null {
    return this.rows.get(Buffer.from(key).toString('hex')) ?? null;
  }
  scan(o: { prefix: Uint8Array; limit: number; after?: Uint8Array }): { key: Uint8Array; value: Uint8Array }[] {
    const p = Buffer.from(o.prefix).toString('hex');
    return [...this.rows.entries()]
      .filter(([k]) => k.startsWith(p))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, o.limit)
      .map(([k, v]) => ({ key: Buffer.from(k, 'hex'), value: v }));
  }
  commit(ms: RangeLocalMutation[]): void {
    for (const m of ms) {
      const k = Buffer.from(m.key).toString('hex');
      if (m.op === 'put') this.rows.set(k, m.value);
      else this.rows.delete(k);
    }
  }
}

const client = new Uint8Array(16).fill(3);
const ts = (n: number): Timestamp => composeTimestamp(1_700_000_000_000 + n, 0);
const put = (n: number): WriteResult => ({ kind: 'put', version: ts(n) });

describe('exactly-once session table', () => {
  it('answers a retried seq with its recorded result, across batches', () => {
    const local = new MemoryLocal();
    const t1 = new SessionTable(local);
    t1.record(client, 1, 1, put(1), ts(1));
    expect(t1.lookup(client, 1)).toEqual(put(1)); // visible within the same batch
    local.commit(t1.takeMutations());
    const t2 = new SessionTable(local);
    expect(t2.lookup(client, 1)).toEqual(put(1));
    expect(t2.lookup(client, 2)).toBeUndefined();
  });

  it('forgets results below the first incomplete seq and refuses them as stale duplicates', () => {
    const local = new MemoryLocal();
    for (let seq = 1; seq <= 10; seq++) {
      const t = new SessionTable(local);
      t.record(client, seq, seq, put(seq), ts(seq)); // each write completes before the next
      local.commit(t.takeMutations());
    }
    const t = new SessionTable(local);
    expect(t.lookup(client, 10)).toEqual(put(10));
    expect(t.lookup(client, 3)).toBeUndefined();
    expect(t.isForgotten(client, 3)).toBe(true);
    expect(t.isForgotten(client, 11)).toBe(false);
    // Only the in-flight window is kept.
    expect([...local.rows.keys()].filter((k) => k.startsWith(Buffer.from('s/').toString('hex'))).length).toBeLessThanOrEqual(2);
  });

  it('keeps every stored value small however many writes a client has in flight (no 64 KiB record)', () => {
    const local = new MemoryLocal();
    for (let seq = 1; seq <= 3_000; seq++) {
      const t = new SessionTable(local, { resultsPerClientMax: 1_000, cleanupPerWriteMax: 64 });
      t.record(client, seq, 1, put(seq), ts(seq)); // the client never completes seq 1
      local.commit(t.takeMutations());
    }
    for (const v of local.rows.values()) expect(v.length).toBeLessThan(64);
    // The cap bounds what is kept; the evicted oldest are refused, not re-applied.
    const results = [...local.rows.keys()].filter((k) => k.startsWith(Buffer.from('s/').toString('hex'))).length;
    expect(results).toBeLessThanOrEqual(1_000);
    const t = new SessionTable(local);
    expect(t.isForgotten(client, 1)).toBe(true);
    expect(t.lookup(client, 3_000)).toEqual(put(3_000));
  });
});
