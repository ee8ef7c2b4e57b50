import { rangeContainsKey, type RangeDescriptor } from '../../proto/range-descriptor.js';
import type { KvOp } from './command.js';

/**
 * The largest key and value a command may carry, as every replica judges it when applying.
 * Protocol constants, not settings: two replicas configured differently would decide one committed
 * command differently and diverge. A node's own API limits may be lower, never higher, and storage
 * is opened with these so it never refuses (and fences over) what apply accepted.
 */
export const commandKeyBytesMax = 4096;
export const commandValueBytesMax = 1 << 20;
/**
 * The largest record the exactly-once table writes to a range's local table: a write's result,
 * which for a compare-and-swap holds the value it found (up to commandValueBytesMax), plus its
 * bookkeeping. The store is opened with it, so recording a result never fails (and fences).
 */
export const sessionRecordBytesMax = commandValueBytesMax + (64 << 10);

/**
 * Why a committed command is refused when applied, or undefined when it may be applied. The API edge
 * refuses such writes before they enter the log; this is the last line, for a command that got in
 * anyway (a buggy or hostile proposer): every replica refuses it the same way, with an error result
 * instead of a storage failure, so nothing replicated can fence a replica or make replicas diverge.
 */
export function commandRefusal(op: KvOp, range: Pick<RangeDescriptor, 'start' | 'end'>): string | undefined {
  const key = op.key;
  if (key.length === 0) return 'empty key';
  if (key.length > commandKeyBytesMax) return `key of ${key.length} bytes exceeds ${commandKeyBytesMax}`;
  if (!rangeContainsKey(range, key)) return 'key outside the range';
  const values = op.kind === 'put' ? [op.value] : op.kind === 'cas' ? [op.expected, op.newValue] : [];
  for (const v of values) {
    if (v !== null && v.length > commandValueBytesMax) return `value of ${v.length} bytes exceeds ${commandValueBytesMax}`;
  }
  return undefined;
}
