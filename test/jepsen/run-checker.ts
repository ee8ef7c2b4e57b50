/**
 * One entry point over all checkers, for the check CLI and the harness runner: pick a model, get
 * a typed result (discriminated by `model`) and its rendering for people.
 */
import type { History } from './history.js';
import type { CheckReport } from './verdict.js';
import { checkBank, renderBankResult, type BankCheckResult } from './checkers/bank.js';
import { checkListAppend, renderListAppendResult, type ConsistencyModel, type ListAppendCheckResult } from './checkers/list-append.js';
import { checkRegister, REGISTER_MAX_STATES_PER_KEY_DEFAULT, renderRegisterResult, type RegisterCheckResult } from './checkers/register.js';
import { checkSet, renderSetResult, type SetCheckResult } from './checkers/set.js';

export const CHECK_MODELS = ['register', 'set', 'bank', 'list-append'] as const;
export type CheckModel = (typeof CHECK_MODELS)[number];

export type CheckResult = RegisterCheckResult | SetCheckResult | BankCheckResult | ListAppendCheckResult;

export interface RunCheckerOptions {
  readonly model: CheckModel;
  /** register: search budget per key. */
  readonly maxStatesPerKey?: number;
  /** bank: the invariant total; inferred from the first ok read when absent. */
  readonly totalBalance?: number;
  /** list-append: the consistency model to judge by (default serializable). */
  readonly consistencyModel?: ConsistencyModel;
}

/** Runs one checker. Throws HistoryError when the history does not fit the model. */
export function runChecker(history: History, options: RunCheckerOptions): { readonly result: CheckResult; readonly report: CheckReport } {
  switch (options.model) {
    case 'register': {
      const result = checkRegister(history, { maxStatesPerKey: options.maxStatesPerKey ?? REGISTER_MAX_STATES_PER_KEY_DEFAULT });
      return { result, report: renderRegisterResult(result) };
    }
    case 'set': {
      const result = checkSet(history);
      return { result, report: renderSetResult(result) };
    }
    case 'bank': {
      const result = checkBank(history, options.totalBalance === undefined ? {} : { totalBalance: options.totalBalance });
      return { result, report: renderBankResult(result) };
    }
    case 'list-append': {
      const result = checkListAppend(history, { consistencyModel: options.consistencyModel ?? 'serializable' });
      return { result, report: renderListAppendResult(result) };
    }
  }
}
