import { join } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { nodeId, type Entry } from '../raft/types.js';
import { mvcc, type MvccMutation } from '../storage/mvcc-types.js';
import { configureWriter } from '../storage/sqlite-settings.js';
import { Store } from '../storage/store.js';
import { timestamp } from '../storage/timestamp.js';

/**
 * Raft log appends and applies: our WriteBatch path against raw better-sqlite3 doing the same SQL
 * work on the same schema with the same settings (WAL, synchronous=FULL), one transaction per
 * batch. The raw side binds values straight into one prepared statement per row and nothing else:
 * no checksum, no validation, no entry cache — the floor our path's overhead is measured from.
 */
export interface LogConfig {
  readonly name: string;
  readonly groups: number;
  readonly entriesPerGroup: number;
}

export interface Rate {
  readonly rowsPerSec: number;
  readonly commitsPerSec: number;
  readonly msPerCommit: number;
}

export const payload100 = Buffer.alloc(100, 0x61);
const clusterId = 'bench';

/** A database with `groups` ranges created through the Store, so both sides share its schema. */
export function prepareDb(dir: string, name: string, groups: number): string {
  const path = join(dir, `${name}.db`);
  const store = Store.open({ path, clusterId, storeId: 1 });
  const b = store.batch();
  for (let g = 1; g <= groups; g++) {
    b.createRange(g, {
      span: { start: Buffer.from(`g${String(g).padStart(6, '0')}/`), end: Buffer.from(`g${String(g).padStart(6, '0')}0`) },
      descriptor: Buffer.alloc(0),
      confState: { voters: [nodeId(1)], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false },
    });
  }
  b.commit();
  store.close();
  return path;
}

function openRaw(path: string): BetterSqlite3.Database {
  const db = new Database(path);
  configureWriter(db, { pageCacheBytes: 64 << 20, walAutocheckpointPages: 10_000, walSizeBytesLimit: 64 << 20, sizeBytesMax: 0, durability: 'fsync' });
  return db;
}

/**
 * One side of a comparison: `step()` performs one batch (one commit) and returns false when it
 * has nothing left to do (an apply runner that used up its pre-filled log).
 */
export interface Runner {
  readonly rowsPerStep: number;
  step(): boolean;
  close(): void;
}

/**
 * Measures two runners alternately in `rounds` slices, so that background load on a shared
 * machine hits both sides alike instead of whichever happened to run during a noisy second.
 */
export function measurePair(a: Runner, b: Runner, durationMs: number, rounds: number): [Rate, Rate] {
  const acc = [
    { ms: 0, steps: 0, runner: a, done: false },
    { ms: 0, steps: 0, runner: b, done: false },
  ];
  for (let r = 0; r < rounds; r++) {
    for (const side of acc) {
      if (side.done) continue;
      const t0 = process.hrtime.bigint();
      let n = 0;
      for (;;) {
        if (!side.runner.step()) {
          side.done = true;
          break;
        }
        n++;
        if (n >= 2 && Number(process.hrtime.bigint() - t0) / 1e6 >= durationMs / rounds) break;
      }
      side.ms += Number(process.hrtime.bigint() - t0) / 1e6;
      side.steps += n;
    }
  }
  a.close();
  b.close();
  return acc.map(({ ms, steps, runner }) => ({
    rowsPerSec: (steps * runner.rowsPerStep * 1000) / ms,
    commitsPerSec: (steps * 1000) / ms,
    msPerCommit: ms / steps,
  })) as [Rate, Rate];
}

export function rawAppend(path: string, cfg: LogConfig): Runner {
  const db = openRaw(path);
  const insert = db.prepare('INSERT INTO raft_log (range_id, idx, term, type, data, checksum) VALUES (?, ?, ?, ?, ?, ?)');
  const hs = db.prepare('UPDATE range_hard_state SET term = ?, vote = ?, commit_index = ? WHERE range_id = ?');
  let i = 0;
  const batch = db.transaction((base: number) => {
    for (let g = 1; g <= cfg.groups; g++) {
      for (let e = 1; e <= cfg.entriesPerGroup; e++) insert.run(g, base + e, 1, 0, payload100, 0);
      hs.run(1, 1, base, g);
    }
  });
  return {
    rowsPerStep: cfg.groups * cfg.entriesPerGroup,
    step: () => {
      batch(i++ * cfg.entriesPerGroup);
      return true;
    },
    close: () => db.close(),
  };
}

export function storeAppend(path: string, cfg: LogConfig): Runner {
  const store = Store.open({ path, clusterId, storeId: 1 });
  const voter = nodeId(1);
  let i = 0;
  return {
    rowsPerStep: cfg.groups * cfg.entriesPerGroup,
    step: () => {
      const b = store.batch();
      const base = i++ * cfg.entriesPerGroup;
      for (let g = 1; g <= cfg.groups; g++) {
        const entries: Entry[] = [];
        for (let e = 1; e <= cfg.entriesPerGroup; e++) entries.push({ index: base + e, term: 1, type: 'normal', data: payload100 });
        b.append(g, entries).setHardState(g, { term: 1, vote: voter, commit: base });
      }
      b.commit();
      return true;
    },
    close: () => store.close(),
  };
}

/** Pre-fills every group's log (untimed) so applies have committed entries to apply. */
export function prefillLog(path: string, groups: number, entriesPerGroup: number): void {
  const store = Store.open({ path, clusterId, storeId: 1 });
  const chunk = Math.max(1, Math.floor(20_000 / groups));
  for (let from = 1; from <= entriesPerGroup; from += chunk) {
    const to = Math.min(entriesPerGroup, from + chunk - 1);
    const b = store.batch();
    for (let g = 1; g <= groups; g++) {
      const entries: Entry[] = [];
      for (let i = from; i <= to; i++) entries.push({ index: i, term: 1, type: 'normal', data: payload100 });
      b.append(g, entries).setHardState(g, { term: 1, vote: nodeId(1), commit: to });
    }
    b.commit();
  }
  store.close();
}

const groupKey = (g: number, i: number): Buffer => Buffer.from(`g${String(g).padStart(6, '0')}/k${String(i).padStart(8, '0')}`);

export function rawApply(path: string, cfg: LogConfig, entriesAvailable: number): Runner {
  const db = openRaw(path);
  const put = db.prepare('INSERT OR REPLACE INTO mvcc_write (key, ts, kind, start_ts, value) VALUES (?, ?, ?, ?, ?)');
  const applied = db.prepare('UPDATE range_apply_state SET applied_index = ?, applied_term = ? WHERE range_id = ?');
  let step = 0;
  const batch = db.transaction((base: number) => {
    for (let g = 1; g <= cfg.groups; g++) {
      for (let e = 1; e <= cfg.entriesPerGroup; e++) {
        const idx = base + e;
        put.run(groupKey(g, idx), BigInt(idx), 1, BigInt(idx), payload100);
      }
      applied.run(base + cfg.entriesPerGroup, 1, g);
    }
  });
  return {
    rowsPerStep: cfg.groups * cfg.entriesPerGroup,
    step: () => {
      const base = step * cfg.entriesPerGroup;
      if (base + cfg.entriesPerGroup > entriesAvailable) return false;
      step++;
      batch(base);
      return true;
    },
    close: () => db.close(),
  };
}

export function storeApply(path: string, cfg: LogConfig, entriesAvailable: number): Runner {
  const store = Store.open({ path, clusterId, storeId: 1 });
  let step = 0;
  return {
    rowsPerStep: cfg.groups * cfg.entriesPerGroup,
    step: () => {
      const base = step * cfg.entriesPerGroup;
      if (base + cfg.entriesPerGroup > entriesAvailable) return false;
      step++;
      const b = store.batch();
      for (let g = 1; g <= cfg.groups; g++) {
        const muts: MvccMutation[] = [];
        for (let e = 1; e <= cfg.entriesPerGroup; e++) {
          const idx = base + e;
          muts.push(mvcc.put(groupKey(g, idx), timestamp(BigInt(idx)), payload100));
        }
        b.apply(g, { index: base + cfg.entriesPerGroup, term: 1 }, muts);
      }
      b.commit();
      return true;
    },
    close: () => store.close(),
  };
}
