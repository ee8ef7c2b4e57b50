/**
 * The nemesis's own record, nemesis.jsonl — kept apart from the history so the history stays a
 * pure client record the checkers read unchanged. One event per line, times on the history's clock:
 *
 *   {"index": 0, "time": <ns since test start>, "kind": "partition", "action": "start",
 *    "targets": ["n1", "n3"], "detail": {...}}
 *
 * action: "start" / "stop" (a fault begins / is undone), "once" (a one-shot such as a leader
 * transfer), "heal" (the end-of-run heal of everything), "error" (an action failed; detail says why).
 */
import { nodeName } from '../directed-link.js';
import type { JsonValue } from '../json-value.js';
import type { MonotonicClock } from '../monotonic-clock.js';

export const NEMESIS_ACTIONS = ['start', 'stop', 'once', 'heal', 'error'] as const;
export type NemesisAction = (typeof NEMESIS_ACTIONS)[number];

export interface NemesisEvent {
  readonly index: number;
  readonly timeNs: number;
  readonly kind: string;
  readonly action: NemesisAction;
  /** Node names ("n1"). */
  readonly targets: readonly string[];
  readonly detail: JsonValue;
}

export class NemesisLog {
  private readonly recorded: NemesisEvent[] = [];

  constructor(
    private readonly clock: MonotonicClock,
    private readonly sink: (line: string) => void,
  ) {}

  record(kind: string, action: NemesisAction, targets: readonly number[], detail: JsonValue): NemesisEvent {
    const event: NemesisEvent = { index: this.recorded.length, timeNs: this.clock.nowNs(), kind, action, targets: targets.map(nodeName), detail };
    this.recorded.push(event);
    this.sink(formatNemesisEvent(event));
    return event;
  }

  events(): readonly NemesisEvent[] {
    return this.recorded;
  }
}

export function formatNemesisEvent(event: NemesisEvent): string {
  return JSON.stringify({ index: event.index, time: event.timeNs, kind: event.kind, action: event.action, targets: event.targets, detail: event.detail });
}

/** Parses nemesis.jsonl (for the report of an existing run directory). Bad lines are skipped. */
export function parseNemesisJsonl(text: string): NemesisEvent[] {
  const events: NemesisEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim().length === 0) continue;
    try {
      const raw = JSON.parse(line) as Record<string, unknown>;
      const action = raw['action'];
      if (typeof raw['time'] !== 'number' || typeof raw['kind'] !== 'string' || typeof action !== 'string' || !(NEMESIS_ACTIONS as readonly string[]).includes(action)) continue;
      events.push({
        index: typeof raw['index'] === 'number' ? raw['index'] : events.length,
        timeNs: raw['time'],
        kind: raw['kind'],
        action: action as NemesisAction,
        targets: Array.isArray(raw['targets']) ? raw['targets'].filter((t): t is string => typeof t === 'string') : [],
        detail: (raw['detail'] ?? null) as JsonValue,
      });
    } catch {
      continue;
    }
  }
  return events;
}
