import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionTable, decodeHeader, headerKey, type RangeLocalMutation, type RangeLocalReader } from '../../cluster/kv/session-table.js';
import type { WriteResult } from '../../cluster/kv/command.js';
import { composeTimestamp, type Timestamp } from '../../storage/index.js';

/** The committed range-local table, as a sorted map: enough to drive SessionTable like the store does. */
class MemoryLocal implements RangeLocalReader {
  readonly rows = new Map<string, Uint8Array>();
  /** Rows handed out by scan(): the cleanup's read cost. */
  rowsScanned = 0;
  get(key: Uint8Array): Uint8Array | null {
    return this.rows.get(Buffer.from(key).toString('hex')) ?? null;
  }
  scan(o: { prefix: Uint8Array; limit: number; after?: Uint8Array }): { key: Uint8Array; value: Uint8Array }[] {
    const p = Buffer.from(o.prefix).toString('hex');
    const after = o.after === undefined ? undefined : Buffer.from(o.after).toString('hex');
    const out = [...this.rows.entries()]
      .filter(([k]) => k.startsWith(p) && (after === undefined || k > after))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, o.limit)
      .map(([k, v]) => ({ key: Buffer.from(k, 'hex'), value: v }));
    this.rowsScanned += out.length;
    return out;
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

  it("cleanup reads a few rows per write, not the client's whole in-flight window", () => {
    const local = new MemoryLocal();
    const clients = [1, 2, 3, 4].map((c) => new Uint8Array(16).fill(c));
    const inFlight = 64;
    const seqs = clients.map(() => 0);
    // Steady state as under load: each client has 64 writes in flight and completes them in order.
    for (let batch = 0; batch < 10; batch++) {
      const t = new SessionTable(local);
      local.rowsScanned = 0;
      const writesPerBatch = 256;
      for (let i = 0; i < writesPerBatch; i++) {
        const c = clients[i % clients.length]!;
        const seq = ++seqs[i % clients.length]!;
        t.record(c, seq, Math.max(1, seq - inFlight), put(seq), ts(seq));
      }
      local.commit(t.takeMutations());
      // The old code fetched up to 65 rows per write and merged them with the whole batch's pending writes.
      expect(local.rowsScanned / writesPerBatch).toBeLessThanOrEqual(16);
    }
    // And cleanup kept up: only the in-flight window of each client is stored.
    const stored = [...local.rows.keys()].filter((k) => k.startsWith(Buffer.from('s/').toString('hex'))).length;
    expect(stored).toBeLessThanOrEqual(clients.length * (inFlight + 1) + 64);
  });

  it("property: a recorded result is answered, or refused as forgotten — never lost to a re-apply, never another seq's; counts match rows", () => {
    const op = fc.record({ client: fc.integer({ min: 1, max: 3 }), advance: fc.integer({ min: 0, max: 3 }), endBatch: fc.integer({ min: 0, max: 7 }) });
    const limitsArb = fc.record({
      resultsPerClientMax: fc.oneof(fc.integer({ min: 2, max: 12 }), fc.constant(10_000)),
      cleanupPerWriteMax: fc.integer({ min: 1, max: 20 }),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 200, size: 'max' }), limitsArb, (ops, limits) => {
        const local = new MemoryLocal();
        const nextSeq = new Map<number, number>();
        const firstIncomplete = new Map<number, number>();
        const recorded = new Map<number, Map<number, WriteResult>>();
        const idOf = (c: number): Uint8Array => new Uint8Array(16).fill(c);
        const answerIsSafe = (table: SessionTable, c: number, s: number, r: WriteResult): void => {
          const got = table.lookup(idOf(c), s);
          if (got === undefined) {
            // Only the per-client cap may drop a result the client can still retry, and then the
            // retry is refused (forgotten), never applied again.
            expect(table.isForgotten(idOf(c), s), `client ${c} seq ${s} lost without being refused`).toBe(true);
            if (s >= (firstIncomplete.get(c) ?? 1)) expect(limits.resultsPerClientMax).toBeLessThan(10_000);
          } else {
            expect(got, `client ${c} seq ${s}`).toEqual(r);
          }
        };
        const checkCommitted = (): void => {
          const t = new SessionTable(local, limits);
          for (const [c, results] of recorded) {
            for (const [s, r] of results) answerIsSafe(t, c, s, r);
            // The header's count is the number of stored result rows: cleanup and the cap work from it.
            const prefix = Buffer.concat([Buffer.from('s/'), Buffer.from(idOf(c)), Buffer.from('/')]).toString('hex');
            const rows = [...local.rows.keys()].filter((k) => k.startsWith(prefix));
            const header = local.get(headerKey(idOf(c)));
            expect(header === null ? 0 : decodeHeader(header).results, `client ${c} result count`).toBe(rows.length);
            // Cleanup only looks when the oldest stored seq is obsolete: a header that claims an
            // oldest seq above a stored one would leave that row behind forever.
            if (header !== null && rows.length > 0) {
              const smallest = Math.min(...rows.map((k) => Number(Buffer.from(k, 'hex').readBigUInt64BE(k.length / 2 - 8))));
              expect(decodeHeader(header).oldestSeq, `client ${c} oldest stored seq`).toBeLessThanOrEqual(smallest);
            }
          }
        };
        let t = new SessionTable(local, limits);
        for (const o of ops) {
          const s = nextSeq.get(o.client) ?? 1;
          nextSeq.set(o.client, s + 1);
          // The client has completed everything below fi (it never passes seqs it has not sent).
          const fi = Math.min(s, (firstIncomplete.get(o.client) ?? 1) + o.advance);
          firstIncomplete.set(o.client, fi);
          const r = put(s);
          expect(t.lookup(idOf(o.client), s)).toBeUndefined();
          t.record(idOf(o.client), s, fi, r, ts(s));
          let results = recorded.get(o.client);
          if (results === undefined) recorded.set(o.client, (results = new Map()));
          results.set(s, r);
          expect(t.lookup(idOf(o.client), s)).toEqual(r); // within the batch (the overlay)
          if (o.endBatch === 0) {
            local.commit(t.takeMutations());
            t = new SessionTable(local, limits);
            checkCommitted();
          }
        }
        local.commit(t.takeMutations());
        checkCommitted();
      }),
      { numRuns: 60, seed: 20261122 },
    );
  });
});
