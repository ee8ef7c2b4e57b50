import type { SeededRng } from '../../raft/index.js';
import { faultPointNames, type FaultPointName, type FaultPoints } from '../../cluster/ports/fault-points.js';

/** The points that end a process. */
const crashPoints: ReadonlySet<FaultPointName> = new Set<FaultPointName>(['loop.crashBeforeCommit', 'loop.crashAfterCommit', 'loop.crashMidSend', 'loop.crashMidFinish', 'storage.commitFails']);

export type FaultPointRates = Readonly<Record<FaultPointName, number>>;

/** Every fault point at rate 0. */
export const noFaultPointRates: FaultPointRates = Object.freeze(Object.fromEntries(faultPointNames.map((n) => [n, 0])) as Record<FaultPointName, number>);

/**
 * The simulator's fault points (BUGGIFY): each named point fires with its seed's probability,
 * drawn from the run's seeded random stream, and every firing is counted — a run reports which
 * points fired, and the smoke test fails if one never fires across its seeds.
 */
export class SimFaultPoints implements FaultPoints {
  readonly enabled = true;
  readonly fired = new Map<FaultPointName, number>();
  /** Off while the world heals: the liveness phase runs without injected faults. */
  active = true;
  /** While a failover probe runs, no injected fault may kill a process (it needs its quorum). */
  crashesSuspended = false;

  constructor(
    private readonly rng: SeededRng,
    private readonly rates: FaultPointRates,
  ) {}

  fire(point: FaultPointName): boolean {
    if (!this.active) return false;
    if (this.crashesSuspended && crashPoints.has(point)) return false;
    const rate = this.rates[point];
    if (rate <= 0 || !this.rng.chance(rate)) return false;
    this.fired.set(point, (this.fired.get(point) ?? 0) + 1);
    return true;
  }

  delayMs(_point: FaultPointName, maxMs: number): number {
    return this.rng.float() * maxMs;
  }
}

/**
 * Fault points for directed scenarios: none fires by chance; `arm(point, when)` fires `point` once,
 * at its first call while `when()` holds — "crash the loop right after the batch that applied this
 * replica's removal" rather than "crash somewhere, sometime".
 */
export class ArmedFaultPoints extends SimFaultPoints {
  private readonly armed = new Map<FaultPointName, () => boolean>();

  constructor(rng: SeededRng) {
    super(rng, noFaultPointRates);
  }

  arm(point: FaultPointName, when: () => boolean): void {
    this.armed.set(point, when);
  }

  override fire(point: FaultPointName): boolean {
    const when = this.armed.get(point);
    if (when === undefined || !when()) return false;
    this.armed.delete(point);
    this.fired.set(point, (this.fired.get(point) ?? 0) + 1);
    return true;
  }
}
