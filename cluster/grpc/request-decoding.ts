import type * as grpc from '@grpc/grpc-js';
import { KvError } from '../../proto/kv-error.js';

/**
 * A request whose bytes did not decode. gRPC answers a throwing deserializer with INTERNAL, which
 * blames the server for the caller's garbage; the service definitions are wrapped so that such a
 * request reaches the handler as this marker instead, and is answered INVALID_ARGUMENT.
 */
export class MalformedRequest {
  constructor(readonly reason: string) {}

  toError(): KvError {
    return new KvError('INVALID_ARGUMENT', `request does not decode: ${this.reason}`);
  }
}

export function isMalformed(v: unknown): v is MalformedRequest {
  return v instanceof MalformedRequest;
}

/** The service definition with every request deserializer turning a decoding failure into a MalformedRequest. */
export function withMalformedRequests(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(def as Record<string, grpc.MethodDefinition<unknown, unknown>>)) {
    const decode = method.requestDeserialize;
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return decode(bytes);
        } catch (e) {
          return new MalformedRequest(e instanceof Error ? e.message : String(e));
        }
      },
    };
  }
  return out as grpc.ServiceDefinition;
}
