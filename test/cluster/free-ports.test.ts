import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../../cluster/cli/free-ports.js';

describe('freePorts', () => {
  it('gives distinct, bindable ports below the kernel ephemeral range (never one a bind(0) could be handed)', async () => {
    const ports = await freePorts(40);
    expect(new Set(ports).size).toBe(40);
    const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(20_000);
      expect(p).toBeLessThan(ephemeralLow!);
    }
    // Each one binds.
    for (const p of ports.slice(0, 5)) {
      await new Promise<void>((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(p, '127.0.0.1', () => s.close(() => resolve()));
      });
    }
  });

  it('skips a port that is taken, and says so when the range runs out', async () => {
    const [base] = await freePorts(1, { low: 20_000, high: 31_000 });
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(base, '127.0.0.1', () => resolve()));
    try {
      // Three candidates, one taken: the other two, whatever order they are drawn in.
      const got = await freePorts(2, { low: base! - 1, high: base! + 1 });
      expect(got.sort()).toEqual([base! - 1, base! + 1]);
      await expect(freePorts(3, { low: base! - 1, high: base! + 1 })).rejects.toThrow(/found only 2 of 3/);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
