import { nodeId, type ConfState } from '../raft/types.js';
import { StorageError } from './storage-error.js';

/** ConfStates are tiny and rare; JSON keeps them readable with the sqlite3 CLI. */
export function encodeConfState(cs: ConfState): string {
  return JSON.stringify({
    voters: cs.voters,
    votersOutgoing: cs.votersOutgoing,
    learners: cs.learners,
    learnersNext: cs.learnersNext,
    autoLeave: cs.autoLeave,
  });
}

export function decodeConfState(text: string, what: string): ConfState {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new StorageError('CORRUPTION', `${what}: conf state is not JSON`, { cause: e });
  }
  if (typeof v !== 'object' || v === null) throw new StorageError('CORRUPTION', `${what}: conf state is not an object`);
  const o = v as Record<string, unknown>;
  const ids = (field: string): ConfState['voters'] => {
    const a = o[field];
    if (!Array.isArray(a)) throw new StorageError('CORRUPTION', `${what}: conf state ${field} is not an array`);
    return a.map((x: unknown) => {
      if (typeof x !== 'number') throw new StorageError('CORRUPTION', `${what}: conf state ${field} holds a non-number`);
      return nodeId(x);
    });
  };
  if (typeof o['autoLeave'] !== 'boolean') throw new StorageError('CORRUPTION', `${what}: conf state autoLeave missing`);
  return {
    voters: ids('voters'),
    votersOutgoing: ids('votersOutgoing'),
    learners: ids('learners'),
    learnersNext: ids('learnersNext'),
    autoLeave: o['autoLeave'],
  };
}
