/**
 * Each nemesis against stub processes, network, clocks and cluster callbacks; the scheduler's
 * start/stop alternation, error handling, heal and seeded determinism; the registry.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../raft/rng.js';
import type { ClockControl } from '../clock-control.js';
import type { MembershipChange } from '../cluster-driver.js';
import type { DirectedLink } from '../directed-link.js';
import type { BlockMode } from '../link-proxy-mesh.js';
import { ProcessMonotonicClock } from '../monotonic-clock.js';
import type { ProcessState } from '../process-supervisor.js';
import { ClockNemesis } from './clock-nemesis.js';
import { KillNemesis } from './kill-nemesis.js';
import { LatencyNemesis } from './latency-nemesis.js';
import { LeaderTransferNemesis } from './leader-transfer-nemesis.js';
import { MembershipNemesis } from './membership-nemesis.js';
import { NemesisLog, type NemesisEvent } from './nemesis-log.js';
import { createNemesis, NEMESIS_NAMES, nemesisUnsupportedReason, parseNemesisList } from './nemesis-registry.js';
import { NemesisScheduler } from './nemesis-scheduler.js';
import { NemesisError, type Nemesis, type NemesisCluster, type NemesisContext, type NemesisEffect } from './nemesis.js';
import { PartitionNemesis } from './partition-nemesis.js';
import { PauseNemesis } from './pause-nemesis.js';

class Stubs {
  readonly states: ProcessState[];
  readonly calls: string[] = [];
  readonly blocked = new Map<string, { links: readonly DirectedLink[]; mode: BlockMode }>();
  readonly delayed = new Map<string, number>();
  readonly offsets: number[];
  readonly changes: MembershipChange[] = [];
  readonly transfers: [string, number][] = [];

  constructor(readonly nodeCount: number) {
    this.states = new Array<ProcessState>(nodeCount).fill('running');
    this.offsets = new Array<number>(nodeCount).fill(0);
  }

  context(seed: number, cluster: NemesisCluster = this.cluster(), clocks: ClockControl | null = this.clocks()): NemesisContext {
    return {
      nodeCount: this.nodeCount,
      rng: new SeededRng(seed),
      processes: {
        state: (node) => this.states[node]!,
        kill: (node) => {
          this.calls.push(`kill ${node}`);
          this.states[node] = 'exited';
          return Promise.resolve();
        },
        restart: (node) => {
          this.calls.push(`restart ${node}`);
          this.states[node] = 'running';
          return Promise.resolve();
        },
        pause: (node) => {
          this.calls.push(`pause ${node}`);
          this.states[node] = 'paused';
        },
        resume: (node) => {
          this.calls.push(`resume ${node}`);
          this.states[node] = 'running';
        },
      },
      network: {
        block: (owner, links, mode) => {
          this.blocked.set(owner, { links, mode });
          return Promise.resolve();
        },
        delay: (owner, _links, latencyMs) => {
          this.delayed.set(owner, latencyMs);
          return Promise.resolve();
        },
        release: (owner) => {
          this.blocked.delete(owner);
          this.delayed.delete(owner);
          return Promise.resolve();
        },
      },
      clocks,
      cluster,
      sampleKey: () => 'k1',
      callOptions: () => ({ timeoutMs: 1000, signal: new AbortController().signal }),
    };
  }

  cluster(): NemesisCluster {
    return {
      leaderOf: () => Promise.resolve(2),
      replicasOf: () => Promise.resolve([0, 1, 2]),
      transferLeader: (key, to) => {
        this.transfers.push([key, to]);
        return Promise.resolve();
      },
      changeMembership: (change) => {
        this.changes.push(change);
        return Promise.resolve();
      },
    };
  }

  clocks(): ClockControl {
    return {
      via: 'hook',
      setOffsetMs: (node, ms) => {
        this.offsets[node] = ms;
        return Promise.resolve();
      },
      offsetMs: (node) => this.offsets[node]!,
      resetAll: () => {
        this.offsets.fill(0);
        return Promise.resolve();
      },
    };
  }
}

describe('process nemeses', () => {
  it('kill: kills the chosen nodes, restarts exactly those on stop; "leader" aims at leaderOf', async () => {
    const stubs = new Stubs(5);
    const context = stubs.context(1);
    const kill = new KillNemesis(['leader']);
    const effect = await kill.start(context);
    expect(effect.targets).toEqual([2]);
    expect(effect.detail).toMatchObject({ target: 'leader', key: 'k1' });
    expect(stubs.states[2]).toBe('exited');
    expect(await kill.stop(context)).toMatchObject({ targets: [2] });
    expect(stubs.calls).toEqual(['kill 2', 'restart 2']);
    await kill.heal(context);
    expect(stubs.calls).toHaveLength(2);
  });

  it('kill: targets only nodes that are up, and a minority of 5 is 2', async () => {
    const stubs = new Stubs(5);
    stubs.states[0] = 'exited';
    const kill = new KillNemesis(['all']);
    const effect = await kill.start(stubs.context(2));
    expect([...effect.targets].sort()).toEqual([1, 2, 3, 4]);
    const minority = await new KillNemesis(['minority']).start(new Stubs(5).context(3));
    expect(minority.targets).toHaveLength(2);
  });

  it('pause: SIGSTOPs running nodes, and on stop resumes only those still paused (one was killed meanwhile)', async () => {
    const stubs = new Stubs(5);
    const context = stubs.context(4);
    const pause = new PauseNemesis(['majority']);
    const effect = await pause.start(context);
    expect(effect.targets).toHaveLength(3);
    const [first, ...rest] = effect.targets;
    stubs.states[first!] = 'exited';
    const stopped = await pause.stop(context);
    expect([...stopped.targets].sort()).toEqual([...rest].sort());
    expect(stubs.states.filter((s) => s === 'paused')).toEqual([]);
  });
});

describe('network nemeses', () => {
  it('partition: blocks the shape’s links under its own name and releases them on stop', async () => {
    const stubs = new Stubs(5);
    const context = stubs.context(5);
    const partition = PartitionNemesis.of('isolated-leader', 'reset');
    const effect = await partition.start(context);
    const held = stubs.blocked.get('partition-isolated-leader');
    expect(held?.mode).toBe('reset');
    expect(held?.links).toHaveLength(8);
    expect(held?.links.every((l) => l.from === 2 || l.to === 2)).toBe(true);
    expect(effect.detail).toMatchObject({ shape: 'isolated-leader', leader: 2, key: 'k1' });
    await partition.stop(context);
    expect(stubs.blocked.size).toBe(0);
  });

  it('partition (random shape, mixed mode) draws shapes and modes from the seed', async () => {
    const shapes = new Set<string>();
    const modes = new Set<string>();
    const stubs = new Stubs(5);
    const context = stubs.context(6);
    const partition = PartitionNemesis.random('mixed');
    for (let i = 0; i < 60; i++) {
      const effect = await partition.start(context);
      const detail = effect.detail as { shape: string; mode: string };
      shapes.add(detail.shape);
      modes.add(detail.mode);
      await partition.stop(context);
    }
    expect(shapes.size).toBe(7);
    expect([...modes].sort()).toEqual(['blackhole', 'reset']);
  });

  it('latency: delays some links and removes the delay on stop', async () => {
    const stubs = new Stubs(3);
    const context = stubs.context(7);
    const latency = new LatencyNemesis(100);
    const effect = await latency.start(context);
    expect(stubs.delayed.get('latency')).toBeGreaterThanOrEqual(20);
    expect((effect.detail as { links: string[] }).links.length).toBeGreaterThan(0);
    await latency.stop(context);
    expect(stubs.delayed.size).toBe(0);
  });
});

describe('clock and admin nemeses', () => {
  it('clock: moves some clocks by skews or jumps and puts them back', async () => {
    const stubs = new Stubs(5);
    const context = stubs.context(8);
    const clock = new ClockNemesis({ skewMsMax: 500, jumpMsMax: 60_000 });
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const effect = await clock.start(context);
      const detail = effect.detail as { mode: string; offsetsMs: Record<string, number> };
      seen.add(detail.mode);
      for (const node of effect.targets) {
        const offset = stubs.offsets[node]!;
        expect(offset).not.toBe(0);
        expect(Math.abs(offset)).toBeLessThanOrEqual(detail.mode === 'skew' ? 500 : 60_000);
        if (detail.mode === 'jump') expect(Math.abs(offset)).toBeGreaterThanOrEqual(10_000);
      }
      await clock.stop(context);
      expect(stubs.offsets.every((o) => o === 0)).toBe(true);
    }
    expect([...seen].sort()).toEqual(['jump', 'skew']);
    await expect(clock.start(stubs.context(8, stubs.cluster(), null))).rejects.toBeInstanceOf(NemesisError);
  });

  it('leader-transfer: hands the range of a workload key to a replica other than the leader', async () => {
    const stubs = new Stubs(5);
    const effect = await new LeaderTransferNemesis().start(stubs.context(9));
    expect(stubs.transfers).toHaveLength(1);
    const [key, to] = stubs.transfers[0]!;
    expect(key).toBe('k1');
    expect([0, 1]).toContain(to);
    expect(effect.detail).toMatchObject({ from: 2, to });
    await expect(new LeaderTransferNemesis().start(stubs.context(9, {}))).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });

  it('membership: moves a replica to a node without one, and back on stop', async () => {
    const stubs = new Stubs(5);
    const context = stubs.context(10);
    const membership = new MembershipNemesis();
    await membership.start(context);
    const [move] = stubs.changes;
    expect([3, 4]).toContain(move!.addNode);
    expect([0, 1, 2]).toContain(move!.removeNode);
    await membership.stop(context);
    expect(stubs.changes[1]).toEqual({ key: 'k1', addNode: move!.removeNode, removeNode: move!.addNode });
    await membership.heal(context);
    expect(stubs.changes).toHaveLength(2);
  });
});

describe('NemesisScheduler', () => {
  const timing = { faultMsMin: 20, faultMsMax: 40, healMsMin: 10, healMsMax: 20, actionTimeoutMs: 200 };

  async function schedule(nemeses: readonly Nemesis[], seed: number, runMs: number): Promise<readonly NemesisEvent[]> {
    const stubs = new Stubs(5);
    const clock = new ProcessMonotonicClock();
    const log = new NemesisLog(clock, () => undefined);
    const master = new SeededRng(seed);
    const scheduler = new NemesisScheduler(nemeses.map((nemesis) => ({ nemesis, context: stubs.context(master.nextUint32()) })), timing, log, clock);
    await scheduler.run(runMs * 1e6, new AbortController().signal);
    await scheduler.healAll();
    return log.events();
  }

  it('alternates start and stop per nemesis, fires one-shots, records errors and goes on, then heals', async () => {
    let attempts = 0;
    const flaky: Nemesis = {
      name: 'flaky',
      kind: 'fault',
      start: (): Promise<NemesisEffect> => (attempts++ % 2 === 0 ? Promise.reject(new Error('boom')) : Promise.resolve({ targets: [1], detail: null })),
      stop: () => Promise.resolve({ targets: [], detail: null }),
      heal: () => Promise.resolve(),
    };
    const events = await schedule([new KillNemesis(), new LeaderTransferNemesis(), flaky], 1, 400);
    const kills = events.filter((e) => e.kind === 'kill').map((e) => e.action);
    expect(kills.length).toBeGreaterThanOrEqual(4);
    expect(kills[kills.length - 1]).toBe('heal');
    const cycle = kills.slice(0, -1);
    cycle.forEach((action, i) => expect(action).toBe(i % 2 === 0 ? 'start' : 'stop'));
    expect(events.filter((e) => e.kind === 'leader-transfer' && e.action === 'once').length).toBeGreaterThan(0);
    const flakyEvents = events.filter((e) => e.kind === 'flaky');
    expect(flakyEvents.some((e) => e.action === 'error' && JSON.stringify(e.detail).includes('boom'))).toBe(true);
    expect(flakyEvents.some((e) => e.action === 'start')).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i]!.timeNs).toBeGreaterThanOrEqual(events[i - 1]!.timeNs);
    expect(events.every((e) => e.targets.every((t) => /^n[1-5]$/.test(t)))).toBe(true);
  });

  it('bounds an action that hangs and records it as an error', async () => {
    const stuck: Nemesis = { name: 'stuck', kind: 'fault', start: () => new Promise(() => undefined), stop: () => Promise.resolve({ targets: [], detail: null }), heal: () => Promise.resolve() };
    const startedMs = Date.now();
    const events = await schedule([stuck], 2, 50);
    expect(Date.now() - startedMs).toBeLessThan(2000);
    expect(events.find((e) => e.action === 'error')?.detail).toMatchObject({ action: 'start' });
  });

  it('draws the same faults from the same seed', async () => {
    const starts = async (seed: number): Promise<string[]> =>
      (await schedule([PartitionNemesis.random('mixed'), new KillNemesis()], seed, 250)).filter((e) => e.action === 'start').map((e) => `${e.kind}:${JSON.stringify(e.detail)}`);
    const [a, b] = [await starts(42), await starts(42)];
    const common = Math.min(a.length, b.length);
    expect(common).toBeGreaterThan(2);
    const byKind = (list: string[], kind: string): string[] => list.filter((s) => s.startsWith(kind)).slice(0, 2);
    expect(byKind(a, 'partition')).toEqual(byKind(b, 'partition'));
    expect(byKind(a, 'kill')).toEqual(byKind(b, 'kill'));
  });
});

describe('nemesis registry', () => {
  it('parses lists, refuses unknown or repeated names, and builds every nemesis', () => {
    expect(parseNemesisList('kill, partition-ring,clock')).toEqual(['kill', 'partition-ring', 'clock']);
    expect(parseNemesisList('none')).toEqual([]);
    expect(() => parseNemesisList('kill,nuke')).toThrow(/unknown nemesis "nuke"/);
    expect(() => parseNemesisList('kill,kill')).toThrow(/twice/);
    for (const name of NEMESIS_NAMES) expect(createNemesis(name, { partitionMode: 'blackhole' }).name).toBe(name);
  });

  it('says which nemeses a driver cannot support', () => {
    const bare = { name: 'bare' };
    expect(nemesisUnsupportedReason('leader-transfer', bare, 'faketime')).toMatch(/transferLeader/);
    expect(nemesisUnsupportedReason('membership', bare, 'faketime')).toMatch(/changeMembership/);
    expect(nemesisUnsupportedReason('clock', bare, 'hook')).toMatch(/setClockOffsetMs/);
    expect(nemesisUnsupportedReason('clock', bare, 'faketime')).toBeNull();
    expect(nemesisUnsupportedReason('kill', bare, 'faketime')).toBeNull();
  });
});
