/**
 * The client's source of randomness (retry jitter, replica choice). Structurally the same as the
 * raft core's `Rng`, so a test may pass a seeded one; the client never imports the core.
 */
export interface Rng {
  /** A uniformly distributed integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
}

/** The default: Math.random (jitter needs no cryptographic quality, and no seed to reproduce). */
export const mathRandomRng: Rng = { int: (maxExclusive) => Math.floor(Math.random() * maxExclusive) };
