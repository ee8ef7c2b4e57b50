import type { NodeId } from './types.js';

export type ConfChangeOp = 'addVoter' | 'addLearner' | 'remove';

export interface ConfChangeSingle {
  readonly op: ConfChangeOp;
  readonly nodeId: NodeId;
}

/**
 * A membership change, carried in a `confChange` entry and applied by the application through
 * `RawNode.applyConfChange` when the entry is applied.
 *
 * - `simple`: changes at most one voter; takes effect in one step (safe because two majorities of
 *   configurations differing by one voter always intersect).
 * - `enterJoint`: any set of changes; the group runs under the joint configuration (decisions need a
 *   majority of both old and new voters) until `leaveJoint` is applied. With `autoLeave` the leader
 *   proposes `leaveJoint` itself once the joint entry is committed.
 * - `leaveJoint`: switches from the joint configuration to the new one.
 */
export type ConfChange =
  | { readonly kind: 'simple'; readonly changes: readonly ConfChangeSingle[] }
  | { readonly kind: 'enterJoint'; readonly autoLeave: boolean; readonly changes: readonly ConfChangeSingle[] }
  | { readonly kind: 'leaveJoint' };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Conf changes are rare and tiny; JSON keeps them readable in logs and on disk. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  return encoder.encode(JSON.stringify(cc));
}

export class ConfChangeDecodeError extends Error {
  readonly code = 'CONF_CHANGE_MALFORMED' as const;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch (e) {
    throw new ConfChangeDecodeError(`conf change is not JSON: ${String(e)}`);
  }
  return parseConfChange(parsed);
}

function parseConfChange(v: unknown): ConfChange {
  if (typeof v !== 'object' || v === null) throw new ConfChangeDecodeError('conf change must be an object');
  const kind = (v as { kind?: unknown }).kind;
  switch (kind) {
    case 'leaveJoint':
      return { kind };
    case 'simple':
      return { kind, changes: parseChanges((v as { changes?: unknown }).changes) };
    case 'enterJoint': {
      const autoLeave = (v as { autoLeave?: unknown }).autoLeave;
      if (typeof autoLeave !== 'boolean') throw new ConfChangeDecodeError('enterJoint.autoLeave must be boolean');
      return { kind, autoLeave, changes: parseChanges((v as { changes?: unknown }).changes) };
    }
    default:
      throw new ConfChangeDecodeError(`unknown conf change kind ${JSON.stringify(kind)}`);
  }
}

function parseChanges(v: unknown): ConfChangeSingle[] {
  if (!Array.isArray(v)) throw new ConfChangeDecodeError('changes must be an array');
  return v.map((c: unknown) => {
    if (typeof c !== 'object' || c === null) throw new ConfChangeDecodeError('change must be an object');
    const { op, nodeId } = c as { op?: unknown; nodeId?: unknown };
    if (op !== 'addVoter' && op !== 'addLearner' && op !== 'remove') {
      throw new ConfChangeDecodeError(`unknown change op ${JSON.stringify(op)}`);
    }
    if (typeof nodeId !== 'number' || !Number.isSafeInteger(nodeId) || nodeId <= 0) {
      throw new ConfChangeDecodeError(`bad node id ${JSON.stringify(nodeId)}`);
    }
    return { op, nodeId: nodeId as NodeId };
  });
}
