import type * as grpc from '@grpc/grpc-js';
import { realClock } from '../ports/real-ports.js';

/**
 * gRPC deadlines are wall-clock instants; the node measures deadlines on its monotonic clock. The
 * conversion happens here, at the edge, once per call.
 */
export function deadlineFromGrpc(deadline: grpc.Deadline): number | undefined {
  const wallMs = deadline instanceof Date ? deadline.getTime() : deadline;
  if (!Number.isFinite(wallMs)) return undefined;
  return realClock.monotonicMs() + (wallMs - realClock.wallMs());
}

/** A monotonic deadline as the wall-clock instant gRPC wants. */
export function deadlineToGrpc(deadlineAtMs: number): number {
  return realClock.wallMs() + Math.max(0, deadlineAtMs - realClock.monotonicMs());
}
