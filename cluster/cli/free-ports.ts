import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Ports for processes about to be started on this machine (the local demo, tests, the harness,
 * benchmarks), free when chosen.
 *
 * A port found by binding port 0 and closing again is a port the kernel hands out for ephemeral
 * use, so before our process binds it the kernel may give it to anyone else asking for port 0 (a
 * proxy listener, the local end of an outbound connection): EADDRINUSE, rarely, at random — the
 * Jepsen suite lost a run to exactly that. These ports are drawn instead, at random, from below
 * the kernel's ephemeral range (net.ipv4.ip_local_port_range), which only an explicit bind takes,
 * and each is checked by binding it.
 */
export async function freePorts(count: number, opts: { host?: string; low?: number; high?: number } = {}): Promise<number[]> {
  const host = opts.host ?? '127.0.0.1';
  const range = candidateRange();
  const low = opts.low ?? range.low;
  const high = opts.high ?? range.high;
  const out = new Set<number>();
  let attempts = 0;
  while (out.size < count) {
    if (++attempts > count * 200) throw new Error(`freePorts: found only ${out.size} of ${count} free ports in ${low}-${high}`);
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (!out.has(port) && (await canBind(port, host))) out.add(port);
  }
  return [...out];
}

/** Below the ephemeral range (Linux default 32768-60999), above the well-known and common service ports. */
function candidateRange(): { low: number; high: number } {
  const low = 20_000;
  let ephemeralLow = 32_768;
  try {
    const [first] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(first);
    if (Number.isSafeInteger(n) && n > low + 1000) ephemeralLow = n;
  } catch {
    // Not Linux (or no /proc): keep the default, which is also IANA's dynamic range start on others.
  }
  return { low, high: Math.min(ephemeralLow, 49_152) - 1 };
}

export function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}
