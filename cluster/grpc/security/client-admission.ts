import { isIP } from 'node:net';
import { KvError } from '../../../proto/kv-error.js';
import type { PeerIdentity } from './peer-identity.js';

/**
 * Requests one client may have in flight on a node by default: a tenth of the node's own limit,
 * but never fewer than 100 (or the node's limit, if that is smaller) — a small node limit must not
 * shrink every client to a handful of calls.
 */
export function clientInflightRequestsMaxDefault(nodeInflightRequestsMax: number): number {
  return Math.min(nodeInflightRequestsMax, Math.max(100, Math.floor(nodeInflightRequestsMax / 10)));
}

/**
 * Per-client admission: how many calls one caller has in flight on this node, across all its
 * connections, so that one client — however many connections it opens — cannot take every slot of
 * the node's in-flight limit and starve the others.
 *
 * A caller is its client certificate's name when it has one, else its IP address (plaintext, or TLS
 * without a client certificate). Node certificates are exempt: forwarded requests and peer traffic
 * are bounded by the node's own limits. Clients that share an address share its budget: on
 * plaintext (`--insecure`) that includes the nodes' forwarded requests (no certificate tells them
 * apart), and behind a NAT or a load balancer every client without a certificate looks alike — give
 * such clients certificates, or raise the limit.
 */
export class ClientAdmission {
  private readonly inflight = new Map<string, number>();

  constructor(private readonly perClientMax: number) {
    if (!Number.isSafeInteger(perClientMax) || perClientMax <= 0) throw new RangeError(`clientInflightRequestsMax must be a positive integer, got ${perClientMax}`);
  }

  /** Admits one call: a release to run exactly once when it ends, or the refusal. */
  admit(identity: PeerIdentity, peerAddress: string): (() => void) | KvError {
    const key = callerKey(identity, peerAddress);
    if (key === undefined) return noRelease;
    const n = this.inflight.get(key) ?? 0;
    if (n >= this.perClientMax) {
      return new KvError('OVERLOADED', `${n} requests of ${key} are already in flight on this node (at most ${this.perClientMax} per client)`, { retryAfterMs: 100 });
    }
    this.inflight.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inflight.get(key) ?? 1) - 1;
      if (left <= 0) this.inflight.delete(key);
      else this.inflight.set(key, left);
    };
  }

  /** Callers with a call in flight (their map entries; an idle caller holds none). */
  get callers(): number {
    return this.inflight.size;
  }

  inflightOf(identity: PeerIdentity, peerAddress: string): number {
    const key = callerKey(identity, peerAddress);
    return key === undefined ? 0 : (this.inflight.get(key) ?? 0);
  }
}

const noRelease = (): void => undefined;

/** The budget a call counts against; undefined for node certificates (exempt). */
export function callerKey(identity: PeerIdentity, peerAddress: string): string | undefined {
  switch (identity.kind) {
    case 'node':
      return undefined;
    case 'client':
      return `client certificate "${identity.name}"`;
    case 'anonymous':
      return `address ${hostOf(peerAddress)}`;
  }
}

/**
 * The client address a gRPC peer string names, as the budget it counts against: grpc-js gives
 * "127.0.0.1:5000", "::1:5000" or "::ffff:127.0.0.1:5000" (the port always last), the C core
 * "ipv4:127.0.0.1:5000" or "ipv6:[::1]:5000". An IPv4-mapped address is its IPv4 address; an IPv6
 * address counts as its /64 (one host commonly holds a whole /64, so single addresses are free).
 */
export function hostOf(peer: string): string {
  const rest = peer.replace(/^(ipv4|ipv6|unix):/, '');
  let host: string;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    host = end > 0 ? rest.slice(1, end) : rest;
  } else {
    const port = /:\d+$/.exec(rest);
    host = port === null ? rest : rest.slice(0, port.index);
  }
  host = host.replace(/%.*$/, ''); // a zone id names the local interface, not the client
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped !== null) return mapped[1]!;
  if (isIP(host) === 6) return `${ipv6Groups(host).slice(0, 4).join(':')}::/64`;
  return host;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head, tail] = address.includes('::') ? (address.split('::') as [string, string]) : [address, undefined];
  const parse = (part: string): string[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16).toString(16)));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
}
