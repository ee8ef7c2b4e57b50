import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { KvError } from '../../proto/kv-error.js';
import { describeIdentity, identityOfCertificate } from './security/peer-identity.js';

/** The files of a node's (or client's) TLS identity: its certificate and key, and the cluster's CA. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

type CaListener = (update: { caCertificate: Buffer } | null) => void;
type IdentityListener = (update: { certificate: Buffer; privateKey: Buffer } | null) => void;

/**
 * A TLS identity read from files, handed to gRPC's certificate-provider credentials so that
 * `reload()` (on SIGHUP) swaps certificates under a running server and its peer channels: new
 * connections use the new ones, established ones keep theirs. A reload that cannot read or parse the
 * files throws and keeps the current identity (a half-written file never takes a node down).
 */
export class ReloadableTlsIdentity implements grpc.experimental.CertificateProvider {
  private ca: Buffer;
  private identity: { certificate: Buffer; privateKey: Buffer };
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();

  constructor(readonly files: TlsFiles) {
    const loaded = load(files);
    this.ca = loaded.ca;
    this.identity = loaded.identity;
  }

  /** Re-reads the files; returns the new certificate's expiry. */
  reload(): { validTo: string } {
    const loaded = load(this.files);
    this.ca = loaded.ca;
    this.identity = loaded.identity;
    for (const l of this.caListeners) l({ caCertificate: this.ca });
    for (const l of this.identityListeners) l(this.identity);
    return { validTo: loaded.validTo };
  }

  // The first update is delivered after the listener's registration returns: gRPC registers its
  // own watcher only after adding our listener, and would miss a synchronous answer.
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    queueMicrotask(() => {
      if (this.caListeners.has(listener)) listener({ caCertificate: this.ca });
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.identityListeners.has(listener)) listener(this.identity);
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  /**
   * Server side: TLS always; a client certificate is asked for but optional (KV clients may have
   * none), and one that does not verify against the CA counts as none. Who may call what is
   * decided per call from the verified certificate (security/access-policy.ts).
   */
  serverCredentials(): grpc.ServerCredentials {
    return grpc.experimental.createCertificateProviderServerCredentials(this, this, false);
  }

  /**
   * Client side (peer channels): present this identity, trust only the cluster's CA, and — when
   * dialing a given store — accept only a node certificate that speaks for that store (the host
   * name alone would let any node's certificate for 127.0.0.1 pose as every store on the machine).
   */
  channelCredentials(expectStore?: number): grpc.ChannelCredentials {
    if (expectStore === undefined) return grpc.experimental.createCertificateProviderChannelCredentials(this, this);
    return grpc.experimental.createCertificateProviderChannelCredentials(this, this, {
      checkServerIdentity: (_host, cert) => {
        const id = identityOfCertificate(cert);
        if (id.kind === 'node' && id.storeIds.includes(expectStore)) return undefined;
        return new Error(`the server presented ${describeIdentity(id)}, not store ${expectStore}'s`);
      },
    });
  }
}

function load(files: TlsFiles): { ca: Buffer; identity: { certificate: Buffer; privateKey: Buffer }; validTo: string } {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new KvError('INVALID_ARGUMENT', `cannot read the ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const ca = read(files.caFile, 'CA certificate');
  const certificate = read(files.certFile, 'certificate');
  const privateKey = read(files.keyFile, 'private key');
  let cert: X509Certificate;
  let cas: X509Certificate[];
  try {
    cas = pemCertificates(ca);
    cert = new X509Certificate(certificate);
  } catch (e) {
    throw new KvError('INVALID_ARGUMENT', `not a PEM certificate (${files.caFile} or ${files.certFile}): ${e instanceof Error ? e.message : String(e)}`);
  }
  // The CA file may be a bundle (the old and the new CA while one replaces the other): the node's
  // certificate must come from one of them.
  if (!cas.some((c) => cert.checkIssued(c) && cert.verify(c.publicKey))) {
    throw new KvError('INVALID_ARGUMENT', `${files.certFile} was not issued by ${cas.length === 1 ? 'the CA' : `any of the ${cas.length} CAs`} in ${files.caFile}`);
  }
  const now = Date.now();
  if (Date.parse(cert.validTo) <= now || Date.parse(cert.validFrom) > now) throw new KvError('INVALID_ARGUMENT', `${files.certFile} is not valid now (valid ${cert.validFrom} to ${cert.validTo})`);
  // The key must parse and belong to the certificate: gRPC would otherwise take the pair, fail to
  // build its TLS context, and drop every new connection from then on (review finding).
  try {
    if (!cert.checkPrivateKey(createPrivateKey(privateKey))) throw new Error('the key does not belong to the certificate');
    createSecureContext({ ca, cert: certificate, key: privateKey });
  } catch (e) {
    throw new KvError('INVALID_ARGUMENT', `${files.keyFile} cannot be used with ${files.certFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { ca, identity: { certificate, privateKey }, validTo: cert.validTo };
}

/** Every certificate of a PEM file (a CA bundle holds several); none is an error. */
export function pemCertificates(pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate in the file');
  return blocks.map((b) => new X509Certificate(b));
}
