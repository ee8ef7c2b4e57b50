import type { ConfChange, ConfChangeSingle } from './conf-change.js';
import { Progress } from './progress.js';
import { isJoint, type ProgressMap, type TrackerConfig } from './tracker.js';
import type { ConfState, LogIndex, NodeId } from './types.js';

export type ConfChangeErrorCode =
  | 'ALREADY_JOINT'
  | 'NOT_JOINT'
  | 'TOO_MANY_VOTER_CHANGES'
  | 'NO_VOTERS'
  | 'BAD_CONF_STATE';

export class ConfChangeError extends Error {
  constructor(
    readonly code: ConfChangeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ConfChangeError';
  }
}

export interface ChangeResult {
  readonly config: TrackerConfig;
  readonly progress: ProgressMap;
}

interface MutableConfig {
  incoming: Set<NodeId>;
  outgoing: Set<NodeId>;
  learners: Set<NodeId>;
  learnersNext: Set<NodeId>;
  autoLeave: boolean;
}

/**
 * Computes the configuration that results from a ConfChange, without touching the live tracker:
 * it works on copies and returns them, so a rejected change leaves nothing half-applied.
 * New members start probing from the leader's last index + 1.
 */
export class Changer {
  constructor(
    private readonly config: TrackerConfig,
    private readonly progress: ProgressMap,
    private readonly lastIndex: LogIndex,
    private readonly inflightCountMax: number,
    private readonly inflightBytesMax: number,
  ) {}

  apply(cc: ConfChange): ChangeResult {
    switch (cc.kind) {
      case 'simple':
        return this.simple(cc.changes);
      case 'enterJoint':
        return this.enterJoint(cc.autoLeave, cc.changes);
      case 'leaveJoint':
        return this.leaveJoint();
    }
  }

  enterJoint(autoLeave: boolean, changes: readonly ConfChangeSingle[]): ChangeResult {
    if (isJoint(this.config)) throw new ConfChangeError('ALREADY_JOINT', 'config is already joint');
    const { cfg, prs } = this.copy();
    if (cfg.incoming.size === 0) throw new ConfChangeError('NO_VOTERS', 'cannot enter joint from an empty config');
    cfg.outgoing = new Set(cfg.incoming);
    this.applyChanges(cfg, prs, changes);
    cfg.autoLeave = autoLeave;
    return this.finish(cfg, prs);
  }

  leaveJoint(): ChangeResult {
    if (!isJoint(this.config)) throw new ConfChangeError('NOT_JOINT', 'config is not joint');
    const { cfg, prs } = this.copy();
    for (const id of cfg.learnersNext) cfg.learners.add(id);
    cfg.learnersNext.clear();
    for (const id of cfg.outgoing) {
      if (!cfg.incoming.has(id) && !cfg.learners.has(id)) prs.delete(id);
    }
    cfg.outgoing.clear();
    cfg.autoLeave = false;
    return this.finish(cfg, prs);
  }

  simple(changes: readonly ConfChangeSingle[]): ChangeResult {
    if (isJoint(this.config)) throw new ConfChangeError('ALREADY_JOINT', 'cannot apply a simple change to a joint config');
    const { cfg, prs } = this.copy();
    this.applyChanges(cfg, prs, changes);
    let changed = 0;
    for (const id of cfg.incoming) if (!this.config.voters.incoming.has(id)) changed++;
    for (const id of this.config.voters.incoming) if (!cfg.incoming.has(id)) changed++;
    if (changed > 1) {
      throw new ConfChangeError('TOO_MANY_VOTER_CHANGES', 'a simple change may add or remove at most one voter; use a joint change');
    }
    return this.finish(cfg, prs);
  }

  private applyChanges(cfg: MutableConfig, prs: ProgressMap, changes: readonly ConfChangeSingle[]): void {
    for (const c of changes) {
      switch (c.op) {
        case 'addVoter':
          this.makeVoter(cfg, prs, c.nodeId);
          break;
        case 'addLearner':
          this.makeLearner(cfg, prs, c.nodeId);
          break;
        case 'remove':
          cfg.incoming.delete(c.nodeId);
          cfg.learners.delete(c.nodeId);
          cfg.learnersNext.delete(c.nodeId);
          // An outgoing voter keeps its progress: the joint config still counts it.
          if (!cfg.outgoing.has(c.nodeId)) prs.delete(c.nodeId);
          break;
      }
    }
    if (cfg.incoming.size === 0) throw new ConfChangeError('NO_VOTERS', 'the change removes every voter');
  }

  private makeVoter(cfg: MutableConfig, prs: ProgressMap, id: NodeId): void {
    if (!prs.has(id)) prs.set(id, this.newProgress(false));
    cfg.learners.delete(id);
    cfg.learnersNext.delete(id);
    cfg.incoming.add(id);
  }

  private makeLearner(cfg: MutableConfig, prs: ProgressMap, id: NodeId): void {
    if (cfg.learners.has(id) || cfg.learnersNext.has(id)) return;
    cfg.incoming.delete(id);
    if (!prs.has(id)) prs.set(id, this.newProgress(true));
    // A voter of the outgoing config cannot be a learner while the joint config still counts its
    // vote; it becomes a learner when the joint config is left.
    if (cfg.outgoing.has(id)) {
      cfg.learnersNext.add(id);
    } else {
      cfg.learners.add(id);
    }
  }

  private newProgress(isLearner: boolean): Progress {
    return new Progress(this.lastIndex + 1, this.inflightCountMax, this.inflightBytesMax, isLearner);
  }

  private copy(): { cfg: MutableConfig; prs: ProgressMap } {
    const c = this.config;
    const cfg: MutableConfig = {
      incoming: new Set(c.voters.incoming),
      outgoing: new Set(c.voters.outgoing),
      learners: new Set(c.learners),
      learnersNext: new Set(c.learnersNext),
      autoLeave: c.autoLeave,
    };
    // Progress objects are shared (not cloned) with the live map: the leader keeps replicating to
    // members that stay. Nothing here may mutate a shared Progress — the leader also runs the
    // Changer just to validate a proposal and throws the result away — so finish() replaces any
    // Progress whose learner flag changes by a copy.
    const prs: ProgressMap = new Map(this.progress);
    return { cfg, prs };
  }

  private finish(cfg: MutableConfig, prs: ProgressMap): ChangeResult {
    for (const [id, pr] of prs) {
      const isLearner = cfg.learners.has(id);
      if (pr.isLearner === isLearner) continue;
      const shared = this.progress.get(id) === pr;
      if (shared) prs.set(id, pr.clone(isLearner));
      else pr.isLearner = isLearner;
    }
    return {
      config: {
        voters: { incoming: cfg.incoming, outgoing: cfg.outgoing },
        learners: cfg.learners,
        learnersNext: cfg.learnersNext,
        autoLeave: cfg.autoLeave,
      },
      progress: prs,
    };
  }
}

/** Builds the tracker state described by a ConfState (at startup and when a snapshot is restored). */
export function restoreConfig(
  cs: ConfState,
  lastIndex: LogIndex,
  inflightCountMax: number,
  inflightBytesMax: number,
): ChangeResult {
  const prs: ProgressMap = new Map();
  const make = (isLearner: boolean): Progress => new Progress(lastIndex + 1, inflightCountMax, inflightBytesMax, isLearner);
  const incoming = new Set(cs.voters);
  const outgoing = new Set(cs.votersOutgoing);
  const learners = new Set(cs.learners);
  const learnersNext = new Set(cs.learnersNext);
  for (const id of incoming) prs.set(id, make(false));
  for (const id of outgoing) if (!prs.has(id)) prs.set(id, make(false));
  for (const id of learners) {
    if (incoming.has(id) || outgoing.has(id)) {
      throw new ConfChangeError('BAD_CONF_STATE', `member ${id} is both learner and voter`);
    }
    prs.set(id, make(true));
  }
  for (const id of learnersNext) {
    if (!outgoing.has(id)) throw new ConfChangeError('BAD_CONF_STATE', `next learner ${id} is not an outgoing voter`);
    if (incoming.has(id)) throw new ConfChangeError('BAD_CONF_STATE', `next learner ${id} is also an incoming voter`);
    if (learners.has(id)) throw new ConfChangeError('BAD_CONF_STATE', `next learner ${id} is already a learner`);
  }
  if (outgoing.size === 0 && (learnersNext.size > 0 || cs.autoLeave)) {
    throw new ConfChangeError('BAD_CONF_STATE', 'learnersNext/autoLeave set outside a joint config');
  }
  return {
    config: { voters: { incoming, outgoing }, learners, learnersNext, autoLeave: cs.autoLeave },
    progress: prs,
  };
}
