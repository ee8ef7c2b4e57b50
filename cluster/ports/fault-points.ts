/**
 * Fault points (FoundationDB's BUGGIFY): named places in the node where the whole-cluster
 * simulator may inject a fault to push the code down a rare path. In production `enabled` is
 * false and every call site tests it first, so an inert point costs one boolean check:
 *
 *   if (this.faults.enabled && this.faults.fire('transport.dropBatch')) return;
 *
 * Every name here must fire in the simulator's smoke seeds (test/sim-cluster checks it), so a point
 * that the code no longer reaches is noticed.
 */
export const faultPointNames = [
  /** A turn's raft batch to one peer is lost after the loop handed it to the transport. */
  'transport.dropBatch',
  /** A turn's raft batch to one peer is held back and goes out after the next turn's. */
  'transport.delayBatch',
  /** The write batch is slow to commit: the loop's next turn starts late (a disk stall). */
  'loop.slowCommit',
  /** The batch's commit fails as an fsync error would: the store fences itself and the node exits. */
  'storage.commitFails',
  /** The process dies after staging a turn, before its batch commits: the whole turn is lost. */
  'loop.crashBeforeCommit',
  /** The process dies right after the batch committed, before any message of the turn is sent. */
  'loop.crashAfterCommit',
  /** The process dies after sending the turn's messages to some of its peers but not all. */
  'loop.crashMidSend',
  /** The process dies after applying and answering some of the turn's ranges but not all. */
  'loop.crashMidFinish',
  /** A snapshot's outcome is reported to raft one turn late (after traffic that came after it). */
  'snapshot.lateOutcome',
  /** A gateway's forwarded call loses its answer after the target acted on it. */
  'gateway.lostAnswer',
  /** A request's deadline timer fires late, after the request could have been answered. */
  'waiter.lateDeadline',
] as const;

export type FaultPointName = (typeof faultPointNames)[number];

export interface FaultPoints {
  /** False in production: test it before calling `fire`. */
  readonly enabled: boolean;
  /** Whether the fault fires here, now. */
  fire(point: FaultPointName): boolean;
  /** For delay faults: how long, in [0, maxMs]. */
  delayMs(point: FaultPointName, maxMs: number): number;
}

/** Production: nothing ever fires. */
export const noFaultPoints: FaultPoints = Object.freeze({
  enabled: false,
  fire: () => false,
  delayMs: () => 0,
});

/** Thrown at a crash fault point: the node's loop treats it as any other fatal error and exits. */
export class SimulatedCrash extends Error {
  readonly code = 'SIMULATED_CRASH' as const;
  constructor(readonly point: FaultPointName) {
    super(`simulated crash at ${point}`);
    this.name = 'SimulatedCrash';
  }
}
