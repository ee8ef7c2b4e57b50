/**
 * Verdicts shared by every checker and the exit codes of the check CLI.
 *
 * - valid:   the history satisfies the model.
 * - invalid: the checker found a violation; it is spelled out in the details.
 * - unknown: the checker could not decide (a search budget ran out, or there was nothing to check,
 *            such as a set history without a final read).
 * A malformed history gets no verdict at all: it is an error (exit code 3), never "valid".
 */
export type Verdict = 'valid' | 'invalid' | 'unknown';

export const EXIT_CODE_VALID = 0;
export const EXIT_CODE_INVALID = 1;
export const EXIT_CODE_UNKNOWN = 2;
/** Malformed history, unreadable file or bad command line. */
export const EXIT_CODE_ERROR = 3;

export function exitCodeOf(verdict: Verdict): number {
  switch (verdict) {
    case 'valid':
      return EXIT_CODE_VALID;
    case 'invalid':
      return EXIT_CODE_INVALID;
    case 'unknown':
      return EXIT_CODE_UNKNOWN;
  }
}

/** Invalid wins over unknown, which wins over valid: one proven violation decides. */
export function combineVerdicts(verdicts: Iterable<Verdict>): Verdict {
  let combined: Verdict = 'valid';
  for (const verdict of verdicts) {
    if (verdict === 'invalid') return 'invalid';
    if (verdict === 'unknown') combined = 'unknown';
  }
  return combined;
}

/** A checker's result rendered for people: detail lines, then the one-line verdict. */
export interface CheckReport {
  readonly verdict: Verdict;
  readonly details: readonly string[];
  /** Starts with VALID, INVALID or UNKNOWN, then the model name. */
  readonly verdictLine: string;
}

export function verdictWord(verdict: Verdict): string {
  return verdict.toUpperCase();
}
