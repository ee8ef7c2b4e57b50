import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SeededRng, type Rng } from '../../raft/index.js';
import type { Clock } from './clock.js';
import type { Timer, Timers } from './timers.js';

/**
 * The production adapters of the node's ports: the only files of cluster/ (with cluster/grpc/ and
 * cluster/cli/) allowed to touch the real clock, timers, randomness and sockets. The node itself
 * sees only the interfaces, so the whole-cluster simulator can run it unchanged.
 */
export const realClock: Clock = Object.freeze({
  monotonicMs: () => performance.now(),
  wallMs: () => Date.now(),
});

/** Node's timers, unref'd: the gRPC server keeps a node process alive, timers never do. */
export const realTimers: Timers = Object.freeze({
  after(ms: number, fn: () => void): Timer {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  every(ms: number, fn: () => void): Timer {
    const t = setInterval(fn, ms);
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
  soon(fn: () => void): void {
    setImmediate(fn);
  },
});

/** Randomness for raft timeouts and request ids: seeded from the OS once per process. */
export function realRng(): Rng {
  return new SeededRng(randomInt(2 ** 31));
}

/** Crash-only: a node whose loop broke ends its process (a supervisor restarts it from its files). */
export function exitProcess(code: number): void {
  process.exit(code);
}
