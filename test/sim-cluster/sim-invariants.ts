import { timestampMax } from '../../storage/index.js';
import { CodecError } from '../../proto/byte-codec.js';
import { bytesEqual } from '../../proto/range-descriptor.js';
import type { Node } from '../../cluster/node/node.js';
import { decodeCommand } from '../../cluster/kv/command.js';
import { decodeRangeDescriptor, encodeRangeDescriptor } from '../../cluster/replica/range-descriptor-codec.js';
import type { KvReplica } from '../../cluster/node/replica-set.js';
import { fnv1a, mix } from '../sim/hash.js';
import type { Observation, ObservationSink } from './sim-client.js';

export interface InvariantViolation {
  readonly atMs: number;
  readonly rule: string;
  readonly detail: string;
}

const scanRowsMax = 10_000;

/** A fingerprint of a range's applied state on one replica: its newest versions and its range-local table. */
export function stateFingerprint(node: Node, r: KvReplica): number {
  const inspect = node.inspectStore();
  const d = r.descriptor;
  let h = 0x12345;
  for (const p of inspect.mvcc.scan({ span: { start: d.start, end: d.end }, readTs: timestampMax, limit: scanRowsMax })) {
    h = mix(h, fnv1a(p.key));
    h = mix(h, Number(p.commitTs & 0xffffffffn));
    h = mix(h, Number(p.commitTs >> 32n));
    h = mix(h, fnv1a(p.value));
  }
  for (const e of inspect.rangeLocal(r.rangeId).scan({ prefix: new Uint8Array(0), limit: scanRowsMax })) {
    h = mix(h, fnv1a(e.key));
    h = mix(h, fnv1a(e.value));
  }
  return h;
}

interface AckedWrite {
  readonly clientId: Uint8Array;
  readonly seq: number;
  readonly atMs: number;
}

/**
 * The node-level invariants, checked after every event of a run:
 * - one applied state per (range, index): every replica that has applied a range up to index i
 *   holds the same data there (state machine safety, snapshots and the exactly-once table included);
 * - an acknowledged write is in the committed log: whatever replica applies the index a write was
 *   acknowledged at finds that write's entry there;
 * - no replica serves a read older than one already acknowledged: a linearizable (or follower) read
 *   is served at an index at least as high as any operation on its range acknowledged before it was
 *   invoked, and a session read at least as high as the client's own token.
 */
export class NodeInvariants implements ObservationSink {
  readonly violations: InvariantViolation[] = [];
  private readonly fingerprints = new Map<string, { fp: number; storeId: number }>();
  private readonly lastChecked = new Map<string, number>();
  private readonly acked = new Map<number, Map<number, AckedWrite>>();
  private readonly floor = new Map<number, number>();
  /** Writes acknowledged since the last verifyNow. */
  private fresh: { rangeId: number; index: number; w: AckedWrite }[] = [];
  observations = 0;
  fingerprintsCompared = 0;
  ackedWritesVerified = 0;
  private readonly refusersReported = new WeakSet<Node>();
  private readonly confVersions = new Map<number, number>();

  constructor(private readonly nowMs: () => number) {}

  private violate(rule: string, detail: string): void {
    if (this.violations.length < 50) this.violations.push({ atMs: this.nowMs(), rule, detail });
  }

  /** The newest configuration version any replica of the range has applied, live now or not. */
  highestConfVersion(rangeId: number): number {
    return this.confVersions.get(rangeId) ?? 0;
  }

  ackedFloor(): ReadonlyMap<number, number> {
    return this.floor;
  }

  observe(o: Observation): void {
    this.observations++;
    if (o.kind === 'read') {
      const need = o.consistency === 'session' ? (o.ownToken.get(o.rangeId) ?? 0) : (o.floor.get(o.rangeId) ?? 0);
      if (o.index < need) {
        this.violate('stale read', `a ${o.consistency} read of range ${o.rangeId} was served at index ${o.index}, below ${need} already acknowledged before it was invoked`);
      }
    } else {
      let m = this.acked.get(o.rangeId);
      if (m === undefined) this.acked.set(o.rangeId, (m = new Map()));
      const prev = m.get(o.index);
      if (prev !== undefined && !(bytesEqual(prev.clientId, o.clientId) && prev.seq === o.seq)) {
        this.violate('acknowledged write lost', `range ${o.rangeId} index ${o.index} acknowledged for two different writes`);
      }
      const w = { clientId: o.clientId, seq: o.seq, atMs: this.nowMs() };
      m.set(o.index, w);
      this.fresh.push({ rangeId: o.rangeId, index: o.index, w });
    }
    this.floor.set(o.rangeId, Math.max(this.floor.get(o.rangeId) ?? 0, o.index));
  }

  /** After an event: every live replica whose applied index moved is fingerprinted and its acked entries verified. */
  check(nodes: Iterable<Node>): void {
    for (const node of nodes) {
      if (node.counters.messagesRefused > 0 && !this.refusersReported.has(node)) {
        // Every node here is correct: a refused peer message is a false refusal (or a real bug).
        this.refusersReported.add(node);
        this.violate('message refused', `store ${node.storeId} refused a raft message from a correct peer (see its warn log 'raft message refused')`);
      }
      for (const r of node.replicas.all()) {
        const applied = r.appliedIndex();
        const key = `${node.storeId}/${r.rangeId}/${r.replicaId}`;
        const last = this.lastChecked.get(key) ?? -1;
        if (applied === last) continue;
        this.lastChecked.set(key, applied);
        const v = r.descriptor.epoch.confVersion;
        if (v > (this.confVersions.get(r.rangeId) ?? 0)) this.confVersions.set(r.rangeId, v);
        this.compareFingerprint(node, r, applied);
        this.compareDescriptor(node, r);
        this.verifyAcked(node, r, Math.max(0, last), applied);
      }
    }
  }

  /** The replica's descriptor in memory is the one its store persisted (seed 40431: a snapshot left it stale). */
  private compareDescriptor(node: Node, r: KvReplica): void {
    if (bytesEqual(encodeRangeDescriptor(r.descriptor), r.storage.descriptor())) return;
    const persisted = decodeRangeDescriptor(r.storage.descriptor());
    const show = (d: typeof persisted): string => `v${d.epoch.confVersion} ${d.replicas.map((x) => `${x.replicaId}@s${x.storeId}`).join(',')} next ${d.nextReplicaId}`;
    this.violate('stale descriptor', `store ${node.storeId} range ${r.rangeId}: in memory ${show(r.descriptor)}, persisted ${show(persisted)}`);
  }

  private compareFingerprint(node: Node, r: KvReplica, applied: number): void {
    const fp = stateFingerprint(node, r);
    const at = `${r.rangeId}@${applied}`;
    const seen = this.fingerprints.get(at);
    if (seen === undefined) {
      this.fingerprints.set(at, { fp, storeId: node.storeId });
      if (this.fingerprints.size > 200_000) this.fingerprints.clear();
      return;
    }
    this.fingerprintsCompared++;
    if (seen.fp !== fp) {
      this.violate('divergent replicas', `range ${r.rangeId} at applied index ${applied}: store ${node.storeId} holds state ${fp.toString(16)}, store ${seen.storeId} held ${seen.fp.toString(16)}`);
    }
  }

  private verifyAcked(node: Node, r: KvReplica, fromExclusive: number, toInclusive: number): void {
    const m = this.acked.get(r.rangeId);
    if (m === undefined || m.size === 0) return;
    const first = r.storage.firstIndex();
    for (const [index, w] of m) {
      if (index <= fromExclusive || index > toInclusive || index < first) continue;
      this.verifyEntry(node, r, index, w);
    }
  }

  /** Verifies the writes acknowledged since the last call against every live replica that already applied them. */
  verifyNow(nodes: Iterable<Node>): void {
    if (this.fresh.length === 0) return;
    const fresh = this.fresh;
    this.fresh = [];
    for (const node of nodes) {
      for (const r of node.replicas.all()) {
        const applied = r.appliedIndex();
        const first = r.storage.firstIndex();
        for (const f of fresh) if (f.rangeId === r.rangeId && f.index <= applied && f.index >= first) this.verifyEntry(node, r, f.index, f.w);
      }
    }
  }

  private verifyEntry(node: Node, r: KvReplica, index: number, w: AckedWrite): void {
    const entry = r.storage.entries(index, index + 1, Number.MAX_SAFE_INTEGER)[0];
    if (entry === undefined) return;
    this.ackedWritesVerified++;
    let matches = false;
    if (entry.type === 'normal' && entry.data.length > 0) {
      try {
        const cmd = decodeCommand(entry.data);
        matches = cmd.session !== null && bytesEqual(cmd.session.clientId, w.clientId) && cmd.session.seq === w.seq;
      } catch (e) {
        if (!(e instanceof CodecError)) throw e;
      }
    }
    if (!matches) {
      this.violate('acknowledged write lost', `range ${r.rangeId} index ${index} was acknowledged for seq ${w.seq} of a client, but store ${node.storeId} applied another entry there`);
    }
  }

  /** After healing: every member of each range (by its newest descriptor) agrees on applied index and state. */
  checkConverged(nodes: readonly Node[]): string[] {
    const problems: string[] = [];
    const byRange = new Map<number, { node: Node; r: KvReplica }[]>();
    for (const node of nodes) {
      for (const r of node.replicas.all()) {
        let list = byRange.get(r.rangeId);
        if (list === undefined) byRange.set(r.rangeId, (list = []));
        list.push({ node, r });
      }
    }
    for (const [rangeId, list] of byRange) {
      const newest = list.reduce((a, b) => (b.r.descriptor.epoch.confVersion > a.r.descriptor.epoch.confVersion ? b : a)).r.descriptor;
      const members = list.filter(({ node, r }) => newest.replicas.some((x) => x.storeId === node.storeId && x.replicaId === r.replicaId));
      const states = members.map(({ node, r }) => ({ storeId: node.storeId, applied: r.appliedIndex(), fp: stateFingerprint(node, r) }));
      if (new Set(states.map((x) => x.applied)).size > 1 || new Set(states.map((x) => x.fp)).size > 1) {
        const raft = members.map(({ node, r }) => {
          const st = r.raw.status();
          const progress = st.progress === undefined ? '' : ` progress ${[...st.progress].map(([id, p]) => `${id}:${p.state} match ${p.match} next ${p.next}`).join(' ')}`;
          return `store ${node.storeId} (replica ${r.replicaId}): ${st.role} term ${st.term} lead ${st.lead} commit ${st.commit} applied ${st.applied} last ${st.lastIndex} first ${r.storage.firstIndex()}${st.quiesced ? ' quiesced' : ''} voters ${st.confState.voters.join(',')}${progress}`;
        });
        problems.push(`range ${rangeId} did not converge: ${states.map((x) => `store ${x.storeId} applied ${x.applied} state ${x.fp.toString(16)}`).join(', ')}\n    ${raft.join('\n    ')}`);
      }
      if (members.length < newest.replicas.length) {
        problems.push(`range ${rangeId}: ${newest.replicas.length - members.length} of its ${newest.replicas.length} replicas are missing on their stores`);
      }
    }
    return problems;
  }
}
