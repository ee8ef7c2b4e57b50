/**
 * pause: SIGSTOP some nodes (one, a minority, a majority, or a range leader) — alive, sockets open,
 * running no code: a long GC pause or a frozen VM — and SIGCONT them on stop.
 */
import { chooseTargets, type TargetSpec } from './targets.js';
import type { Nemesis, NemesisContext, NemesisEffect } from './nemesis.js';

const PAUSE_TARGETS: readonly TargetSpec[] = ['one', 'minority', 'majority', 'leader'];

export class PauseNemesis implements Nemesis {
  readonly name = 'pause';
  readonly kind = 'fault';
  private readonly paused = new Set<number>();

  constructor(private readonly targetSpecs: readonly TargetSpec[] = PAUSE_TARGETS) {}

  async start(context: NemesisContext): Promise<NemesisEffect> {
    const chosen = await chooseTargets(context, this.targetSpecs);
    const targets = chosen.nodes.filter((node) => context.processes.state(node) === 'running');
    for (const node of targets) {
      context.processes.pause(node);
      this.paused.add(node);
    }
    return { targets, detail: { target: chosen.spec, ...(chosen.key === undefined ? {} : { key: chosen.key }) } };
  }

  stop(context: NemesisContext): Promise<NemesisEffect> {
    const resumed: number[] = [];
    for (const node of [...this.paused].sort((a, b) => a - b)) {
      // A node killed while paused (by the kill nemesis) is not paused any more.
      if (context.processes.state(node) === 'paused') {
        context.processes.resume(node);
        resumed.push(node);
      }
      this.paused.delete(node);
    }
    return Promise.resolve({ targets: resumed, detail: null });
  }

  async heal(context: NemesisContext): Promise<void> {
    await this.stop(context);
  }
}
