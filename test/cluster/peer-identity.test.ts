import type { PeerCertificate } from 'node:tls';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ReloadableTlsIdentity, pemCertificates } from '../../cluster/grpc/tls-credentials.js';
import { createCa, createNodeCert } from '../../cluster/grpc/security/certificates.js';
import { adminRefusal, internalRefusal } from '../../cluster/grpc/security/access-policy.js';
import { identityOfCertificate } from '../../cluster/grpc/security/peer-identity.js';

const cert = (cn: string, san?: string): PeerCertificate => ({ subject: { CN: cn }, ...(san !== undefined ? { subjectaltname: san } : {}) }) as unknown as PeerCertificate;
const tls = { mode: 'tls' as const, adminNames: new Set(['root']) };

describe('who a certificate makes its holder (fail closed)', () => {
  it('a node certificate needs the marker and its stores; it speaks only for them', () => {
    const id = identityOfCertificate(cert('node', 'IP Address:127.0.0.1, URI:urn:rangekv:node, URI:urn:rangekv:store:2'));
    expect(id).toEqual({ kind: 'node', storeIds: [2] });
    expect(internalRefusal(tls, id, 2)).toBeUndefined();
    expect(internalRefusal(tls, id, 3)?.code).toBe('PERMISSION_DENIED');
  });

  it('"node" without the marker, without a store, or with a store URI that does not parse is no one (review finding)', () => {
    for (const san of [undefined, 'URI:urn:rangekv:store:1', 'URI:urn:rangekv:node', 'URI:urn:rangekv:node, URI:urn:rangekv:store:1x', 'URI:urn:rangekv:node, URI:urn:rangekv:store:1, URI:urn:rangekv:store:']) {
      const id = identityOfCertificate(cert('node', san));
      expect(id, String(san)).toEqual({ kind: 'anonymous' });
      expect(internalRefusal(tls, id, 1)?.code).toBe('PERMISSION_DENIED');
      expect(adminRefusal(tls, id)?.code).toBe('PERMISSION_DENIED');
    }
  });

  it('a client is its common name; only the allow-listed ones are admins', () => {
    expect(adminRefusal(tls, identityOfCertificate(cert('root')))).toBeUndefined();
    expect(adminRefusal(tls, identityOfCertificate(cert('alice')))?.code).toBe('PERMISSION_DENIED');
    expect(internalRefusal(tls, identityOfCertificate(cert('root')))?.code).toBe('PERMISSION_DENIED');
    expect(identityOfCertificate(undefined)).toEqual({ kind: 'anonymous' });
  });

  it('rangekv cert create-node requires the store the node runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rangekv-certs-'));
    try {
      createCa(dir);
      expect(() => createNodeCert(dir, ['127.0.0.1'])).toThrow(/--store-id/);
      expect(createNodeCert(dir, ['127.0.0.1'], { storeIds: [4] }).cert).toMatch(/node\.4\.crt$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a node dialing a peer checks that the server speaks for the store it dialed (review finding)', () => {
  it('store 1’s certificate answering at "store 3"’s address is refused; at store 1’s it is accepted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rangekv-dial-'));
    const server = new grpc.Server();
    try {
      createCa(dir);
      createNodeCert(dir, ['127.0.0.1'], { storeIds: [1] });
      createNodeCert(dir, ['127.0.0.1'], { storeIds: [2] });
      const files = (s: number) => ({ certFile: join(dir, `node.${s}.crt`), keyFile: join(dir, `node.${s}.key`), caFile: join(dir, 'ca.crt') });
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', new ReloadableTlsIdentity(files(1)).serverCredentials(), (e, p) => (e === null ? resolve(p) : reject(e))),
      );
      const dialer = new ReloadableTlsIdentity(files(2));
      const call = (expect: number): Promise<string> =>
        new Promise((resolve) => {
          const c = new grpc.Client(`127.0.0.1:${port}`, dialer.channelCredentials(expect));
          c.makeUnaryRequest('/x.Y/Z', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), { deadline: Date.now() + 3_000 }, (e) => {
            c.close();
            resolve(e === null ? 'ok' : grpc.status[e.code]);
          });
        });
      expect(await call(1)).toBe('UNIMPLEMENTED'); // reached the server: the TLS handshake passed
      expect(await call(3)).toBe('UNAVAILABLE'); // refused before any call
    } finally {
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a CA file may be a bundle, as while one CA replaces another (review finding: only its first certificate was read)', () => {
  it('nodes with certificates from the old and from the new CA load and talk to each other; a third CA is refused', async () => {
    const [oldCa, newCa, otherCa, shared] = [0, 1, 2, 3].map(() => mkdtempSync(join(tmpdir(), 'rangekv-bundle-'))) as [string, string, string, string];
    const server = new grpc.Server();
    try {
      createCa(oldCa);
      createCa(newCa);
      createCa(otherCa);
      createNodeCert(oldCa, ['127.0.0.1'], { storeIds: [1] });
      createNodeCert(newCa, ['127.0.0.1'], { storeIds: [2] });
      createNodeCert(otherCa, ['127.0.0.1'], { storeIds: [3] });
      const bundle = join(shared, 'ca-bundle.crt');
      writeFileSync(bundle, Buffer.concat([readFileSync(join(oldCa, 'ca.crt')), readFileSync(join(newCa, 'ca.crt'))]));
      const files = (dir: string, s: number) => ({ certFile: join(dir, `node.${s}.crt`), keyFile: join(dir, `node.${s}.key`), caFile: bundle });
      expect(pemCertificates(readFileSync(bundle))).toHaveLength(2);
      expect(() => new ReloadableTlsIdentity(files(otherCa, 3))).toThrow(/not issued by any of the 2 CAs/);
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', new ReloadableTlsIdentity(files(newCa, 2)).serverCredentials(), (e, p) => (e === null ? resolve(p) : reject(e))),
      );
      const dialer = new ReloadableTlsIdentity(files(oldCa, 1));
      const status = await new Promise<string>((resolve) => {
        const c = new grpc.Client(`127.0.0.1:${port}`, dialer.channelCredentials(2));
        c.makeUnaryRequest('/x.Y/Z', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), { deadline: Date.now() + 3_000 }, (e) => {
          c.close();
          resolve(e === null ? 'ok' : grpc.status[e.code]);
        });
      });
      expect(status).toBe('UNIMPLEMENTED'); // the handshake passed both ways, across the two CAs
    } finally {
      server.forceShutdown();
      for (const d of [oldCa, newCa, otherCa, shared]) rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('rangekv cert refuses a CA directory whose key and certificate do not match (new-user trial)', () => {
  it('with another CA copied over ca.crt, create-node is refused instead of writing a certificate nothing verifies', () => {
    const [mine, other] = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'rangekv-cakey-'))) as [string, string];
    try {
      createCa(mine);
      createCa(other);
      writeFileSync(join(mine, 'ca.crt'), readFileSync(join(other, 'ca.crt')));
      expect(() => createNodeCert(mine, ['127.0.0.1'], { storeIds: [1] })).toThrow(/does not belong to the first certificate/);
    } finally {
      for (const d of [mine, other]) rmSync(d, { recursive: true, force: true });
    }
  });
});
