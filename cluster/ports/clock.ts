/**
 * The node's only view of time. Production reads performance.now and Date.now (real-ports.ts); the
 * whole-cluster simulator gives every node its own drifting, jumpable clock.
 */
export interface Clock {
  /**
   * Milliseconds on a clock that never goes back and is unaffected by wall-clock changes: ticks,
   * deadlines, timeouts and leases are all measured on it. Its origin is arbitrary.
   */
  monotonicMs(): number;
  /** Milliseconds since the Unix epoch, as the host believes it: may jump either way. Only for timestamps. */
  wallMs(): number;
}
