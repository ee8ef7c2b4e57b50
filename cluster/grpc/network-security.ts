import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { insecurePolicy, type AccessPolicy } from './security/access-policy.js';
import { anonymous, identityOfCertificate, type PeerIdentity } from './security/peer-identity.js';
import type { ReloadableTlsIdentity } from './tls-credentials.js';

/**
 * How a node talks on the network: plaintext and open (`--insecure`: demos and tests), or mutual
 * TLS with this node's identity, where every call is authorized from the caller's certificate.
 */
export type NetworkSecurity = { readonly mode: 'insecure' } | { readonly mode: 'tls'; readonly identity: ReloadableTlsIdentity; readonly adminNames: ReadonlySet<string> };

export const insecureNetwork: NetworkSecurity = Object.freeze({ mode: 'insecure' });

export function accessPolicy(s: NetworkSecurity): AccessPolicy {
  return s.mode === 'insecure' ? insecurePolicy : { mode: 'tls', adminNames: s.adminNames };
}

export function serverCredentials(s: NetworkSecurity): grpc.ServerCredentials {
  return s.mode === 'insecure' ? grpc.ServerCredentials.createInsecure() : s.identity.serverCredentials();
}

/** Credentials for dialing store `to` (its certificate must speak for it when TLS is on). */
export function channelCredentials(s: NetworkSecurity, to?: number): grpc.ChannelCredentials {
  return s.mode === 'insecure' ? grpc.credentials.createInsecure() : s.identity.channelCredentials(to);
}

/** Who called: the verified certificate of the call's connection (anonymous on plaintext or without one). */
export function callerIdentity(call: { getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null }): PeerIdentity {
  const ctx = call.getAuthContext();
  return ctx === null ? anonymous : identityOfCertificate(ctx.sslPeerCertificate);
}
