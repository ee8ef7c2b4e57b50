/**
 * A TCP proxy for one directed link P(i→j): node i dials the proxy instead of node j, and the proxy
 * dials node j. Both directions of every connection i opened to j pass through it, so blocking it
 * cuts what i says to j (and j's answers on those connections), while j's own connections to i go
 * through P(j→i) — which is what makes one-way partitions possible. The nodes' code is not involved.
 *
 * Modes:
 *   pass       bytes flow, optionally delayed by `latencyMs` (order kept).
 *   blackhole  no byte moves in either direction and new connections hang (accepted but never
 *              dialed through, nothing answered). Nothing is closed, nobody is told: the endpoints
 *              see silence, as in a real partition. Bytes are held back, not discarded — a TCP
 *              byte stream with a hole in it is something no real network produces, since TCP
 *              retransmits — and on heal they are delivered, as TCP would once packets get
 *              through again. With `blackholeHeal: 'reset'` connections that lived through the
 *              blackhole are reset on heal instead, like TCP connections that timed out.
 *   reset      existing connections are reset (RST) and the listening socket is closed, so new
 *              connections are refused (ECONNREFUSED) until the mode changes.
 *
 * Bounded: at most `queuedBytesMax` bytes are held per direction per connection; beyond that the
 * proxy stops reading from the sender (TCP backpressure, as a full network path would).
 *
 * One difference from a real network remains: the proxy's kernel accepts a connection before the
 * proxy can dial the target, so dialing a node that is down (killed) through a proxy in pass mode
 * gives a connection that is then reset (ECONNRESET), not ECONNREFUSED. A node must treat that as
 * an unknown outcome, which is always safe; it only costs information (more `info` operations).
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export type LinkMode = 'pass' | 'blackhole' | 'reset';
export type BlackholeHealPolicy = 'resume' | 'reset';

export interface LinkProxyOptions {
  /** For logs and errors, e.g. "n1->n2". */
  readonly name: string;
  readonly targetHost: string;
  readonly targetPort: number;
  readonly listenHost?: string;
  /** 0 (default) lets the OS choose; the port is kept across reset mode. */
  readonly listenPort?: number;
  readonly queuedBytesMax?: number;
  readonly blackholeHeal?: BlackholeHealPolicy;
  /** How long re-opening the listening port after reset mode may take (EADDRINUSE retries). */
  readonly rebindTimeoutMs?: number;
}

export interface LinkProxyStats {
  readonly connectionsAccepted: number;
  readonly connectionsOpen: number;
  readonly connectionsReset: number;
  /** Bytes delivered from the dialer (node i) to the target (node j). */
  readonly bytesForwarded: number;
  /** Bytes delivered from the target back to the dialer. */
  readonly bytesReturned: number;
}

export type LinkProxyErrorCode = 'LISTEN_FAILED' | 'CLOSED';

export class LinkProxyError extends Error {
  constructor(
    readonly code: LinkProxyErrorCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'LinkProxyError';
  }
}

const QUEUED_BYTES_MAX_DEFAULT = 4 * 1024 * 1024;
const REBIND_TIMEOUT_MS_DEFAULT = 3000;
const REBIND_RETRY_MS = 25;

interface QueuedChunk {
  /** null marks the sender's end of stream (FIN), delivered in order. */
  readonly chunk: Buffer | null;
  readonly dueMs: number;
}

/**
 * Closes a socket with a TCP reset, as a network that drops a connection does. Only when no
 * shutdown (FIN) is under way or done on it: libuv refuses to reset such a socket (EINVAL), and
 * Node then leaves its handle half-torn-down, which can make the process spin at exit. Those get a
 * plain destroy — the FIN has gone out already.
 */
export function resetSocket(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.writableEnded || socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}

/** One direction of one connection. */
class Pump {
  private readonly queue: QueuedChunk[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private waitingForDrain = false;
  private pausedByUs = false;
  deliveredBytes = 0;

  constructor(
    private readonly proxy: LinkProxy,
    private readonly source: net.Socket,
    private readonly destination: () => net.Socket | null,
    private readonly onDelivered: (bytes: number) => void,
    private readonly onDeadDestination: () => void,
  ) {
    source.on('data', (chunk: Buffer) => {
      this.queue.push({ chunk, dueMs: performance.now() + proxy.latencyMs });
      this.queuedBytes += chunk.length;
      if (this.queuedBytes >= proxy.queuedBytesMax && !this.pausedByUs) {
        this.pausedByUs = true;
        source.pause();
      }
      this.flush();
    });
    source.on('end', () => {
      this.queue.push({ chunk: null, dueMs: performance.now() + proxy.latencyMs });
      this.flush();
    });
  }

  flush(): void {
    const destination = this.destination();
    if (this.proxy.mode !== 'pass' || destination === null || destination.connecting) return;
    if (destination.destroyed) {
      // Writing to a closed socket: TCP answers with a reset, so does the proxy.
      if (this.queue.length > 0) this.onDeadDestination();
      return;
    }
    const nowMs = performance.now();
    while (this.queue.length > 0 && !this.waitingForDrain) {
      const head = this.queue[0]!;
      if (head.dueMs > nowMs) {
        this.schedule(head.dueMs - nowMs);
        return;
      }
      this.queue.shift();
      if (head.chunk === null) {
        destination.end();
        continue;
      }
      this.queuedBytes -= head.chunk.length;
      this.deliveredBytes += head.chunk.length;
      this.onDelivered(head.chunk.length);
      if (!destination.write(head.chunk)) {
        this.waitingForDrain = true;
        destination.once('drain', () => {
          this.waitingForDrain = false;
          this.flush();
        });
      }
    }
    if (this.pausedByUs && this.queuedBytes < this.proxy.queuedBytesMax) {
      this.pausedByUs = false;
      this.source.resume();
    }
  }

  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, Math.max(1, Math.ceil(delayMs)));
  }
}

/** One accepted connection and its upstream. */
class ProxiedConnection {
  upstream: net.Socket | null = null;
  /** Lived through a blackhole (for the 'reset' heal policy). */
  blackholed = false;
  /** One side closed abruptly while blackholed; the other learns on heal. */
  private abortPending = false;
  private finished = false;
  private readonly forward: Pump;
  private backward: Pump | null = null;

  constructor(
    private readonly proxy: LinkProxy,
    readonly client: net.Socket,
  ) {
    client.setNoDelay(true);
    this.forward = new Pump(proxy, client, () => this.upstream, (bytes) => proxy.countForwarded(bytes), () => this.reset());
    client.on('error', () => this.abruptClose());
    client.on('close', () => this.sideClosed());
    if (proxy.mode === 'blackhole') this.blackholed = true;
    if (proxy.mode === 'pass') this.dial();
  }

  /** Called on every mode change to pass, and at accept time in pass mode. */
  onPass(): void {
    if (this.finished) return;
    if (this.abortPending) {
      this.reset();
      return;
    }
    if (this.upstream === null) {
      this.dial();
      return;
    }
    this.forward.flush();
    this.backward?.flush();
  }

  reset(): void {
    if (this.finished) return;
    this.finished = true;
    this.forward.clear();
    this.backward?.clear();
    resetSocket(this.client);
    if (this.upstream !== null) resetSocket(this.upstream);
    this.proxy.forget(this);
  }

  private dial(): void {
    const upstream = net.connect({ host: this.proxy.targetHost, port: this.proxy.targetPort, allowHalfOpen: true });
    this.upstream = upstream;
    upstream.setNoDelay(true);
    this.backward = new Pump(this.proxy, upstream, () => this.client, (bytes) => this.proxy.countReturned(bytes), () => this.reset());
    upstream.on('connect', () => {
      this.forward.flush();
    });
    upstream.on('error', () => this.abruptClose());
    upstream.on('close', () => this.sideClosed());
  }

  private abruptClose(): void {
    if (this.finished) return;
    if (this.proxy.mode === 'blackhole') {
      // The other side must not hear about it through a partition.
      this.abortPending = true;
      return;
    }
    this.reset();
  }

  private sideClosed(): void {
    if (this.finished) return;
    const upstreamClosed = this.upstream === null || this.upstream.destroyed;
    if (this.client.destroyed && upstreamClosed) {
      // Both sides done (or the dialer gave up before anything was dialed through).
      this.finished = true;
      this.forward.clear();
      this.backward?.clear();
      this.proxy.forget(this);
    }
    // Otherwise the surviving side learns in order: the closed side's end of stream is queued to
    // it, and anything it still sends to the closed side resets it (see Pump's onDeadDestination).
  }
}

export class LinkProxy {
  readonly name: string;
  readonly targetHost: string;
  readonly targetPort: number;
  readonly listenHost: string;
  readonly queuedBytesMax: number;
  private readonly blackholeHeal: BlackholeHealPolicy;
  private readonly rebindTimeoutMs: number;
  private server: net.Server | null = null;
  private boundPort: number;
  private currentMode: LinkMode = 'pass';
  private currentLatencyMs = 0;
  private readonly connections = new Set<ProxiedConnection>();
  private modeChain: Promise<void> = Promise.resolve();
  private closed = false;
  private accepted = 0;
  private resets = 0;
  private forwarded = 0;
  private returned = 0;

  private constructor(options: LinkProxyOptions) {
    this.name = options.name;
    this.targetHost = options.targetHost;
    this.targetPort = options.targetPort;
    this.listenHost = options.listenHost ?? '127.0.0.1';
    this.boundPort = options.listenPort ?? 0;
    this.queuedBytesMax = options.queuedBytesMax ?? QUEUED_BYTES_MAX_DEFAULT;
    this.blackholeHeal = options.blackholeHeal ?? 'resume';
    this.rebindTimeoutMs = options.rebindTimeoutMs ?? REBIND_TIMEOUT_MS_DEFAULT;
  }

  static async start(options: LinkProxyOptions): Promise<LinkProxy> {
    const proxy = new LinkProxy(options);
    await proxy.listen();
    return proxy;
  }

  get port(): number {
    return this.boundPort;
  }

  /** "127.0.0.1:40123": what the dialing node is told to connect to. */
  get address(): string {
    return `${this.listenHost}:${this.boundPort}`;
  }

  get mode(): LinkMode {
    return this.currentMode;
  }

  get latencyMs(): number {
    return this.currentLatencyMs;
  }

  /** Delay added to every chunk from now on, both directions. */
  setLatencyMs(latencyMs: number): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new RangeError(`latency must be ≥ 0 ms, got ${latencyMs}`);
    this.currentLatencyMs = latencyMs;
  }

  /** Changes the mode; calls are applied in order. Resolves once the new mode is in force. */
  setMode(mode: LinkMode): Promise<void> {
    const next = this.modeChain.then(() => this.applyMode(mode));
    this.modeChain = next.catch(() => undefined);
    return next;
  }

  stats(): LinkProxyStats {
    return {
      connectionsAccepted: this.accepted,
      connectionsOpen: this.connections.size,
      connectionsReset: this.resets,
      bytesForwarded: this.forwarded,
      bytesReturned: this.returned,
    };
  }

  /** Resets every connection and stops listening. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.modeChain;
    this.closed = true;
    this.resetAll();
    await this.stopListening();
  }

  /** @internal */
  countForwarded(bytes: number): void {
    this.forwarded += bytes;
  }

  /** @internal */
  countReturned(bytes: number): void {
    this.returned += bytes;
  }

  /** @internal */
  forget(connection: ProxiedConnection): void {
    this.connections.delete(connection);
  }

  private async applyMode(mode: LinkMode): Promise<void> {
    if (this.closed) throw new LinkProxyError('CLOSED', `${this.name} is closed`);
    const previous = this.currentMode;
    if (mode === previous) return;
    this.currentMode = mode;
    switch (mode) {
      case 'reset':
        this.resetAll();
        await this.stopListening();
        return;
      case 'blackhole':
        if (previous === 'reset') await this.listen();
        for (const connection of this.connections) connection.blackholed = true;
        return;
      case 'pass':
        if (previous === 'reset') await this.listen();
        for (const connection of [...this.connections]) {
          if (connection.blackholed && this.blackholeHeal === 'reset') {
            this.resets += 1;
            connection.reset();
            continue;
          }
          connection.blackholed = false;
          connection.onPass();
        }
        return;
    }
  }

  private resetAll(): void {
    for (const connection of [...this.connections]) {
      this.resets += 1;
      connection.reset();
    }
  }

  private onConnection(socket: net.Socket): void {
    if (this.closed || this.currentMode === 'reset') {
      resetSocket(socket);
      return;
    }
    this.accepted += 1;
    this.connections.add(new ProxiedConnection(this, socket));
  }

  private async listen(): Promise<void> {
    const deadlineMs = performance.now() + this.rebindTimeoutMs;
    for (;;) {
      try {
        await this.listenOnce();
        return;
      } catch (error: unknown) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' || this.boundPort === 0 || performance.now() > deadlineMs) {
          throw new LinkProxyError('LISTEN_FAILED', `${this.name} cannot listen on ${this.listenHost}:${this.boundPort}: ${String(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, REBIND_RETRY_MS));
      }
    }
  }

  private listenOnce(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, (socket) => this.onConnection(socket));
      server.once('error', reject);
      server.listen({ host: this.listenHost, port: this.boundPort, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        const address = server.address();
        if (address !== null && typeof address === 'object') this.boundPort = address.port;
        this.server = server;
        resolve();
      });
    });
  }

  private stopListening(): Promise<void> {
    const server = this.server;
    this.server = null;
    // close() releases the listening socket at once (new connections are refused from here on);
    // its callback would wait for accepted connections, which this proxy resets itself.
    if (server !== null) server.close();
    return Promise.resolve();
  }
}
