import type { PutResponse__Output } from '../../proto/generated/rangekv/v1/PutResponse.js';
import { storeId } from '../../proto/range-descriptor.js';
import type { FaultSwitches } from '../../cluster/config/node-options.js';
import { DirectedCluster } from './directed-harness.js';

export interface FailoverOptions {
  readonly seed: number;
  readonly crashes: number;
  /** Idle: nothing is written for several election timeouts before the kill (the groups quiesce). */
  readonly idle: boolean;
  readonly switches?: FaultSwitches;
  /** Give up on one failover after this many election timeouts (it then counts as that long). */
  readonly giveUpElectionTimeouts?: number;
  /** Prints the nodes' debug logs of this one crash (0-based), to see why it was slow. */
  readonly traceCrash?: number;
}

export interface FailoverStats {
  readonly crashes: number;
  readonly electionTimeoutMs: number;
  /** Kill → first acknowledged write, per crash (ms of virtual time). */
  readonly samplesMs: readonly number[];
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly gaveUp: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Failover, measured in the whole-cluster simulator: three stores, one range; `crashes` times, the
 * leader is killed (kill -9: it loses nothing committed) — after an idle period that quiesced the
 * group, or while a writer keeps it busy — and writes are tried through the survivors every 10 ms
 * until one is acknowledged. The time from the kill to that write is one sample. The old leader
 * is then restarted and the cluster settles before the next kill.
 */
export async function measureFailover(o: FailoverOptions): Promise<FailoverStats> {
  let tracing = false;
  const c = new DirectedCluster({
    seed: o.seed,
    switches: o.switches ?? {},
    link: { delayMsMin: 0.2, delayMsMax: 2 },
    ...(o.traceCrash !== undefined ? { logLevel: 'debug' as const, logSink: (l: { atMs: number; storeId: number; text: string }) => tracing && process.stdout.write(`${l.atMs.toFixed(1)} s${l.storeId} ${l.text}\n`) } : {}),
  });
  const electionTimeoutMs = 100 * 10;
  const giveUpMs = (o.giveUpElectionTimeouts ?? 10) * electionTimeoutMs;
  const samples: number[] = [];
  let gaveUp = 0;
  let busyWrites = 0;
  let busy = false;
  const writer = (): void => {
    if (!busy) return;
    const via = storeId(c.world.storeIds[busyWrites++ % c.world.storeIds.length]!);
    void c.world
      .callStore<PutResponse__Output>({ id: c.client.id, owner: c.client }, via, 'kv', 'Put', { key: Buffer.from('busy'), value: Buffer.from(String(busyWrites)) }, c.scheduler.nowMs + 300)
      .catch(() => undefined);
    c.scheduler.after(20, null, writer);
  };
  try {
    await c.until(() => c.leaderOf() !== undefined, 10_000);
    for (let i = 0; i < o.crashes; i++) {
      // Settle: a leader, every store up and caught up, then idle (quiesce) or busy.
      await c.until(() => c.leaderOf() !== undefined && c.nodes().length === 3, 20_000);
      await c.put(c.leaderOf()!, `k${i}`, 'v', {}, 2_000);
      if (o.idle) {
        busy = false;
        const quietMs = (3 + c.world.rng.float() * 3) * electionTimeoutMs;
        await c.run(quietMs);
      } else {
        busy = true;
        writer();
        await c.run((1 + c.world.rng.float()) * electionTimeoutMs);
      }
      const leader = c.leaderOf();
      if (leader === undefined) continue;
      tracing = o.traceCrash === i;
      if (tracing) process.stdout.write(`${c.scheduler.nowMs.toFixed(1)} kill leader store ${leader}\n`);
      c.world.crash(leader);
      const killedAt = c.scheduler.nowMs;
      const survivors = c.world.storeIds.filter((s) => s !== leader);
      let acked: number | undefined;
      let attempt = 0;
      const probe = (): void => {
        if (acked !== undefined || c.scheduler.nowMs - killedAt > giveUpMs) return;
        const via = storeId(survivors[attempt++ % survivors.length]!);
        void c.world
          .callStore<PutResponse__Output>({ id: c.client.id, owner: c.client }, via, 'kv', 'Put', { key: Buffer.from(`probe${i}`), value: Buffer.from('1') }, c.scheduler.nowMs + 300)
          .then(
            () => (acked ??= c.scheduler.nowMs),
            () => undefined,
          );
        c.scheduler.after(10, null, probe);
      };
      probe();
      await c.until(() => acked !== undefined, giveUpMs + 500);
      busy = false;
      if (acked === undefined) {
        gaveUp++;
        samples.push(giveUpMs);
      } else samples.push(acked - killedAt);
      c.world.start(leader);
      await c.run(2 * electionTimeoutMs);
      tracing = false;
    }
    const problems = c.problems();
    if (problems.length > 0) throw new Error(`failover run broke an invariant: ${problems.slice(0, 3).join('; ')}`);
  } finally {
    c.close();
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { crashes: samples.length, electionTimeoutMs, samplesMs: samples, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? 0, gaveUp };
}
