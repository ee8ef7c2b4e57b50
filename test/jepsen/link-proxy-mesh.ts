/**
 * One LinkProxy per directed link of the cluster: node i reaches node j's peer port only through
 * P(i→j). The mesh is what the partition nemeses drive.
 *
 * Faults are held per owner (a nemesis name, "heal", a test): the mode in force on a link is the
 * strongest any owner asks for (reset > blackhole > pass) and its latency the largest, so two
 * nemeses can overlap without one's heal undoing the other's fault.
 */
import { allLinks, linkKey, linkName, type DirectedLink } from './directed-link.js';
import { LinkProxy, type BlackholeHealPolicy, type LinkMode, type LinkProxyStats } from './link-proxy.js';

export type BlockMode = Exclude<LinkMode, 'pass'>;

export interface LinkProxyMeshOptions {
  readonly host?: string;
  /** peerPorts[j]: where node j listens for its peers. */
  readonly peerPorts: readonly number[];
  readonly blackholeHeal?: BlackholeHealPolicy;
}

interface OwnerFaults {
  readonly blocked: ReadonlyMap<string, BlockMode>;
  readonly latencyMs: ReadonlyMap<string, number>;
}

const MODE_STRENGTH: Readonly<Record<LinkMode, number>> = { pass: 0, blackhole: 1, reset: 2 };

export class LinkProxyMesh {
  private readonly owners = new Map<string, OwnerFaults>();
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly nodeCount: number,
    private readonly proxies: ReadonlyMap<string, LinkProxy>,
  ) {}

  static async start(options: LinkProxyMeshOptions): Promise<LinkProxyMesh> {
    const host = options.host ?? '127.0.0.1';
    const nodeCount = options.peerPorts.length;
    const proxies = new Map<string, LinkProxy>();
    try {
      for (const link of allLinks(nodeCount)) {
        const proxy = await LinkProxy.start({
          name: linkName(link),
          targetHost: host,
          targetPort: options.peerPorts[link.to]!,
          listenHost: host,
          ...(options.blackholeHeal === undefined ? {} : { blackholeHeal: options.blackholeHeal }),
        });
        proxies.set(linkKey(link.from, link.to), proxy);
      }
    } catch (error: unknown) {
      await Promise.all([...proxies.values()].map((p) => p.close()));
      throw error;
    }
    return new LinkProxyMesh(nodeCount, proxies);
  }

  /** "host:port" node `from` must dial to reach node `to`. */
  peerAddress(from: number, to: number): string {
    return this.proxy(from, to).address;
  }

  /** For node `from`: the address of every peer j (its proxy P(from→j)), null at its own index. */
  peerAddressesOf(from: number): (string | null)[] {
    return Array.from({ length: this.nodeCount }, (_, to) => (to === from ? null : this.peerAddress(from, to)));
  }

  /** Replaces `owner`'s blocked links. */
  block(owner: string, links: readonly DirectedLink[], mode: BlockMode): Promise<void> {
    const current = this.owners.get(owner);
    const blocked = new Map<string, BlockMode>();
    for (const link of links) {
      this.proxy(link.from, link.to);
      blocked.set(linkKey(link.from, link.to), mode);
    }
    this.owners.set(owner, { blocked, latencyMs: current?.latencyMs ?? new Map() });
    return this.apply();
  }

  /** Replaces `owner`'s added latencies. */
  delay(owner: string, links: readonly DirectedLink[], latencyMs: number): Promise<void> {
    const current = this.owners.get(owner);
    const latency = new Map<string, number>();
    for (const link of links) {
      this.proxy(link.from, link.to);
      latency.set(linkKey(link.from, link.to), latencyMs);
    }
    this.owners.set(owner, { blocked: current?.blocked ?? new Map(), latencyMs: latency });
    return this.apply();
  }

  /** Drops every fault `owner` holds. */
  release(owner: string): Promise<void> {
    this.owners.delete(owner);
    return this.apply();
  }

  /** Drops every fault of every owner. */
  healAll(): Promise<void> {
    this.owners.clear();
    return this.apply();
  }

  /** The links currently not in pass mode, with their mode. */
  blockedLinks(): { readonly link: DirectedLink; readonly mode: BlockMode }[] {
    const result: { link: DirectedLink; mode: BlockMode }[] = [];
    for (const link of allLinks(this.nodeCount)) {
      const mode = this.proxy(link.from, link.to).mode;
      if (mode !== 'pass') result.push({ link, mode });
    }
    return result;
  }

  stats(from: number, to: number): LinkProxyStats {
    return this.proxy(from, to).stats();
  }

  async close(): Promise<void> {
    await this.chain;
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
  }

  private proxy(from: number, to: number): LinkProxy {
    const proxy = this.proxies.get(linkKey(from, to));
    if (proxy === undefined) throw new RangeError(`no link n${from + 1}->n${to + 1} in a mesh of ${this.nodeCount} nodes`);
    return proxy;
  }

  private apply(): Promise<void> {
    const next = this.chain.then(async () => {
      const changes: Promise<void>[] = [];
      for (const [key, proxy] of this.proxies) {
        let mode: LinkMode = 'pass';
        let latencyMs = 0;
        for (const faults of this.owners.values()) {
          const blocked = faults.blocked.get(key);
          if (blocked !== undefined && MODE_STRENGTH[blocked] > MODE_STRENGTH[mode]) mode = blocked;
          latencyMs = Math.max(latencyMs, faults.latencyMs.get(key) ?? 0);
        }
        proxy.setLatencyMs(latencyMs);
        if (proxy.mode !== mode) changes.push(proxy.setMode(mode));
      }
      await Promise.all(changes);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}
