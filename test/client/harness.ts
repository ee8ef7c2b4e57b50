import { afterEach } from 'vitest';
import { RangekvClient, type RangekvClientOptions } from '../../client/index.js';
import { SeededRng } from '../../raft/rng.js';
import { FakeKvCluster, type FakeRangeSpec } from '../cluster/fakes/fake-kv-cluster.js';

/** Two ranges over three stores: [ "", "m" ) led by store 1, [ "m", +∞ ) led by store 2. */
export const twoRanges: readonly FakeRangeSpec[] = [
  { id: 1, start: '', end: 'm', stores: [1, 2, 3], leader: 1 },
  { id: 2, start: 'm', end: '', stores: [1, 2, 3], leader: 2 },
];

/** Short timeouts and backoffs so failure paths take milliseconds, with a fixed seed. */
export const fastOptions: Omit<RangekvClientOptions, 'addresses'> = {
  timeoutMs: 2_000,
  attemptTimeoutMs: 500,
  connectTimeoutMs: 300,
  retry: { backoffInitialMs: 5, backoffMaxMs: 40 },
  rng: new SeededRng(1),
};

/**
 * Starts fake clusters and clients for one test file and stops them all after each test.
 */
export function useFakes(): {
  cluster(opts?: { stores?: number; ranges?: readonly FakeRangeSpec[] }): Promise<FakeKvCluster>;
  client(c: FakeKvCluster, opts?: Partial<RangekvClientOptions>): Promise<RangekvClient>;
} {
  const clusters: FakeKvCluster[] = [];
  const clients: RangekvClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(clusters.splice(0).map((c) => c.stop()));
  });
  return {
    async cluster(opts = {}) {
      const c = await FakeKvCluster.start({ stores: opts.stores ?? 3, ranges: opts.ranges ?? twoRanges });
      clusters.push(c);
      return c;
    },
    async client(c, opts = {}) {
      const client = await RangekvClient.connect({ ...fastOptions, rng: new SeededRng(1), addresses: c.addresses, ...opts });
      clients.push(client);
      return client;
    },
  };
}

export const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('latin1'));

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}
