/**
 * partition: cut the network in one of the shapes of partitions.ts (a fixed one, or a random one
 * each time), by blackholing the blocked links (silence) or resetting them (refused connections),
 * and heal on stop. `mixed` picks blackhole three times out of four.
 */
import { linkName } from '../directed-link.js';
import { makePartition, minimumNodeCount, PARTITION_SHAPES, type PartitionShape } from '../partitions.js';
import type { BlockMode } from '../link-proxy-mesh.js';
import type { Nemesis, NemesisContext, NemesisEffect } from './nemesis.js';

export type PartitionModePolicy = BlockMode | 'mixed';

export class PartitionNemesis implements Nemesis {
  readonly kind = 'fault';

  constructor(
    readonly name: string,
    private readonly shapes: readonly PartitionShape[],
    private readonly modePolicy: PartitionModePolicy,
  ) {
    if (shapes.length === 0) throw new RangeError('partition nemesis needs at least one shape');
  }

  static random(modePolicy: PartitionModePolicy): PartitionNemesis {
    return new PartitionNemesis('partition', PARTITION_SHAPES, modePolicy);
  }

  static of(shape: PartitionShape, modePolicy: PartitionModePolicy): PartitionNemesis {
    return new PartitionNemesis(`partition-${shape}`, [shape], modePolicy);
  }

  async start(context: NemesisContext): Promise<NemesisEffect> {
    const usable = this.shapes.filter((s) => context.nodeCount >= minimumNodeCount(s));
    const shape = context.rng.pick(usable.length > 0 ? usable : this.shapes);
    let leader: number | null = null;
    let key: string | null = null;
    if (shape === 'isolated-leader' && context.cluster.leaderOf !== undefined) {
      key = context.sampleKey();
      leader = await context.cluster.leaderOf(key, context.callOptions());
    }
    const partition = makePartition(shape, context.nodeCount, context.rng, leader);
    const mode: BlockMode = this.modePolicy === 'mixed' ? (context.rng.chance(0.75) ? 'blackhole' : 'reset') : this.modePolicy;
    await context.network.block(this.name, partition.blocked, mode);
    const targets = [...new Set(partition.blocked.flatMap((l) => [l.from, l.to]))].sort((a, b) => a - b);
    return {
      targets,
      detail: {
        shape,
        mode,
        groups: partition.description,
        blocked: partition.blocked.map(linkName),
        ...(key === null ? {} : { key, leader }),
      },
    };
  }

  async stop(context: NemesisContext): Promise<NemesisEffect> {
    await context.network.release(this.name);
    return { targets: [], detail: null };
  }

  async heal(context: NemesisContext): Promise<void> {
    await context.network.release(this.name);
  }
}
