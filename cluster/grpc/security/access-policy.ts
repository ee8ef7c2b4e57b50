import { KvError } from '../../../proto/kv-error.js';
import { describeIdentity, type PeerIdentity } from './peer-identity.js';

/**
 * Who may call what. With TLS on:
 *   KV        anyone with a TLS connection (a client certificate is optional)
 *   Admin     node certificates, and client certificates whose name is on the admin list
 *   Internal  node certificates only; a raft batch or snapshot must claim a store the certificate
 *             names
 * Insecure (plaintext, `--insecure`): everything is open — for local demos and tests only.
 */
export type AccessPolicy = { readonly mode: 'insecure' } | { readonly mode: 'tls'; readonly adminNames: ReadonlySet<string> };

export const insecurePolicy: AccessPolicy = Object.freeze({ mode: 'insecure' });

export function adminRefusal(policy: AccessPolicy, id: PeerIdentity): KvError | undefined {
  if (policy.mode === 'insecure') return undefined;
  if (id.kind === 'node') return undefined;
  if (id.kind === 'client' && policy.adminNames.has(id.name)) return undefined;
  return new KvError('PERMISSION_DENIED', `admin operations need an admin client certificate; this call presented ${describeIdentity(id)}`);
}

export function internalRefusal(policy: AccessPolicy, id: PeerIdentity, claimedStore?: number): KvError | undefined {
  if (policy.mode === 'insecure') return undefined;
  if (id.kind !== 'node') return new KvError('PERMISSION_DENIED', `the internal service is for nodes; this call presented ${describeIdentity(id)}`);
  if (claimedStore !== undefined && !id.storeIds.includes(claimedStore)) {
    return new KvError('PERMISSION_DENIED', `a message claiming store ${claimedStore} came with ${describeIdentity(id)}`);
  }
  return undefined;
}
