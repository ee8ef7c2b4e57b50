import { decodeSessionToken, encodeSessionToken, mergeSessionTokens, type SessionToken } from '../proto/session-token.js';

/**
 * The client's session token, sent with every request so that SESSION reads see this client's
 * writes and never go back in time on any replica. Each answer's token is merged in (per range, the
 * highest index: proto/session-token.ts) rather than kept as the last to arrive, so answers to
 * concurrent calls on different ranges never lose each other's progress.
 */
export class SessionTracker {
  private token: SessionToken = new Map();
  private encoded: Uint8Array = new Uint8Array(0);

  /** The merged token in wire form. */
  get current(): Uint8Array {
    return this.encoded;
  }

  observe(wire: Uint8Array): void {
    if (wire.length === 0) return;
    const seen = decodeSessionToken(wire);
    let advanced = false;
    for (const [rangeId, index] of seen) if ((this.token.get(rangeId) ?? 0) < index) advanced = true;
    if (!advanced) return;
    this.token = mergeSessionTokens(this.token, seen);
    this.encoded = encodeSessionToken(this.token);
  }
}
