/**
 * Free TCP ports on the loopback interface, found by binding port 0 and closing again. All the
 * ports are held open together before any is released, so one call never returns a port twice;
 * another process could still take one before the node binds it, which on a quiet loopback is rare
 * and shows up as a node failing to start (an error, never a wrong verdict).
 */
import net from 'node:net';

export async function allocatePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
      servers.push(server);
    }
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address !== 'object') throw new Error('allocatePorts: no address');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
