/**
 * Bad input never crashes a node: peers of another cluster, malformed raft batches, junk snapshot
 * streams, and more requests than it will queue (it sheds load with OVERLOADED).
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internalProto } from '../../proto/grpc-definitions.js';
import { isKvError } from '../../proto/kv-error.js';
import type { RaftBatchReply__Output } from '../../proto/generated/rangekv/internal/v1/RaftBatchReply.js';
import { LocalCluster } from './support/local-cluster.js';
import { eventually } from './support/test-kv-client.js';

let c: LocalCluster;

beforeAll(async () => {
  c = await LocalCluster.start({ nodes: 3, splitKeys: [], inflightRequestsMax: 8 });
  await eventually(() => c.client(1).put('warm', '1'), 10_000);
}, 30_000);
afterAll(() => c?.stop());

function internalClient(address: string) {
  const Ctor = internalProto().rangekv.internal.v1.Internal;
  return new Ctor(address, grpc.credentials.createInsecure());
}

/** Opens a raft stream, sends one batch, and returns the first reply (or undefined if none in 2 s). */
function sendRaftBatch(address: string, batch: object): Promise<RaftBatchReply__Output | undefined> {
  const client = internalClient(address);
  return new Promise((resolve) => {
    const stream = client.Raft();
    const timer = setTimeout(() => {
      stream.cancel();
      client.close();
      resolve(undefined);
    }, 2000);
    stream.on('data', (reply: RaftBatchReply__Output) => {
      clearTimeout(timer);
      stream.cancel();
      client.close();
      resolve(reply);
    });
    stream.on('error', () => undefined);
    stream.write(batch);
  });
}

describe('hostile input', () => {
  it('refuses a peer of another cluster with CLUSTER_MISMATCH', async () => {
    const client = internalClient(c.address(1));
    await expect(
      new Promise((resolve, reject) => client.Hello({ clusterId: 'someone-else', storeId: 9, address: 'x:1' }, (e, r) => (e ? reject(e) : resolve(r)))),
    ).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringContaining('CLUSTER_MISMATCH') });
    client.close();
    const reply = await sendRaftBatch(c.address(1), { clusterId: 'someone-else', fromStoreId: 2, toStoreId: 1, messages: Buffer.from([1, 2, 3]) });
    expect(reply?.errorCode).toBe('CLUSTER_MISMATCH');
  });

  it('answers a malformed raft batch with MALFORMED and keeps serving', async () => {
    const reply = await sendRaftBatch(c.address(1), { clusterId: c.config.clusterId, fromStoreId: 2, toStoreId: 1, messages: Buffer.from([0xff, 0xff, 0xff, 0x7f, 9, 9]) });
    expect(reply?.errorCode).toBe('MALFORMED');
    const wrongStore = await sendRaftBatch(c.address(1), { clusterId: c.config.clusterId, fromStoreId: 2, toStoreId: 7, messages: Buffer.alloc(0) });
    expect(wrongStore?.errorCode).toBe('STORE_MISMATCH');
    await c.client(1).put('still-alive', 'yes');
    expect(await c.client(2).get('still-alive')).toBe('yes');
  });

  it('refuses a snapshot stream without a header, and one for an unknown range', async () => {
    const client = internalClient(c.address(2));
    const result = await new Promise<{ applied: boolean; errorCode: string }>((resolve, reject) => {
      const call = client.Snapshot((e, r) => (e || r === undefined ? reject(e) : resolve(r)));
      call.write({ data: Buffer.from('junk'), last: true });
      call.end();
    });
    expect(result).toMatchObject({ applied: false, errorCode: 'MALFORMED' });
    client.close();
    await c.client(2).put('after-junk-snapshot', 'ok');
  });

  it('sheds load with OVERLOADED past its in-flight limit instead of queueing without bound', async () => {
    // 8 requests in flight at most (this cluster's setting): 200 at once must overflow.
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => c.client(1).put(`burst-${i}`, 'x', {}, 10_000)));
    const overloaded = results.filter((r) => r.status === 'rejected' && isKvError(r.reason, 'OVERLOADED')).length;
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(overloaded).toBeGreaterThan(0);
    expect(ok).toBeGreaterThan(0);
    expect(ok + overloaded).toBe(200);
    // And it recovers at once.
    await c.client(1).put('after-burst', 'ok');
  });
});
