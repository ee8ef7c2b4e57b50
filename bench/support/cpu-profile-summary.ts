import { readFileSync } from 'node:fs';

/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) and splits its time into categories by where the
 * code lives: raft/, storage/ (with SQLite: native frames count for the nearest JS caller), cluster/,
 * the client library, gRPC and protobuf, logging, Node internals, GC, idle. That is the "time in
 * gRPC vs raft vs SQLite" the benchmark reports for each process.
 */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export const categories = ['idle', 'gc', 'program', 'raft', 'storage', 'cluster', 'client', 'grpc', 'protobuf', 'logging', 'node', 'bench', 'other'] as const;
export type Category = (typeof categories)[number];

export interface ProfileSummary {
  readonly wallMs: number;
  readonly byCategoryMs: Record<Category, number>;
  /** Self time of the heaviest functions (native frames named after their JS caller's file). */
  readonly topFunctions: readonly { readonly name: string; readonly category: Category; readonly ms: number }[];
}

function categoryOfUrl(url: string): Category | undefined {
  if (url === '') return undefined;
  if (url.includes('/dist/raft/')) return 'raft';
  if (url.includes('/dist/storage/')) return 'storage';
  if (url.includes('/dist/client/')) return 'client';
  if (url.includes('/dist/cluster/')) return 'cluster';
  if (url.includes('/dist/bench/')) return 'bench';
  if (url.includes('/node_modules/@grpc/')) return 'grpc';
  if (url.includes('/node_modules/protobufjs/') || url.includes('/node_modules/@protobufjs/') || url.includes('/node_modules/long/')) return 'protobuf';
  if (url.includes('/node_modules/pino') || url.includes('/node_modules/sonic-boom/') || url.includes('/node_modules/thread-stream/')) return 'logging';
  if (url.includes('/node_modules/better-sqlite3/')) return 'storage';
  if (url.startsWith('node:')) return 'node';
  return 'other';
}

function parseProfile(path: string): CpuProfile {
  const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof v !== 'object' || v === null) throw new TypeError(`${path}: not a CPU profile`);
  const o = v as Partial<CpuProfile>;
  if (!Array.isArray(o.nodes) || !Array.isArray(o.samples) || !Array.isArray(o.timeDeltas) || typeof o.startTime !== 'number' || typeof o.endTime !== 'number') {
    throw new TypeError(`${path}: not a CPU profile`);
  }
  return o as CpuProfile;
}

/** A time window in CLOCK_MONOTONIC µs — the clock of both `process.hrtime` and V8's profile timestamps. */
export interface MonoWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** The current CLOCK_MONOTONIC time in µs, comparable with profile sample times of any process on this machine. */
export function monoNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export class LoadedProfile {
  private readonly p: CpuProfile;
  private readonly byId = new Map<number, ProfileNode>();
  private readonly parent = new Map<number, number>();
  private readonly categoryCache = new Map<number, { category: Category; file: string }>();
  /** Sample i was taken at sampleTimesUs[i]. */
  private readonly sampleTimesUs: Float64Array;

  constructor(path: string) {
    this.p = parseProfile(path);
    for (const n of this.p.nodes) {
      this.byId.set(n.id, n);
      for (const c of n.children ?? []) this.parent.set(c, n.id);
    }
    this.sampleTimesUs = new Float64Array(this.p.samples.length);
    let t = this.p.startTime;
    for (let i = 0; i < this.p.samples.length; i++) {
      t += this.p.timeDeltas[i] ?? 0;
      this.sampleTimesUs[i] = t;
    }
  }

  private categoryOf(id: number): { category: Category; file: string } {
    const cached = this.categoryCache.get(id);
    if (cached !== undefined) return cached;
    const n = this.byId.get(id);
    let out: { category: Category; file: string };
    if (n === undefined) out = { category: 'other', file: '' };
    else if (n.callFrame.functionName === '(idle)') out = { category: 'idle', file: '' };
    else if (n.callFrame.functionName === '(garbage collector)') out = { category: 'gc', file: '' };
    else if (n.callFrame.functionName === '(program)') out = { category: 'program', file: '' };
    else {
      // Native frames (no URL: SQLite, fsync, C++ builtins) count for their nearest JS caller.
      const own = categoryOfUrl(n.callFrame.url);
      const up = this.parent.get(id);
      if (own !== undefined) out = { category: own, file: n.callFrame.url.slice(n.callFrame.url.lastIndexOf('/') + 1) };
      else if (up !== undefined) out = this.categoryOf(up);
      else out = { category: 'other', file: '' };
    }
    this.categoryCache.set(id, out);
    return out;
  }

  /** Time by category and the heaviest functions, over the whole profile or only inside `windows`. */
  summarize(windows?: readonly MonoWindow[], topN = 12): ProfileSummary {
    const byCategoryMs = Object.fromEntries(categories.map((c) => [c, 0])) as Record<Category, number>;
    const byFunction = new Map<string, { category: Category; ms: number }>();
    const inside = (t: number): boolean => windows === undefined || windows.some((w) => t >= w.fromUs && t < w.toUs);
    for (let i = 0; i < this.p.samples.length; i++) {
      const t = this.sampleTimesUs[i]!;
      if (!inside(t)) continue;
      const id = this.p.samples[i]!;
      // The time up to the next sample belongs to this one.
      const ms = ((this.sampleTimesUs[i + 1] ?? t) - t) / 1000;
      const { category, file } = this.categoryOf(id);
      byCategoryMs[category] += ms;
      const n = this.byId.get(id);
      const name =
        n === undefined
          ? '?'
          : n.callFrame.url === '' && file !== ''
            ? `${n.callFrame.functionName || '(anonymous)'} [native, from ${file}]`
            : `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.slice(n.callFrame.url.lastIndexOf('/') + 1)}:${n.callFrame.lineNumber + 1}`;
      const e = byFunction.get(name) ?? { category, ms: 0 };
      e.ms += ms;
      byFunction.set(name, e);
    }
    const wallMs =
      windows === undefined
        ? (this.p.endTime - this.p.startTime) / 1000
        : windows.reduce((a, w) => a + Math.max(0, Math.min(w.toUs, this.p.endTime) - Math.max(w.fromUs, this.p.startTime)), 0) / 1000;
    const topFunctions = [...byFunction.entries()]
      .filter(([, e]) => e.category !== 'idle')
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, topN)
      .map(([name, e]) => ({ name, category: e.category, ms: e.ms }));
    return { wallMs, byCategoryMs, topFunctions };
  }
}
