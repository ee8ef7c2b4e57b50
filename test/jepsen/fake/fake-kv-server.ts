/**
 * A tiny key-value node for testing the harness itself, linearizable by construction when
 * correct: node 0 (n1), the primary, holds the only copy of the data and applies each operation
 * atomically (one JavaScript turn); every other node forwards to it through its peer address — the
 * harness's proxy P(i→0) — so partitions, kills and pauses make operations fail or end unknown,
 * never wrong. The primary appends every change to `<data-dir>/kv.log` before answering and replays
 * it on start, so kill -9 loses nothing (page cache survives a process, not a machine).
 *
 * --bug stale-reads: followers answer reads from a local copy they refresh from the primary every
 * --sync-interval-ms, without asking the primary — follower reads without ReadIndex. The harness
 * must catch it.
 *
 * Bounded: exits by itself after --lifetime-ms-max, and when its stdin closes if
 * --exit-on-stdin-close is given (the harness's lifeline).
 */
import { existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { canonicalJson, type JsonValue } from '../json-value.js';
import { parseFakeOp, type FakeErrorBody, type FakeHealth, type FakeOp } from './fake-kv-protocol.js';

const { values } = parseArgs({
  options: {
    index: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'client-port': { type: 'string' },
    'peer-port': { type: 'string' },
    peers: { type: 'string' },
    'data-dir': { type: 'string' },
    bug: { type: 'string', default: 'none' },
    'sync-interval-ms': { type: 'string', default: '300' },
    'forward-timeout-ms': { type: 'string', default: '1000' },
    'lifetime-ms-max': { type: 'string', default: '900000' },
    'exit-on-stdin-close': { type: 'boolean', default: false },
  },
});

function required(name: string, value: string | undefined): string {
  if (value === undefined) {
    process.stderr.write(`fake-kv-server: --${name} is required\n`);
    process.exit(2);
  }
  return value;
}

const index = Number(required('index', values.index));
const host = values.host;
const clientPort = Number(required('client-port', values['client-port']));
const peerPort = Number(required('peer-port', values['peer-port']));
const peers = required('peers', values.peers).split(',').map((p) => (p === '-' ? null : p));
const dataDir = required('data-dir', values['data-dir']);
const bug = values.bug;
const syncIntervalMs = Number(values['sync-interval-ms']);
const forwardTimeoutMs = Number(values['forward-timeout-ms']);
const lifetimeMsMax = Number(values['lifetime-ms-max']);
const BODY_BYTES_MAX = 1024 * 1024;

if (bug !== 'none' && bug !== 'stale-reads') {
  process.stderr.write(`fake-kv-server: unknown --bug ${bug}\n`);
  process.exit(2);
}
const isPrimary = index === 0;
let clockOffsetMs = 0;

function log(message: string): void {
  process.stdout.write(`${new Date(Date.now() + clockOffsetMs).toISOString()} n${index + 1} ${message}\n`);
}

// ---- state: the primary's data, or a follower's (possibly stale) copy ----

/** Values as canonical JSON text, so cas compares by content. */
const state = new Map<string, string>();
const logPath = join(dataDir, 'kv.log');

if (isPrimary) {
  mkdirSync(dataDir, { recursive: true });
  if (existsSync(logPath)) {
    for (const line of readFileSync(logPath, 'utf8').split('\n')) {
      if (line.length === 0) continue;
      let change: { k: string; v: string | null };
      try {
        change = JSON.parse(line) as { k: string; v: string | null };
      } catch {
        // A torn last line: the write that produced it was never acknowledged.
        continue;
      }
      if (change.v === null) state.delete(change.k);
      else state.set(change.k, change.v);
    }
  }
}

const logFd = isPrimary ? openSync(logPath, 'a') : -1;

/** Written before the answer; kill -9 cannot lose it once writeSync returns. */
function persist(key: string, text: string | null): void {
  writeSync(logFd, `${JSON.stringify({ k: key, v: text })}\n`);
}

let opsApplied = 0;

/** Applies one operation on the primary, atomically. */
function apply(op: FakeOp): { value?: JsonValue; swapped?: boolean; current?: JsonValue } {
  opsApplied += 1;
  switch (op.op) {
    case 'get': {
      const text = state.get(op.key);
      return { value: text === undefined ? null : (JSON.parse(text) as JsonValue) };
    }
    case 'put': {
      const text = canonicalJson(op.value);
      persist(op.key, text);
      state.set(op.key, text);
      return {};
    }
    case 'cas': {
      const current = state.get(op.key) ?? null;
      const expected = op.expected === null ? null : canonicalJson(op.expected);
      if (current !== expected) return { swapped: false, current: current === null ? null : (JSON.parse(current) as JsonValue) };
      const text = canonicalJson(op.value);
      persist(op.key, text);
      state.set(op.key, text);
      return { swapped: true };
    }
    case 'delete':
      persist(op.key, null);
      state.delete(op.key);
      return {};
  }
}

// ---- talking to the primary through the harness's proxy ----

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Relayed {
  readonly status: number;
  readonly body: string;
}

function errorBody(error: string, definite: boolean, detail: string): string {
  const body: FakeErrorBody = { error, definite, detail };
  return JSON.stringify(body);
}

function callPrimary(method: 'GET' | 'POST', path: string, payload: string | null, timeoutMs: number): Promise<Relayed> {
  const address = peers[0];
  if (address === null || address === undefined) {
    return Promise.resolve({ status: 503, body: errorBody('UNAVAILABLE', true, 'no primary address') });
  }
  const [peerHost, peerPortText] = address.split(':');
  return new Promise<Relayed>((resolve) => {
    let settled = false;
    const finish = (relayed: Relayed): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(relayed);
    };
    const request = http.request({
      host: peerHost,
      port: Number(peerPortText),
      method,
      path,
      agent,
      headers: payload === null ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer from the primary within ${timeoutMs} ms`));
    }, timeoutMs);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => finish({ status: response.statusCode ?? 500, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', (error) => finish({ status: 503, body: errorBody('OUTCOME_UNKNOWN', false, `forward: ${error.message}`) }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      // Refused: the request never left. Anything else: it may have reached the primary.
      if (error.code === 'ECONNREFUSED') finish({ status: 503, body: errorBody('UNAVAILABLE', true, `forward: ${error.message}`) });
      else finish({ status: 503, body: errorBody('OUTCOME_UNKNOWN', false, `forward: ${error.message}`) });
    });
    request.end(payload ?? undefined);
  });
}

// The stale-reads bug: a follower's copy, refreshed now and then.
if (!isPrimary && bug === 'stale-reads') {
  let syncing = false;
  const sync = async (): Promise<void> => {
    if (syncing) return;
    syncing = true;
    try {
      const relayed = await callPrimary('GET', '/snapshot', null, forwardTimeoutMs);
      if (relayed.status !== 200) return;
      const entries = (JSON.parse(relayed.body) as { entries: [string, string][] }).entries;
      state.clear();
      for (const [key, text] of entries) state.set(key, text);
    } catch {
      // Keep the old copy: that is the bug.
    } finally {
      syncing = false;
    }
  };
  setInterval(() => void sync(), syncIntervalMs);
}

// ---- serving ----

function send(response: http.ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function readBody(request: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_BYTES_MAX) {
        resolve(null);
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', () => resolve(null));
  });
}

async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = request.url ?? '/';
  if (request.method === 'GET' && url === '/health') {
    const health: FakeHealth = { index, pid: process.pid, wallClockMs: Date.now(), monotonicMs: performance.now(), clockOffsetMs };
    send(response, 200, JSON.stringify(health));
    return;
  }
  if (request.method === 'GET' && url === '/snapshot') {
    if (!isPrimary) {
      send(response, 503, errorBody('NOT_PRIMARY', true, `n${index + 1} is not the primary`));
      return;
    }
    send(response, 200, JSON.stringify({ entries: [...state.entries()] }));
    return;
  }
  const text = request.method === 'POST' ? await readBody(request) : null;
  let raw: unknown = null;
  try {
    raw = text === null ? null : JSON.parse(text);
  } catch {
    raw = null;
  }
  if (request.method === 'POST' && url === '/admin/clock-offset') {
    const offset = typeof raw === 'object' && raw !== null ? (raw as { offsetMs?: unknown }).offsetMs : undefined;
    if (typeof offset !== 'number' || !Number.isFinite(offset)) {
      send(response, 400, errorBody('INVALID_ARGUMENT', true, 'offsetMs must be a number'));
      return;
    }
    clockOffsetMs = offset;
    log(`clock offset set to ${offset} ms by the hook`);
    send(response, 200, '{}');
    return;
  }
  if (request.method !== 'POST' || url !== '/kv') {
    send(response, 404, errorBody('NOT_FOUND', true, `${request.method ?? '?'} ${url}`));
    return;
  }
  const op = parseFakeOp(raw);
  if (op === null) {
    send(response, 400, errorBody('INVALID_ARGUMENT', true, 'not a valid operation'));
    return;
  }
  if (isPrimary) {
    send(response, 200, JSON.stringify(apply(op)));
    return;
  }
  if (op.op === 'get' && bug === 'stale-reads') {
    const cached = state.get(op.key);
    send(response, 200, JSON.stringify({ value: cached === undefined ? null : (JSON.parse(cached) as JsonValue) }));
    return;
  }
  const relayed = await callPrimary('POST', '/kv', JSON.stringify(op), forwardTimeoutMs);
  send(response, relayed.status, relayed.body);
}

function serve(port: number): http.Server {
  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, errorBody('INTERNAL', false, String(error)));
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(port, host);
  return server;
}

serve(clientPort);
serve(peerPort);
log(`ready: ${isPrimary ? 'primary' : 'follower'} clients :${clientPort} peers :${peerPort} bug ${bug} (${state.size} keys)`);

setInterval(() => {
  if (isPrimary) log(`applied ${opsApplied} ops, ${state.size} keys`);
}, 5000).unref();

setTimeout(() => {
  log(`lifetime of ${lifetimeMsMax} ms reached, exiting`);
  process.exit(0);
}, lifetimeMsMax);

if (values['exit-on-stdin-close']) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
