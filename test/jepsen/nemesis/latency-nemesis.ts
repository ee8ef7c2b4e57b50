/**
 * latency: slow down every link to and from a random node (or, half the time, a random third of
 * all links) by a random 20–`latencyMsMax` ms each way; stop removes it.
 */
import { allLinks, linkName, type DirectedLink } from '../directed-link.js';
import { shuffledNodes } from '../partitions.js';
import type { Nemesis, NemesisContext, NemesisEffect } from './nemesis.js';

export class LatencyNemesis implements Nemesis {
  readonly name = 'latency';
  readonly kind = 'fault';

  constructor(private readonly latencyMsMax = 300) {}

  async start(context: NemesisContext): Promise<NemesisEffect> {
    const latencyMs = 20 + context.rng.int(Math.max(1, this.latencyMsMax - 20));
    let links: DirectedLink[];
    if (context.rng.chance(0.5)) {
      const node = context.rng.int(context.nodeCount);
      links = allLinks(context.nodeCount).filter((l) => l.from === node || l.to === node);
    } else {
      const every = allLinks(context.nodeCount);
      const order = shuffledNodes(every.length, context.rng);
      links = order.slice(0, Math.max(1, Math.ceil(every.length / 3))).map((i) => every[i]!);
    }
    await context.network.delay(this.name, links, latencyMs);
    const targets = [...new Set(links.flatMap((l) => [l.from, l.to]))].sort((a, b) => a - b);
    return { targets, detail: { latencyMs, links: links.map(linkName) } };
  }

  async stop(context: NemesisContext): Promise<NemesisEffect> {
    await context.network.release(this.name);
    return { targets: [], detail: null };
  }

  async heal(context: NemesisContext): Promise<void> {
    await context.network.release(this.name);
  }
}
