import * as net from 'node:net';

/**
 * A TCP proxy in front of a fake server, so a test can cut connections the way a crash or a
 * network fault would: `dropConnections` resets every open connection, `setDown(true)` refuses
 * new ones (accept-then-reset). Listens on 127.0.0.1 only.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private down = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = net.createServer((client) => {
      if (proxy === undefined || proxy.down) {
        client.destroy();
        return;
      }
      const upstream = net.connect(targetPort, '127.0.0.1');
      // Without this, Nagle and delayed ACKs add ~40 ms to every small request.
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      const all = proxy.sockets;
      all.add(client);
      all.add(upstream);
      const kill = (): void => {
        client.destroy();
        upstream.destroy();
        all.delete(client);
        all.delete(upstream);
      };
      client.on('error', kill).on('close', kill);
      upstream.on('error', kill).on('close', kill);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  /** Resets every open connection (the peer sees the connection lost mid-call). */
  dropConnections(): void {
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  /** While down, connections are accepted and reset at once, like a dead node's port. */
  setDown(down: boolean): void {
    this.down = down;
    if (down) this.dropConnections();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
