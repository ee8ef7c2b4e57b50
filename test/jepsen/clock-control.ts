/**
 * How the clock nemesis moves a node's wall clock: by rewriting its libfaketime control file, or
 * through a hook the node implementation exposes (ClusterDriver.setClockOffsetMs). Offsets are
 * absolute (relative to the real clock), so resetting is setting 0.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { nodeName } from './directed-link.js';
import { writeFaketimeOffset } from './faketime.js';

export type ClockVia = 'faketime' | 'hook';

export interface ClockControl {
  readonly via: ClockVia;
  setOffsetMs(node: number, offsetMs: number): Promise<void>;
  offsetMs(node: number): number;
  /** Every node back to offset 0. */
  resetAll(): Promise<void>;
}

abstract class OffsetTable {
  private readonly offsets: number[];

  constructor(nodeCount: number) {
    this.offsets = new Array<number>(nodeCount).fill(0);
  }

  offsetMs(node: number): number {
    const offset = this.offsets[node];
    if (offset === undefined) throw new RangeError(`no node ${node}`);
    return offset;
  }

  protected remember(node: number, offsetMs: number): void {
    this.offsetMs(node);
    this.offsets[node] = offsetMs;
  }

  protected get nodeCount(): number {
    return this.offsets.length;
  }
}

/** One control file per node; the file outlives restarts, like a machine's clock. */
export class FaketimeClockControl extends OffsetTable implements ClockControl {
  readonly via = 'faketime';
  readonly controlFiles: readonly string[];

  constructor(nodeCount: number, directory: string) {
    super(nodeCount);
    mkdirSync(directory, { recursive: true });
    this.controlFiles = Array.from({ length: nodeCount }, (_, i) => join(directory, `${nodeName(i)}.faketime`));
    for (const file of this.controlFiles) writeFaketimeOffset(file, 0);
  }

  setOffsetMs(node: number, offsetMs: number): Promise<void> {
    this.remember(node, offsetMs);
    writeFaketimeOffset(this.controlFiles[node]!, offsetMs);
    return Promise.resolve();
  }

  async resetAll(): Promise<void> {
    for (let node = 0; node < this.nodeCount; node++) await this.setOffsetMs(node, 0);
  }
}

/** Calls the node implementation's own clock-offset hook. */
export class HookClockControl extends OffsetTable implements ClockControl {
  readonly via = 'hook';

  constructor(
    nodeCount: number,
    private readonly hook: (node: number, offsetMs: number) => Promise<void>,
  ) {
    super(nodeCount);
  }

  async setOffsetMs(node: number, offsetMs: number): Promise<void> {
    await this.hook(node, offsetMs);
    this.remember(node, offsetMs);
  }

  async resetAll(): Promise<void> {
    const failures: unknown[] = [];
    for (let node = 0; node < this.nodeCount; node++) {
      if (this.offsetMs(node) === 0) continue;
      try {
        await this.setOffsetMs(node, 0);
      } catch (error: unknown) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}
