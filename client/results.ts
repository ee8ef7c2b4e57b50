/** What the client's calls return. Keys and values are bytes; see bytes.ts for string helpers. */

export interface KeyValue {
  readonly key: Uint8Array;
  /** Empty for scans with `keysOnly`. */
  readonly value: Uint8Array;
  /** The MVCC version (commit timestamp) of this value. */
  readonly version: bigint;
}

export interface PutResult {
  /** The version the value was written at. */
  readonly version: bigint;
}

export interface DeleteResult {
  /** Whether the key existed. */
  readonly deleted: boolean;
  readonly version: bigint;
}

export interface CompareAndSwapResult {
  readonly succeeded: boolean;
  /** The value found when comparing (undefined: the key did not exist); on failure, why it failed. */
  readonly current: Uint8Array | undefined;
  readonly version: bigint;
}
