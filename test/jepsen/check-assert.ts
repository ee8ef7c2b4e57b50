/**
 * Assertions inside the checkers. A failure is a bug in a checker, never bad input (bad input is a
 * HistoryError): crash loudly rather than print a verdict we cannot stand behind.
 */
export class CheckerInvariantError extends Error {
  readonly code = 'CHECKER_INVARIANT' as const;
  constructor(message: string) {
    super(message);
    this.name = 'CheckerInvariantError';
  }
}

export function invariant(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new CheckerInvariantError(typeof message === 'string' ? message : message());
  }
}

export function unreachable(value: never, what: string): never {
  throw new CheckerInvariantError(`unreachable ${what}: ${JSON.stringify(value)}`);
}
