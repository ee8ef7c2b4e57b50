/**
 * The bank checker: transfers between accounts never create or destroy money.
 *
 * Operations (`key` unused):
 *   f "transfer"  value {"from": account, "to": account, "amount": number}; may fail.
 *   f "read"      invoke value ignored; `ok` value {account: balance, ...} with integer balances.
 *
 * Every ok read must sum to the total and show no negative balance. The total comes from the
 * `totalBalance` option (CLI --total) when given, else from the first ok read in completion order;
 * with an inferred total, a bad first read shows up as every other read disagreeing with it, so
 * pass the total when it is known. Each bad read is reported with what is wrong with it.
 */
import { HistoryError, locateOperation, type History, type Operation } from '../history.js';
import { isJsonObject } from '../json-value.js';
import { formatOperationRef, toOperationRef, type OperationRef } from '../operation-ref.js';
import { verdictWord, type CheckReport, type Verdict } from '../verdict.js';

export interface BankCheckOptions {
  /** The invariant total of all balances; inferred from the first ok read when absent. */
  readonly totalBalance?: number;
}

export interface BankBadRead {
  readonly read: OperationRef;
  readonly sum: number;
  /** Set when the sum differs from the total. */
  readonly sumMismatch: boolean;
  readonly negative: readonly { readonly account: string; readonly balance: number }[];
}

export interface BankCheckResult {
  readonly model: 'bank';
  readonly verdict: Verdict;
  readonly operationCount: number;
  readonly totalBalance: number | null;
  readonly totalSource: 'option' | 'first-read' | 'none';
  readonly readCount: number;
  readonly transferCounts: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly badReads: readonly BankBadRead[];
}

function validateTransfer(history: History, op: Operation): void {
  const value = op.invoke.value;
  const where = locateOperation(history, op);
  if (!isJsonObject(value)) {
    throw new HistoryError('BAD_VALUE', null, `${where}: a transfer's value must be {"from", "to", "amount"}`);
  }
  for (const field of ['from', 'to']) {
    const account = value[field];
    if (typeof account !== 'string' && typeof account !== 'number') {
      throw new HistoryError('BAD_VALUE', null, `${where}: transfer "${field}" must name an account`);
    }
  }
  const amount = value['amount'];
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    throw new HistoryError('BAD_VALUE', null, `${where}: transfer "amount" must be an integer`);
  }
}

function readBalances(history: History, op: Operation): Map<string, number> {
  const value = op.completion.value;
  const where = locateOperation(history, op);
  if (!isJsonObject(value)) {
    throw new HistoryError('BAD_VALUE', null, `${where}: an ok bank read must return {account: balance, ...}`);
  }
  const balances = new Map<string, number>();
  for (const [account, balance] of Object.entries(value)) {
    if (typeof balance !== 'number' || !Number.isSafeInteger(balance)) {
      throw new HistoryError('BAD_VALUE', null, `${where}: the balance of account ${JSON.stringify(account)} must be an integer, got ${JSON.stringify(balance)}`);
    }
    balances.set(account, balance);
  }
  return balances;
}

/** Throws HistoryError on ops that do not fit the model. */
export function checkBank(history: History, options: BankCheckOptions = {}): BankCheckResult {
  const reads: { op: Operation; balances: Map<string, number> }[] = [];
  const transferCounts = { ok: 0, fail: 0, info: 0 };
  for (const op of history.operations) {
    switch (op.f) {
      case 'transfer':
        validateTransfer(history, op);
        transferCounts[op.outcome]++;
        break;
      case 'read':
        if (op.outcome === 'ok') reads.push({ op, balances: readBalances(history, op) });
        break;
      default:
        throw new HistoryError('UNKNOWN_F', null, `${locateOperation(history, op)}: the bank model knows f "transfer" and "read", not "${op.f}"`);
    }
  }
  if (options.totalBalance !== undefined && !Number.isSafeInteger(options.totalBalance)) {
    throw new HistoryError('BAD_VALUE', null, `the total balance must be an integer, got ${options.totalBalance}`);
  }
  reads.sort((a, b) => a.op.completionPosition - b.op.completionPosition);
  const sumOf = (balances: ReadonlyMap<string, number>): number => [...balances.values()].reduce((sum, b) => sum + b, 0);
  const first = reads[0];
  const totalBalance = options.totalBalance ?? (first === undefined ? null : sumOf(first.balances));
  const totalSource = options.totalBalance !== undefined ? 'option' : first === undefined ? 'none' : 'first-read';
  const badReads: BankBadRead[] = [];
  for (const { op, balances } of reads) {
    const sum = sumOf(balances);
    const negative = [...balances.entries()].filter(([, balance]) => balance < 0).map(([account, balance]) => ({ account, balance }));
    const sumMismatch = totalBalance !== null && sum !== totalBalance;
    if (sumMismatch || negative.length > 0) badReads.push({ read: toOperationRef(op), sum, sumMismatch, negative });
  }
  const verdict: Verdict = badReads.length > 0 ? 'invalid' : reads.length === 0 ? 'unknown' : 'valid';
  return { model: 'bank', verdict, operationCount: history.operations.length, totalBalance, totalSource, readCount: reads.length, transferCounts, badReads };
}

const SHOWN_MAX = 30;

export function renderBankResult(result: BankCheckResult): CheckReport {
  const details: string[] = [];
  const source = result.totalSource === 'option' ? 'given' : result.totalSource === 'first-read' ? 'from the first read' : 'unknown';
  details.push(`total ${result.totalBalance ?? '?'} (${source}); ${result.readCount} ok reads; transfers ok ${result.transferCounts.ok}, fail ${result.transferCounts.fail}, info ${result.transferCounts.info}`);
  for (const bad of result.badReads.slice(0, SHOWN_MAX)) {
    const problems: string[] = [];
    if (bad.sumMismatch) problems.push(`sums to ${bad.sum}, not ${result.totalBalance ?? '?'}`);
    if (bad.negative.length > 0) problems.push(`negative: ${bad.negative.map((n) => `${n.account}=${n.balance}`).join(', ')}`);
    details.push(`  BAD READ ${formatOperationRef(bad.read, `read ${JSON.stringify(bad.read.output)}`)}: ${problems.join('; ')}`);
  }
  if (result.badReads.length > SHOWN_MAX) details.push(`  … and ${result.badReads.length - SHOWN_MAX} more (see --json)`);
  let summary: string;
  switch (result.verdict) {
    case 'valid':
      summary = `all ${result.readCount} reads sum to ${result.totalBalance ?? '?'} with no negative balance`;
      break;
    case 'invalid':
      summary = `${result.badReads.length} of ${result.readCount} reads are wrong (${result.badReads.filter((b) => b.sumMismatch).length} bad sum, ${result.badReads.filter((b) => b.negative.length > 0).length} negative balance)`;
      break;
    case 'unknown':
      summary = 'no ok read to judge';
      break;
  }
  return { verdict: result.verdict, details, verdictLine: `${verdictWord(result.verdict)} bank: ${summary}` };
}
