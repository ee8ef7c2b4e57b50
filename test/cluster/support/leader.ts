import type { LocalCluster } from './local-cluster.js';

interface LocateAnswer {
  ranges: { rangeId: string; leaderStoreId: string }[];
}

/** The store leading the range that holds `key`, as some running node sees it (0 if none known). */
export async function leaderOf(cluster: LocalCluster, key: string): Promise<number> {
  for (const [id] of cluster.members) {
    if (!cluster.isRunning(id)) continue;
    try {
      const r = await cluster.client(id).call<LocateAnswer>('Locate', { key: Buffer.from(key), limit: 1 }, 1000);
      const leader = Number(r.ranges[0]?.leaderStoreId ?? '0');
      if (leader !== 0 && cluster.isRunning(leader)) return leader;
    } catch {
      // try the next node
    }
  }
  return 0;
}
