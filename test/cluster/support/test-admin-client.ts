import * as grpc from '@grpc/grpc-js';
import { adminProto } from '../../../proto/grpc-definitions.js';
import { KvError, kvErrorFromServiceError } from '../../../proto/kv-error.js';

/** Calls one node's Admin service (tests and the fault harness's nemeses). */
export function adminCall<Res>(address: string, method: 'Status' | 'TransferLeader' | 'ChangeReplicas', request: object, timeoutMs = 10_000, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()): Promise<Res> {
  const Ctor = adminProto().rangekv.v1.Admin;
  const client = new Ctor(address, credentials);
  return new Promise<Res>((resolve, reject) => {
    const fn = client[method].bind(client) as unknown as (req: object, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => void;
    fn(request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (e, r) => {
      client.close();
      if (e !== null) reject(kvErrorFromServiceError(e));
      else if (r === undefined) reject(new KvError('INTERNAL', 'empty answer'));
      else resolve(r);
    });
  });
}

export interface ReplicaStatusView {
  rangeId: string;
  role: string;
  term: string;
  leaderStoreId: string;
  appliedIndex: string;
  replicas: { storeId: string; replicaId: string; learner: boolean }[];
}

export async function statusOf(address: string): Promise<ReplicaStatusView[]> {
  const r = await adminCall<{ replicas: ReplicaStatusView[] }>(address, 'Status', {}, 2000);
  return r.replicas;
}
