import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as InternalProto } from './generated/internal.js';
import type { ProtoGrpcType as KvProto } from './generated/kv.js';
import type { ProtoGrpcType as AdminProto } from './generated/admin.js';

/**
 * Loads the .proto files once, with the options the generated types were made for (longs as
 * strings, enums as strings, defaults filled, oneofs virtual) so that the generated `__Output`
 * types describe exactly what arrives.
 */
const loaderOptions: protoLoader.Options = {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The repository's proto/ directory, found from here whether running from source or from dist/. */
export function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'rangekv', 'v1', 'kv.proto'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('cannot find the proto/ directory next to the rangekv sources');
}

let kv: KvProto | undefined;
let internal: InternalProto | undefined;

export function kvProto(): KvProto {
  if (kv === undefined) {
    const def = protoLoader.loadSync(['rangekv/v1/kv.proto', 'rangekv/v1/errors.proto'], { ...loaderOptions, includeDirs: [protoDir()] });
    kv = grpc.loadPackageDefinition(def) as unknown as KvProto;
  }
  return kv;
}

let admin: AdminProto | undefined;

export function adminProto(): AdminProto {
  if (admin === undefined) {
    const def = protoLoader.loadSync(['rangekv/v1/admin.proto'], { ...loaderOptions, includeDirs: [protoDir()] });
    admin = grpc.loadPackageDefinition(def) as unknown as AdminProto;
  }
  return admin;
}

export function internalProto(): InternalProto {
  if (internal === undefined) {
    const def = protoLoader.loadSync(['rangekv/internal/v1/internal.proto'], { ...loaderOptions, includeDirs: [protoDir()] });
    internal = grpc.loadPackageDefinition(def) as unknown as InternalProto;
  }
  return internal;
}
