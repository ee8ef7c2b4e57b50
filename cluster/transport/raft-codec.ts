import {
  nodeId,
  type ConfState,
  type Entry,
  type EntryType,
  type Message,
  type MessageType,
  type NodeId,
  type Snapshot,
} from '../../raft/index.js';
import { ByteReader, ByteWriter, CodecError } from '../../proto/byte-codec.js';

/** A raft message of one range, as it travels between stores. */
export interface RaftEnvelope {
  readonly rangeId: number;
  readonly message: Message;
}

/**
 * Binary encoding of a batch of raft messages (the `messages` field of internal.v1.RaftBatch):
 *
 *   batch    = uint count, message*
 *   message  = uint rangeId, u8 type, uint from, uint to, uint term, fields(type)
 *
 * with the fields of each type in the order of raft/messages.ts. Entries are `uint term, uint
 * index, u8 type, bytes data`; a ConfState is five lists/flags. Decoding validates everything and
 * fails with CodecError on malformed input; decoded entry data are copies (independent of the
 * input buffer, which gRPC may reuse).
 */
const typeCodes: Record<MessageType, number> = {
  app: 1,
  appResp: 2,
  vote: 3,
  voteResp: 4,
  preVote: 5,
  preVoteResp: 6,
  snap: 7,
  heartbeat: 8,
  heartbeatResp: 9,
  prop: 10,
  transferLeader: 11,
  timeoutNow: 12,
  readIndex: 13,
  readIndexResp: 14,
};
const typeByCode = new Map<number, MessageType>(Object.entries(typeCodes).map(([t, c]) => [c, t as MessageType]));

export interface RaftCodecLimits {
  /** Largest entry payload accepted. */
  readonly entryBytesMax: number;
  /** Largest number of messages in one batch. */
  readonly messagesMax: number;
}

export const defaultRaftCodecLimits: RaftCodecLimits = { entryBytesMax: 8 << 20, messagesMax: 1 << 20 };

export function encodeRaftBatch(envelopes: readonly RaftEnvelope[]): Uint8Array {
  const w = new ByteWriter(64 + envelopes.length * 32);
  w.uint(envelopes.length);
  for (const env of envelopes) writeEnvelope(w, env);
  return w.finish();
}

export function decodeRaftBatch(bytes: Uint8Array, limits: RaftCodecLimits = defaultRaftCodecLimits): RaftEnvelope[] {
  const r = new ByteReader(bytes);
  const n = r.count('message', 5);
  if (n > limits.messagesMax) throw new CodecError(`batch of ${n} messages exceeds ${limits.messagesMax}`);
  const out: RaftEnvelope[] = [];
  for (let i = 0; i < n; i++) out.push(readEnvelope(r, limits));
  r.expectEnd('raft batch');
  return out;
}

function writeEnvelope(w: ByteWriter, { rangeId, message: m }: RaftEnvelope): void {
  w.uint(rangeId).u8(typeCodes[m.type]).uint(m.from).uint(m.to).uint(m.term);
  switch (m.type) {
    case 'app':
      w.uint(m.index).uint(m.logTerm).uint(m.commit);
      writeEntries(w, m.entries);
      return;
    case 'appResp':
      w.uint(m.index).bool(m.reject).uint(m.hintIndex).uint(m.hintTerm);
      return;
    case 'vote':
    case 'preVote':
      w.uint(m.index).uint(m.logTerm).bool(m.transfer);
      return;
    case 'voteResp':
    case 'preVoteResp':
      w.bool(m.reject);
      return;
    case 'snap':
      writeSnapshot(w, m.snapshot);
      return;
    case 'heartbeat':
      w.uint(m.commit).uint(m.readSeq).uint(m.sentTick).bool(m.quiesce);
      return;
    case 'heartbeatResp':
      w.uint(m.readSeq).uint(m.sentTick);
      return;
    case 'prop':
      writeEntries(w, m.entries);
      return;
    case 'transferLeader':
      w.uint(m.transferee);
      return;
    case 'timeoutNow':
      return;
    case 'readIndex':
      w.uint(m.requestCtxs.length);
      for (const c of m.requestCtxs) w.string(c);
      return;
    case 'readIndexResp':
      w.uint(m.index).uint(m.requestCtxs.length);
      for (const c of m.requestCtxs) w.string(c);
      return;
  }
}

function readEnvelope(r: ByteReader, limits: RaftCodecLimits): RaftEnvelope {
  const rangeId = r.uint('range id');
  const code = r.u8('message type');
  const type = typeByCode.get(code);
  if (type === undefined) throw new CodecError(`unknown raft message type ${code}`);
  const from = readNode(r, 'from');
  const to = readNode(r, 'to');
  const term = r.uint('term');
  const base = { from, to, term };
  let message: Message;
  switch (type) {
    case 'app': {
      const index = r.uint('index');
      const logTerm = r.uint('log term');
      const commit = r.uint('commit');
      message = { type, ...base, index, logTerm, commit, entries: readEntries(r, limits) };
      break;
    }
    case 'appResp': {
      const index = r.uint('index');
      const reject = r.bool('reject');
      message = { type, ...base, index, reject, hintIndex: r.uint('hint index'), hintTerm: r.uint('hint term') };
      break;
    }
    case 'vote':
    case 'preVote': {
      const index = r.uint('index');
      const logTerm = r.uint('log term');
      message = { type, ...base, index, logTerm, transfer: r.bool('transfer') };
      break;
    }
    case 'voteResp':
    case 'preVoteResp':
      message = { type, ...base, reject: r.bool('reject') };
      break;
    case 'snap':
      message = { type, ...base, snapshot: readSnapshot(r, limits) };
      break;
    case 'heartbeat': {
      const commit = r.uint('commit');
      const readSeq = r.uint('read seq');
      const sentTick = r.uint('sent tick');
      message = { type, ...base, commit, readSeq, sentTick, quiesce: r.bool('quiesce') };
      break;
    }
    case 'heartbeatResp': {
      const readSeq = r.uint('read seq');
      message = { type, ...base, readSeq, sentTick: r.uint('sent tick') };
      break;
    }
    case 'prop':
      message = { type, ...base, entries: readEntries(r, limits) };
      break;
    case 'transferLeader':
      message = { type, ...base, transferee: readNode(r, 'transferee') };
      break;
    case 'timeoutNow':
      message = { type, ...base };
      break;
    case 'readIndex':
      message = { type, ...base, requestCtxs: readStrings(r) };
      break;
    case 'readIndexResp': {
      const index = r.uint('index');
      message = { type, ...base, index, requestCtxs: readStrings(r) };
      break;
    }
  }
  return { rangeId, message };
}

function readNode(r: ByteReader, what: string): NodeId {
  const v = r.uint(what);
  if (v === 0) throw new CodecError(`${what} is 0`);
  return nodeId(v);
}

const entryTypeCodes: Record<EntryType, number> = { normal: 0, confChange: 1 };

function writeEntries(w: ByteWriter, entries: readonly Entry[]): void {
  w.uint(entries.length);
  for (const e of entries) w.uint(e.term).uint(e.index).u8(entryTypeCodes[e.type]).bytes(e.data);
}

function readEntries(r: ByteReader, limits: RaftCodecLimits): Entry[] {
  const n = r.count('entry', 4);
  const out: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const term = r.uint('entry term');
    const index = r.uint('entry index');
    const code = r.u8('entry type');
    if (code !== 0 && code !== 1) throw new CodecError(`unknown entry type ${code}`);
    const data = r.bytes('entry data', limits.entryBytesMax).slice();
    out.push({ term, index, type: code === 0 ? 'normal' : 'confChange', data });
  }
  return out;
}

function writeSnapshot(w: ByteWriter, s: Snapshot): void {
  const { index, term, confState } = s.metadata;
  w.uint(index).uint(term);
  writeConfState(w, confState);
  w.bytes(s.data);
}

function readSnapshot(r: ByteReader, limits: RaftCodecLimits): Snapshot {
  const index = r.uint('snapshot index');
  const term = r.uint('snapshot term');
  const confState = readConfState(r);
  const data = r.bytes('snapshot data', limits.entryBytesMax).slice();
  return { metadata: { index, term, confState }, data };
}

export function writeConfState(w: ByteWriter, cs: ConfState): void {
  for (const list of [cs.voters, cs.votersOutgoing, cs.learners, cs.learnersNext]) {
    w.uint(list.length);
    for (const id of list) w.uint(id);
  }
  w.bool(cs.autoLeave);
}

export function readConfState(r: ByteReader): ConfState {
  const lists: NodeId[][] = [];
  for (let i = 0; i < 4; i++) {
    const n = r.count('conf state member', 1);
    const list: NodeId[] = [];
    for (let j = 0; j < n; j++) list.push(readNode(r, 'member'));
    lists.push(list);
  }
  return { voters: lists[0]!, votersOutgoing: lists[1]!, learners: lists[2]!, learnersNext: lists[3]!, autoLeave: r.bool('auto leave') };
}

function readStrings(r: ByteReader): string[] {
  const n = r.count('request ctx', 1);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.string('request ctx', 1024));
  return out;
}
