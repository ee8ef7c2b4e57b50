import type { PeerCertificate } from 'node:tls';
import { nodeCommonName, nodeMarkerUri, storeIdsOfUris } from './certificates.js';

/**
 * Who is on the other end of a connection, as its verified certificate says. The TLS layer has
 * already checked the chain against the cluster's CA: a certificate that does not verify never
 * gets here (it reads as anonymous).
 *   node      a node certificate (common name `node`, the node marker URI, the stores it may speak for)
 *   client    a client certificate; `name` is its common name (what the admin allow-list names)
 *   anonymous no certificate, or the connection is plaintext
 */
export type PeerIdentity =
  | { readonly kind: 'node'; readonly storeIds: readonly number[] }
  | { readonly kind: 'client'; readonly name: string }
  | { readonly kind: 'anonymous' };

export const anonymous: PeerIdentity = Object.freeze({ kind: 'anonymous' });

export function identityOfCertificate(cert: PeerCertificate | undefined): PeerIdentity {
  if (cert === undefined) return anonymous;
  const cn = commonName(cert);
  if (cn === undefined) return anonymous;
  if (cn === nodeCommonName) {
    // A node certificate is one `rangekv cert create-node` made: the marker URI and the stores it
    // runs. A certificate merely named "node" (another tool, a shared CA) is no one's.
    const all = uris(cert);
    const storeIds = storeIdsOfUris(all);
    if (!all.includes(nodeMarkerUri) || storeIds === undefined || storeIds.length === 0) return anonymous;
    return { kind: 'node', storeIds };
  }
  return { kind: 'client', name: cn };
}

export function describeIdentity(id: PeerIdentity): string {
  switch (id.kind) {
    case 'node':
      return `the node certificate of store ${id.storeIds.join(', ')}`;
    case 'client':
      return `the client certificate "${id.name}"`;
    case 'anonymous':
      return 'no client certificate that the cluster’s CA verifies';
  }
}

function commonName(cert: PeerCertificate): string | undefined {
  const cn: unknown = (cert.subject as Record<string, unknown> | undefined)?.['CN'];
  // A certificate with several common names is ambiguous: treat it as none.
  return typeof cn === 'string' && cn.length > 0 ? cn : undefined;
}

function uris(cert: PeerCertificate): string[] {
  const san = cert.subjectaltname ?? '';
  return san
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
}
