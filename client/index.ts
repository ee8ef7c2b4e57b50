/** The rangekv client library. */
export { RangekvClient } from './rangekv-client.js';
export type { ClientTls, RangekvClientOptions } from './client-options.js';
export type { CallOptions, ReadConsistency, ReadOptions, ScanOptions } from './call-options.js';
export type { CompareAndSwapResult, DeleteResult, KeyValue, PutResult } from './results.js';
export { fromHex, toBytes, toHex, toText, type BytesInput } from './bytes.js';
export { KvError, isKvError, type KvErrorCode } from '../proto/kv-error.js';
