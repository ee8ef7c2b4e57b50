/**
 * The nemeses by --nemesis name, what each needs from the run, and how to build them.
 *
 *   kill                     kill -9 + restart (one, minority, majority, all, or a range leader)
 *   pause                    SIGSTOP + SIGCONT (one, minority, majority, or a range leader)
 *   partition                a random shape each time, from the list below
 *   partition-<shape>        one shape: majority-minority, isolated-node, isolated-leader, bridge,
 *                            ring, random-halves, one-way
 *   latency                  added delay on some links
 *   clock                    wall-clock skews and jumps (libfaketime, or the driver's hook)
 *   leader-transfer          move a range's leadership (driver: transferLeader)
 *   membership               move/remove a range replica and back (driver: changeMembership)
 */
import type { ClusterDriver } from '../cluster-driver.js';
import { PARTITION_SHAPES, type PartitionShape } from '../partitions.js';
import { ClockNemesis, type ClockNemesisOptions } from './clock-nemesis.js';
import { KillNemesis } from './kill-nemesis.js';
import { LatencyNemesis } from './latency-nemesis.js';
import { LeaderTransferNemesis } from './leader-transfer-nemesis.js';
import { MembershipNemesis } from './membership-nemesis.js';
import { NemesisError, type Nemesis } from './nemesis.js';
import { PartitionNemesis, type PartitionModePolicy } from './partition-nemesis.js';
import { PauseNemesis } from './pause-nemesis.js';

export const NEMESIS_NAMES: readonly string[] = [
  'kill',
  'pause',
  'partition',
  ...PARTITION_SHAPES.map((shape) => `partition-${shape}`),
  'latency',
  'clock',
  'leader-transfer',
  'membership',
];

export interface NemesisBuildOptions {
  readonly partitionMode: PartitionModePolicy;
  readonly clock?: ClockNemesisOptions;
}

/** "kill,partition" → ["kill", "partition"]; "none" or "" → []. Throws on unknown or repeated names. */
export function parseNemesisList(text: string): string[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0 && s !== 'none');
  for (const name of names) {
    if (!NEMESIS_NAMES.includes(name)) {
      throw new NemesisError('UNKNOWN_NEMESIS', `unknown nemesis "${name}" (known: ${NEMESIS_NAMES.join(', ')}, or none)`);
    }
  }
  if (new Set(names).size !== names.length) throw new NemesisError('UNKNOWN_NEMESIS', `a nemesis is listed twice in "${text}"`);
  return names;
}

/** Why `name` cannot run against this driver, or null. */
export function nemesisUnsupportedReason(name: string, driver: Pick<ClusterDriver, 'name' | 'transferLeader' | 'changeMembership' | 'setClockOffsetMs'>, clockVia: 'faketime' | 'hook'): string | null {
  switch (name) {
    case 'leader-transfer':
      return driver.transferLeader === undefined ? `the ${driver.name} cluster driver does not implement transferLeader` : null;
    case 'membership':
      return driver.changeMembership === undefined ? `the ${driver.name} cluster driver does not implement changeMembership` : null;
    case 'clock':
      return clockVia === 'hook' && driver.setClockOffsetMs === undefined ? `--clock hook: the ${driver.name} cluster driver does not implement setClockOffsetMs` : null;
    default:
      return null;
  }
}

export function createNemesis(name: string, options: NemesisBuildOptions): Nemesis {
  if (name.startsWith('partition-')) {
    const shape = name.slice('partition-'.length);
    if (!(PARTITION_SHAPES as readonly string[]).includes(shape)) throw new NemesisError('UNKNOWN_NEMESIS', `unknown partition shape ${shape}`);
    return PartitionNemesis.of(shape as PartitionShape, options.partitionMode);
  }
  switch (name) {
    case 'kill':
      return new KillNemesis();
    case 'pause':
      return new PauseNemesis();
    case 'partition':
      return PartitionNemesis.random(options.partitionMode);
    case 'latency':
      return new LatencyNemesis();
    case 'clock':
      return new ClockNemesis(options.clock ?? {});
    case 'leader-transfer':
      return new LeaderTransferNemesis();
    case 'membership':
      return new MembershipNemesis();
    default:
      throw new NemesisError('UNKNOWN_NEMESIS', `unknown nemesis "${name}"`);
  }
}
