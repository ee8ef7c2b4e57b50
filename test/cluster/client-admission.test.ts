/**
 * Issue 9, "bounded everything": one client, however many connections it opens, may hold only its
 * share of a node's in-flight requests; other clients and the nodes' own traffic still get in.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcNetwork } from '../../cluster/grpc/grpc-network.js';
import { ClientAdmission, callerKey, clientInflightRequestsMaxDefault, hostOf } from '../../cluster/grpc/security/client-admission.js';
import { createCa, createClientCert, createNodeCert } from '../../cluster/grpc/security/certificates.js';
import { ReloadableTlsIdentity } from '../../cluster/grpc/tls-credentials.js';
import type { NodeServices } from '../../cluster/ports/node-network.js';
import { KvError, kvErrorFromServiceError } from '../../proto/kv-error.js';
import { kvProto } from '../../proto/grpc-definitions.js';
import { storeId } from '../../proto/range-descriptor.js';

describe('per-client admission (unit)', () => {
  it('a caller is its certificate name, else its host; node certificates are exempt', () => {
    expect(hostOf('ipv4:127.0.0.1:5000')).toBe('127.0.0.1');
    expect(hostOf('ipv6:[::1]:5000')).toBe('0:0:0:0::/64');
    expect(hostOf('127.0.0.1:5000')).toBe('127.0.0.1');
    // grpc-js's own format (review finding: the port was kept, so every connection was a client of its own)
    expect(hostOf('::1:41074')).toBe(hostOf('::1:41075'));
    expect(hostOf('::ffff:127.0.0.1:42850')).toBe('127.0.0.1');
    expect(hostOf('2001:db8:1:2:aaaa::1:5000')).toBe('2001:db8:1:2::/64');
    expect(hostOf('2001:db8:1:2:bbbb::7:6000')).toBe(hostOf('2001:db8:1:2:aaaa::1:5000'));
    expect(hostOf('2001:db8:1:3::1:5000')).not.toBe(hostOf('2001:db8:1:2::1:5000'));
    // Never a throw, whatever the string (review finding: a zone id with colons did).
    for (const odd of ['fe80::1%a:b:c:d:e:f:0:1:5000', 'fe80::1%eth0:5000', 'unix:/tmp/s', 'unknown', '', ':::::', '[::1', '1:2:3:4:5:6:7:8:9:10']) expect(() => hostOf(odd), odd).not.toThrow();
    expect(hostOf('fe80::1%eth0:5000')).toBe(hostOf('fe80::2%eth1:6000'));
    expect(clientInflightRequestsMaxDefault(10_000)).toBe(1_000);
    expect(clientInflightRequestsMaxDefault(8)).toBe(8);
    expect(clientInflightRequestsMaxDefault(300)).toBe(100);
    expect(callerKey({ kind: 'client', name: 'alice' }, 'ipv4:10.0.0.1:1')).toBe('client certificate "alice"');
    expect(callerKey({ kind: 'anonymous' }, 'ipv4:10.0.0.1:1')).toBe(callerKey({ kind: 'anonymous' }, 'ipv4:10.0.0.1:2'));
    expect(callerKey({ kind: 'node', storeIds: [1] }, 'ipv4:10.0.0.1:1')).toBeUndefined();
  });

  it('refuses past the limit with OVERLOADED, gives a slot back exactly once, and forgets idle callers', () => {
    const a = new ClientAdmission(2);
    const alice = { kind: 'client', name: 'alice' } as const;
    const r1 = a.admit(alice, 'ipv4:1.1.1.1:1');
    const r2 = a.admit(alice, 'ipv4:1.1.1.1:2');
    const r3 = a.admit(alice, 'ipv4:1.1.1.1:3');
    expect(r3).toBeInstanceOf(KvError);
    expect((r3 as KvError).code).toBe('OVERLOADED');
    expect((r3 as KvError).detail.retryAfterMs).toBeGreaterThan(0);
    expect(a.admit({ kind: 'client', name: 'bob' }, 'ipv4:1.1.1.1:4')).not.toBeInstanceOf(KvError);
    (r1 as () => void)();
    (r1 as () => void)(); // a second release gives nothing back
    expect(a.inflightOf(alice, '')).toBe(1);
    expect(a.admit(alice, '')).not.toBeInstanceOf(KvError);
    expect(a.admit(alice, '')).toBeInstanceOf(KvError);
    (r2 as () => void)();
    expect(() => new ClientAdmission(0)).toThrow(RangeError);
  });
});

describe('per-client admission on a real gRPC server with mutual TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rangekv-admission-'));
  let network: GrpcNetwork;
  let address = '';
  /** Calls the fake node holds until the test lets them go. */
  const held: (() => void)[] = [];
  const hold = <T>(value: T): Promise<T> => new Promise((resolve) => held.push(() => resolve(value)));
  const clients: grpc.Client[] = [];

  beforeAll(async () => {
    createCa(dir);
    createNodeCert(dir, ['127.0.0.1'], { storeIds: [1] });
    createNodeCert(dir, ['127.0.0.1'], { storeIds: [2] });
    createClientCert(dir, 'alice');
    createClientCert(dir, 'bob');
    const files = { certFile: join(dir, 'node.1.crt'), keyFile: join(dir, 'node.1.key'), caFile: join(dir, 'ca.crt') };
    network = new GrpcNetwork({
      clusterId: 'admission',
      storeId: storeId(1),
      listenAddress: '127.0.0.1:0',
      peers: new Map(),
      logger: pino({ level: 'silent' }),
      security: { mode: 'tls', identity: new ReloadableTlsIdentity(files), adminNames: new Set(['root']) },
      clientInflightRequestsMax: 3,
    });
    const refuse = (): never => {
      throw new KvError('INTERNAL', 'not in this test');
    };
    const services = {
      kv: { Get: () => hold({ kv: null }), BatchGet: refuse, Put: refuse, Delete: refuse, CompareAndSwap: refuse, Scan: refuse, Locate: refuse },
      admin: { Status: refuse, TransferLeader: refuse, ChangeReplicas: refuse },
      internal: {},
    } as unknown as NodeServices;
    address = await network.serve(services);
  });

  afterAll(() => {
    for (const c of clients) c.close();
    for (const release of held.splice(0)) release();
    network.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A client on its own connection (a distinct channel option keeps grpc-js from sharing one). */
  function client(who: string): grpc.Client {
    const ca = readFileSync(join(dir, 'ca.crt'));
    const base = who.startsWith('node.') ? who : `client.${who}`;
    const creds = grpc.credentials.createSsl(ca, readFileSync(join(dir, `${base}.key`)), readFileSync(join(dir, `${base}.crt`)));
    const c = new (kvProto().rangekv.v1.KV)(address, creds, { 'grpc.primary_user_agent': `conn-${clients.length}` });
    clients.push(c);
    return c;
  }

  function get(c: grpc.Client): Promise<'ok' | KvError> {
    return new Promise((resolve) => {
      const fn = (c as unknown as Record<string, (r: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void) => void>)['Get']!;
      fn.call(c, { key: Buffer.from('k') }, { deadline: Date.now() + 10_000 }, (e) => resolve(e === null ? 'ok' : kvErrorFromServiceError(e)));
    });
  }

  async function untilHeld(n: number): Promise<void> {
    for (let i = 0; i < 500 && held.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    expect(held.length).toBe(n);
  }

  it('alice over two connections gets 3 calls in and the 4th refused; bob and a node still get in; slots come back', async () => {
    const [a1, a2] = [client('alice'), client('alice')];
    const first = [get(a1), get(a1), get(a2)];
    await untilHeld(3);
    const refused = await get(a2);
    expect(refused).toBeInstanceOf(KvError);
    expect((refused as KvError).code).toBe('OVERLOADED');
    expect(network.clientOverloads).toBe(1);

    const bob = get(client('bob'));
    const nodeCalls = Array.from({ length: 5 }, () => get(client('node.2')));
    await untilHeld(3 + 1 + 5); // the node's certificate is not held to a client's share
    for (const release of held.splice(0)) release();
    expect(await Promise.all([...first, bob, ...nodeCalls])).toEqual(Array(9).fill('ok'));

    // Alice's slots were given back when her calls ended.
    const again = get(a2);
    await untilHeld(1);
    held.splice(0)[0]!();
    expect(await again).toBe('ok');
    expect(network.clients.callers).toBe(0);
  });
});
