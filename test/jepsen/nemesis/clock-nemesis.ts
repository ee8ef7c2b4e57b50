/**
 * clock: move the wall clock of some nodes — a skew (a steady offset of up to ±skewMsMax) or a
 * jump (an offset of 10 s up to ±jumpMsMax, forward or back) — and put them back to real time on
 * stop, itself a jump. Through libfaketime or the driver's hook (ClockControl); only the realtime
 * clock moves (see faketime.ts for why the monotonic clock must not).
 */
import { nodeName } from '../directed-link.js';
import { shuffledNodes } from '../partitions.js';
import { NemesisError, type Nemesis, type NemesisContext, type NemesisEffect } from './nemesis.js';

export interface ClockNemesisOptions {
  readonly skewMsMax?: number;
  readonly jumpMsMax?: number;
}

const JUMP_MS_MIN = 10_000;

export class ClockNemesis implements Nemesis {
  readonly name = 'clock';
  readonly kind = 'fault';
  private readonly skewMsMax: number;
  private readonly jumpMsMax: number;
  private readonly moved = new Set<number>();

  constructor(options: ClockNemesisOptions = {}) {
    this.skewMsMax = options.skewMsMax ?? 2000;
    this.jumpMsMax = Math.max(JUMP_MS_MIN + 1, options.jumpMsMax ?? 300_000);
  }

  async start(context: NemesisContext): Promise<NemesisEffect> {
    const clocks = context.clocks;
    if (clocks === null) throw new NemesisError('UNSUPPORTED', 'clock faults are not set up for this run');
    const mode = context.rng.chance(0.5) ? 'skew' : 'jump';
    const count = 1 + context.rng.int(context.nodeCount);
    const targets = shuffledNodes(context.nodeCount, context.rng).slice(0, count).sort((a, b) => a - b);
    const offsets: Record<string, number> = {};
    for (const node of targets) {
      const sign = context.rng.chance(0.5) ? 1 : -1;
      const magnitudeMs = mode === 'skew' ? 1 + context.rng.int(this.skewMsMax) : JUMP_MS_MIN + context.rng.int(this.jumpMsMax - JUMP_MS_MIN);
      const offsetMs = sign * magnitudeMs;
      await clocks.setOffsetMs(node, offsetMs);
      this.moved.add(node);
      offsets[nodeName(node)] = offsetMs;
    }
    return { targets, detail: { mode, via: clocks.via, offsetsMs: offsets } };
  }

  async stop(context: NemesisContext): Promise<NemesisEffect> {
    const clocks = context.clocks;
    const reset = [...this.moved].sort((a, b) => a - b);
    if (clocks !== null) for (const node of reset) await clocks.setOffsetMs(node, 0);
    this.moved.clear();
    return { targets: reset, detail: null };
  }

  async heal(context: NemesisContext): Promise<void> {
    this.moved.clear();
    await context.clocks?.resetAll();
  }
}
