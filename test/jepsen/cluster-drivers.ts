/**
 * The cluster drivers by --cluster name. The real node's driver ("rangekv") is added here when the
 * node exists; until then "fake" runs the harness end to end against fake-kv-server.ts.
 */
import type { ClusterDriverFactory } from './cluster-driver.js';
import { createFakeClusterDriver } from './fake/fake-cluster-driver.js';
import { createRangekvClusterDriver } from './rangekv/rangekv-driver.js';

export const CLUSTER_DRIVERS: Readonly<Record<string, ClusterDriverFactory>> = {
  rangekv: createRangekvClusterDriver,
  fake: createFakeClusterDriver,
};

export function clusterDriverNames(): string[] {
  return Object.keys(CLUSTER_DRIVERS);
}
