import { KvError } from '../../../proto/kv-error.js';
import type { PeerIdentity } from './peer-identity.js';

/** Requests one client may have in flight on a node by default (a tenth of the node's own limit). */
export const clientInflightRequestsMaxDefault = 1_000;

/**
 * Per-client admission: how many calls one caller has in flight on this node, across all its
 * connections, so that one client — however many connections it opens — cannot take every slot of
 * the node's in-flight limit and starve the others.
 *
 * A caller is its client certificate's name when it has one, else its IP address (plaintext, or TLS
 * without a client certificate). Node certificates are exempt: forwarded requests and peer traffic
 * are bounded by the node's own limits. On plaintext (`--insecure`) the nodes of a local cluster share
 * 127.0.0.1 with their clients, so there they count against the same budget.
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

/** The host of a gRPC peer string: "ipv4:127.0.0.1:5000" → 127.0.0.1, "ipv6:[::1]:5000" → ::1. */
export function hostOf(peer: string): string {
  const rest = peer.replace(/^(ipv4|ipv6|unix):/, '');
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    return end > 0 ? rest.slice(1, end) : rest;
  }
  const colon = rest.lastIndexOf(':');
  return colon > 0 && rest.indexOf(':') === colon ? rest.slice(0, colon) : rest;
}
