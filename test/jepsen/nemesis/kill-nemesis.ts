/**
 * kill: kill -9 some nodes (one, a minority, a majority, all, or a range leader), and on stop start
 * them again with the same command line. Nodes already down are left alone.
 */
import { nodeName } from '../directed-link.js';
import { chooseTargets, TARGET_SPECS, type TargetSpec } from './targets.js';
import type { Nemesis, NemesisContext, NemesisEffect } from './nemesis.js';

export class KillNemesis implements Nemesis {
  readonly name = 'kill';
  readonly kind = 'fault';
  private readonly killed = new Set<number>();

  constructor(private readonly targetSpecs: readonly TargetSpec[] = TARGET_SPECS) {}

  async start(context: NemesisContext): Promise<NemesisEffect> {
    const chosen = await chooseTargets(context, this.targetSpecs);
    const targets = chosen.nodes.filter((node) => context.processes.state(node) === 'running' || context.processes.state(node) === 'paused');
    for (const node of targets) {
      await context.processes.kill(node);
      this.killed.add(node);
    }
    return { targets, detail: { target: chosen.spec, ...(chosen.key === undefined ? {} : { key: chosen.key }), skipped: chosen.nodes.filter((n) => !targets.includes(n)).map(nodeName) } };
  }

  async stop(context: NemesisContext): Promise<NemesisEffect> {
    const restarted: number[] = [];
    for (const node of [...this.killed].sort((a, b) => a - b)) {
      const state = context.processes.state(node);
      if (state !== 'running' && state !== 'paused') {
        await context.processes.restart(node);
        restarted.push(node);
      }
      this.killed.delete(node);
    }
    return { targets: restarted, detail: null };
  }

  async heal(context: NemesisContext): Promise<void> {
    await this.stop(context);
  }
}
