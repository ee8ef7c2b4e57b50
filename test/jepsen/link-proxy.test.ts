/**
 * The link proxy on real loopback sockets: bytes and connections really stop and start again.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkProxy, resetSocket } from './link-proxy.js';
import { LinkProxyMesh } from './link-proxy-mesh.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function echoServer(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  return address.port;
}

async function startProxy(targetPort: number, extra: Partial<Parameters<typeof LinkProxy.start>[0]> = {}): Promise<LinkProxy> {
  const proxy = await LinkProxy.start({ name: 'n1->n2', targetHost: '127.0.0.1', targetPort, ...extra });
  cleanups.push(() => proxy.close());
  return proxy;
}

/** A client connection that collects what it receives and how it ended. */
class Peer {
  received = '';
  closed = false;
  error: string | null = null;
  readonly socket: net.Socket;
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('utf8')));
    this.socket.on('close', () => (this.closed = true));
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.on('error', (error: NodeJS.ErrnoException) => {
        this.error = error.code ?? error.message;
        reject(error);
      });
    });
    this.connected.catch(() => undefined);
    cleanups.push(() => void this.socket.destroy());
  }

  /** Waits until `text` has been received, or `timeoutMs`; true if it arrived. */
  async waitFor(text: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.received.includes(text)) return true;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.received.includes(text);
  }

  async waitClosed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.closed) await new Promise((resolve) => setTimeout(resolve, 5));
    return this.closed;
  }
}

describe('LinkProxy', () => {
  it('passes bytes both ways in pass mode', async () => {
    const proxy = await startProxy(await echoServer());
    const peer = new Peer(proxy.port);
    await peer.connected;
    peer.socket.write('hello');
    expect(await peer.waitFor('hello', 1000)).toBe(true);
    expect(proxy.stats().bytesForwarded).toBe(5);
    expect(proxy.stats().bytesReturned).toBe(5);
  });

  it('blackhole: open connections go silent, new ones hang, nothing is closed; heal delivers what was held', async () => {
    const proxy = await startProxy(await echoServer());
    const before = new Peer(proxy.port);
    await before.connected;
    before.socket.write('one');
    expect(await before.waitFor('one', 1000)).toBe(true);

    await proxy.setMode('blackhole');
    before.socket.write('two');
    const during = new Peer(proxy.port);
    await during.connected; // the kernel completes the handshake; nothing gets through after it
    during.socket.write('three');
    expect(await before.waitFor('two', 300)).toBe(false);
    expect(await during.waitFor('three', 50)).toBe(false);
    expect(before.closed || during.closed).toBe(false);
    expect(proxy.stats().bytesForwarded).toBe(3);

    await proxy.setMode('pass');
    expect(await before.waitFor('onetwo', 1000)).toBe(true);
    expect(await during.waitFor('three', 1000)).toBe(true);
  });

  it("blackhole with heal policy 'reset': connections that lived through it are reset on heal", async () => {
    const proxy = await startProxy(await echoServer(), { blackholeHeal: 'reset' });
    const peer = new Peer(proxy.port);
    await peer.connected;
    await proxy.setMode('blackhole');
    peer.socket.write('lost');
    await proxy.setMode('pass');
    expect(await peer.waitClosed(1000)).toBe(true);
    expect(peer.received).toBe('');
    const fresh = new Peer(proxy.port);
    await fresh.connected;
    fresh.socket.write('ok');
    expect(await fresh.waitFor('ok', 1000)).toBe(true);
  });

  it('reset: open connections are reset, new ones refused, and the same port serves again after heal', async () => {
    const proxy = await startProxy(await echoServer());
    const port = proxy.port;
    const peer = new Peer(port);
    await peer.connected;
    await proxy.setMode('reset');
    expect(await peer.waitClosed(1000)).toBe(true);
    expect(peer.error).toBe('ECONNRESET');

    const refused = new Peer(port);
    await expect(refused.connected).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await proxy.setMode('pass');
    expect(proxy.port).toBe(port);
    const again = new Peer(port);
    await again.connected;
    again.socket.write('back');
    expect(await again.waitFor('back', 1000)).toBe(true);
  });

  it('adds latency in both directions', async () => {
    const proxy = await startProxy(await echoServer());
    const peer = new Peer(proxy.port);
    await peer.connected;
    proxy.setLatencyMs(120);
    const startedMs = Date.now();
    peer.socket.write('slow');
    expect(await peer.waitFor('slow', 2000)).toBe(true);
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(230);
  });

  it('resets the dialer when the target is down', async () => {
    const port = await echoServer();
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    expect(closedPort).not.toBe(port);
    const proxy = await startProxy(closedPort);
    const peer = new Peer(proxy.port);
    await peer.connected;
    peer.socket.write('anyone?');
    expect(await peer.waitClosed(1000)).toBe(true);
  });
});

describe('resetSocket', () => {
  it('closes a socket whose shutdown is pending without the EINVAL that leaves Node spinning at exit', async () => {
    // Node 20: socket.end() then socket.resetAndDestroy() emits EINVAL from libuv and leaves the
    // handle behind; the process then busy-loops in its exit cleanup forever.
    const port = await echoServer();
    const peer = new Peer(port);
    await peer.connected;
    const errors: string[] = [];
    peer.socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
    peer.socket.end();
    resetSocket(peer.socket);
    expect(await peer.waitClosed(1000)).toBe(true);
    expect(errors).toEqual([]);
  });
});

describe('LinkProxyMesh', () => {
  it('blocks directed links only, and overlapping owners keep a link blocked until both release it', async () => {
    const ports = [await echoServer(), await echoServer(), await echoServer()];
    const mesh = await LinkProxyMesh.start({ peerPorts: ports });
    cleanups.push(() => mesh.close());
    expect(mesh.peerAddressesOf(1)[1]).toBeNull();

    const dial = async (from: number, to: number): Promise<boolean> => {
      const address = mesh.peerAddress(from, to);
      const peer = new Peer(Number(address.split(':')[1]));
      try {
        await peer.connected;
      } catch {
        return false;
      }
      peer.socket.write(`${from}${to}`);
      const arrived = await peer.waitFor(`${from}${to}`, 250);
      peer.socket.destroy();
      return arrived;
    };

    // n1 is muted towards n2 only.
    await mesh.block('a', [{ from: 0, to: 1 }], 'blackhole');
    await mesh.block('b', [{ from: 0, to: 1 }, { from: 2, to: 1 }], 'reset');
    expect(mesh.blockedLinks().map((b) => `${b.link.from}>${b.link.to}:${b.mode}`)).toEqual(['0>1:reset', '2>1:reset']);
    expect(await dial(0, 1)).toBe(false);
    expect(await dial(1, 0)).toBe(true);
    expect(await dial(0, 2)).toBe(true);

    await mesh.release('b');
    expect(mesh.blockedLinks().map((b) => `${b.link.from}>${b.link.to}:${b.mode}`)).toEqual(['0>1:blackhole']);
    expect(await dial(2, 1)).toBe(true);
    expect(await dial(0, 1)).toBe(false);

    await mesh.healAll();
    expect(mesh.blockedLinks()).toEqual([]);
    expect(await dial(0, 1)).toBe(true);
  });
});
