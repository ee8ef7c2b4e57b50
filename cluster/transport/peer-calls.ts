import type { StoreId } from '../../proto/range-descriptor.js';

export type KvMethod = 'Get' | 'BatchGet' | 'Put' | 'Delete' | 'Scan' | 'CompareAndSwap';
export type AdminMethod = 'TransferLeader' | 'ChangeReplicas';

/**
 * Calls on other stores' public services, for the gateway (forwarding a request to the store that
 * can serve it) and the Admin service (forwarding to a range's leader). Requests and answers are
 * the services' protobuf shapes; a failure is always a KvError — made by this side (with
 * `transportFailure` set) when no answer came.
 */
export interface PeerCalls {
  /** `deadlineAtMs` is on the node's monotonic clock. */
  kv<Req, Res>(store: StoreId, method: KvMethod, request: Req, deadlineAtMs: number): Promise<Res>;
  admin<Req, Res>(store: StoreId, method: AdminMethod, request: Req, deadlineAtMs: number): Promise<Res>;
  close(): void;
}
