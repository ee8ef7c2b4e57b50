import type { Message, NodeId, SeededRng } from '../../raft/index.js';

interface InFlight {
  readonly deliverAtStep: number;
  readonly seq: number;
  readonly message: Message;
}

export type DropReason = 'loss' | 'partition' | 'down';

/**
 * A seeded network: every message gets an independent delay (so messages reorder), may be lost or
 * duplicated, and is dropped while its link is cut. Links are directed, so partitions can be
 * asymmetric. Delivery order is fully determined by (deliverAtStep, seq).
 */
export class SimNetwork {
  private queue: InFlight[] = [];
  private seq = 0;
  /** Directed links that drop traffic: key `${from}>${to}`. */
  private readonly blocked = new Set<string>();
  lossRate: number;
  duplicateRate: number;
  delayStepsMax: number;
  sentCount = 0;
  droppedCount = 0;

  constructor(
    private readonly rng: SeededRng,
    opts: { lossRate: number; duplicateRate: number; delayStepsMax: number },
  ) {
    this.lossRate = opts.lossRate;
    this.duplicateRate = opts.duplicateRate;
    this.delayStepsMax = opts.delayStepsMax;
  }

  /** Returns why the message was dropped at send time, or undefined if it is on its way. */
  send(m: Message, nowStep: number): DropReason | undefined {
    this.sentCount++;
    if (this.isBlocked(m.from, m.to)) {
      this.droppedCount++;
      return 'partition';
    }
    if (this.rng.chance(this.lossRate)) {
      this.droppedCount++;
      return 'loss';
    }
    this.enqueue(m, nowStep);
    if (this.rng.chance(this.duplicateRate)) this.enqueue(m, nowStep);
    return undefined;
  }

  private enqueue(m: Message, nowStep: number): void {
    const delay = 1 + this.rng.int(this.delayStepsMax);
    this.insert({ deliverAtStep: nowStep + delay, seq: this.seq++, message: m });
  }

  private insert(item: InFlight): void {
    // Keep (deliverAtStep, seq) order; seq only grows, so scanning from the back finds the spot fast.
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.deliverAtStep > item.deliverAtStep) i--;
    this.queue.splice(i, 0, item);
  }

  /**
   * Removes and returns the messages due at or before `nowStep`. Partitions also cut messages in
   * flight; each one cut is passed to `onCut` (a transport notices a broken snapshot stream).
   */
  takeDue(nowStep: number, onCut?: (m: Message) => void): Message[] {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.deliverAtStep <= nowStep) n++;
    const due = this.queue.splice(0, n);
    const out: Message[] = [];
    for (const d of due) {
      if (this.isBlocked(d.message.from, d.message.to)) {
        this.droppedCount++;
        onCut?.(d.message);
      } else out.push(d.message);
    }
    return out;
  }

  /** Puts a message back to be delivered later (its receiver is paused). */
  defer(m: Message, untilStep: number): void {
    this.insert({ deliverAtStep: untilStep, seq: this.seq++, message: m });
  }

  block(from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}>${to}`);
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.size > 0 && this.blocked.has(`${from}>${to}`);
  }

  heal(): void {
    this.blocked.clear();
  }

  hasPartition(): boolean {
    return this.blocked.size > 0;
  }

  inFlight(): number {
    return this.queue.length;
  }
}
