/**
 * A directed network link between two nodes (0-based indices): traffic that `from` sends to `to`
 * on connections `from` opened. Blocking the link from→to cuts what `from` says to `to` and nothing
 * else, which is how asymmetric partitions are expressed.
 */
export interface DirectedLink {
  readonly from: number;
  readonly to: number;
}

/** "n1" for index 0: node names are 1-based, as people count them. */
export function nodeName(index: number): string {
  return `n${index + 1}`;
}

/** "n1->n2". */
export function linkName(link: DirectedLink): string {
  return `${nodeName(link.from)}->${nodeName(link.to)}`;
}

export function linkKey(from: number, to: number): string {
  return `${from}>${to}`;
}

/** Every directed link between distinct nodes of a cluster of `nodeCount`. */
export function allLinks(nodeCount: number): DirectedLink[] {
  const links: DirectedLink[] = [];
  for (let from = 0; from < nodeCount; from++) {
    for (let to = 0; to < nodeCount; to++) {
      if (from !== to) links.push({ from, to });
    }
  }
  return links;
}

/** Sorted by (from, to), duplicates removed. */
export function normalizeLinks(links: Iterable<DirectedLink>): DirectedLink[] {
  const byKey = new Map<string, DirectedLink>();
  for (const link of links) byKey.set(linkKey(link.from, link.to), { from: link.from, to: link.to });
  return [...byKey.values()].sort((a, b) => a.from - b.from || a.to - b.to);
}
