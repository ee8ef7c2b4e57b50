/** What the driver loop did, for the periodic activity log and Admin.Status. */
export interface LoopCounters {
  turns: number;
  commits: number;
  commitMs: number;
  readies: number;
  proposals: number;
  messagesIn: number;
  messagesOut: number;
  /** Peer raft messages dropped because no correct peer sends them (see refuseInbound). */
  messagesRefused: number;
}

export function newLoopCounters(): LoopCounters {
  return { turns: 0, commits: 0, commitMs: 0, readies: 0, proposals: 0, messagesIn: 0, messagesOut: 0, messagesRefused: 0 };
}
