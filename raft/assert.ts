/**
 * Assertions that stay on in production. A failed assertion is a bug in rangekv, never bad input:
 * crash loudly rather than limp on with corrupted consensus state. Split compound conditions into
 * separate calls so the message names the part that broke.
 */
export class RaftInvariantError extends Error {
  readonly code = 'RAFT_INVARIANT' as const;
  constructor(message: string) {
    super(message);
    this.name = 'RaftInvariantError';
  }
}

export function invariant(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new RaftInvariantError(typeof message === 'string' ? message : message());
  }
}

/** Marks a switch arm that the type checker proves unreachable. */
export function unreachable(value: never, what: string): never {
  throw new RaftInvariantError(`unreachable ${what}: ${JSON.stringify(value)}`);
}
