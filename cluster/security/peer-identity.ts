import type { PeerCertificate } from 'node:tls';
import { nodeCommonName, storeIdsOfUris } from './certificates.js';

/**
 * Who is on the other end of a connection, as its verified certificate says. The TLS layer has
 * already checked the chain against the cluster's CA: a certificate that does not verify never
 * gets here (it reads as anonymous).
 *   node      a node certificate (common name `node`); `storeIds` empty means it may speak for any store
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
  if (cn === nodeCommonName) return { kind: 'node', storeIds: storeIdsOfUris(uris(cert)) };
  return { kind: 'client', name: cn };
}

export function describeIdentity(id: PeerIdentity): string {
  switch (id.kind) {
    case 'node':
      return id.storeIds.length === 0 ? 'a node certificate' : `the node certificate of store ${id.storeIds.join(', ')}`;
    case 'client':
      return `the client certificate "${id.name}"`;
    case 'anonymous':
      return 'no client certificate';
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
