/**
 * KvClient for the fake node (see fake-kv-protocol.ts). Maps transport failures to outcomes:
 * connection refused → certainly failed; an error answer → failed or unknown as the node says;
 * anything after the request may have left (reset, timeout, abort, garbage) → unknown.
 */
import http from 'node:http';
import { asJsonValue, type JsonValue } from '../json-value.js';
import { KvError, kvFailed, kvUnknown, type CasResult, type KvCallOptions, type KvClient, type KvErrorCode } from '../kv-client.js';
import { parseFakeErrorBody, parseFakeHealth, type FakeHealth, type FakeOp } from './fake-kv-protocol.js';

const KNOWN_CODES: ReadonlySet<string> = new Set<KvErrorCode>([
  'UNAVAILABLE',
  'NOT_LEADER',
  'CONNECTION_REFUSED',
  'INVALID_ARGUMENT',
  'REJECTED',
  'TIMEOUT',
  'ABORTED',
  'CONNECTION_LOST',
  'OUTCOME_UNKNOWN',
  'BAD_RESPONSE',
]);

function asCode(code: string, definite: boolean): KvErrorCode {
  if (KNOWN_CODES.has(code)) return code as KvErrorCode;
  return definite ? 'REJECTED' : 'OUTCOME_UNKNOWN';
}

interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

export class FakeKvClient implements KvClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  async get(key: string, options: KvCallOptions): Promise<JsonValue> {
    const body = await this.call({ op: 'get', key }, options);
    const value = asJsonValue(body['value']);
    if (value === undefined) throw kvUnknown('BAD_RESPONSE', `get ${key}: no value in the answer`);
    return value;
  }

  async put(key: string, value: JsonValue, options: KvCallOptions): Promise<void> {
    await this.call({ op: 'put', key, value }, options);
  }

  async cas(key: string, expected: JsonValue, next: JsonValue, options: KvCallOptions): Promise<CasResult> {
    const body = await this.call({ op: 'cas', key, expected, value: next }, options);
    const swapped = body['swapped'];
    if (typeof swapped !== 'boolean') throw kvUnknown('BAD_RESPONSE', `cas ${key}: no swapped flag in the answer`);
    if (swapped) return { swapped: true };
    // Not swapped: a mismatch (the primary compared). The value it found, when it says.
    const current = 'current' in body ? asJsonValue(body['current']) : undefined;
    return current === undefined ? { swapped: false } : { swapped: false, current };
  }

  async delete(key: string, options: KvCallOptions): Promise<void> {
    await this.call({ op: 'delete', key }, options);
  }

  /** The node's /health, for readiness probes and clock tests. */
  async health(options: KvCallOptions): Promise<FakeHealth> {
    const answer = await this.request('GET', '/health', null, options);
    const health = answer.status === 200 ? parseFakeHealth(answer.body) : null;
    if (health === null) throw kvFailed('UNAVAILABLE', `health: status ${answer.status}`);
    return health;
  }

  /** The clock hook. */
  async setClockOffsetMs(offsetMs: number, options: KvCallOptions): Promise<void> {
    const answer = await this.request('POST', '/admin/clock-offset', JSON.stringify({ offsetMs }), options);
    if (answer.status !== 200) throw kvFailed('REJECTED', `clock offset: status ${answer.status}`);
  }

  close(): Promise<void> {
    this.agent.destroy();
    return Promise.resolve();
  }

  private async call(op: FakeOp, options: KvCallOptions): Promise<Record<string, unknown>> {
    const answer = await this.request('POST', '/kv', JSON.stringify(op), options);
    if (answer.status === 200 && typeof answer.body === 'object' && answer.body !== null && !Array.isArray(answer.body)) {
      return answer.body as Record<string, unknown>;
    }
    const error = parseFakeErrorBody(answer.body);
    if (error === null) throw kvUnknown('BAD_RESPONSE', `${op.op} ${op.key}: status ${answer.status} without an error body`);
    throw new KvError(asCode(error.error, error.definite), error.definite ? 'failed' : 'unknown', `${op.op} ${op.key}: ${error.detail}`);
  }

  private request(method: 'GET' | 'POST', path: string, payload: string | null, options: KvCallOptions): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => {
      if (options.signal.aborted) {
        reject(kvFailed('REJECTED', `${path}: aborted before sending`));
        return;
      }
      const request = http.request({
        host: this.host,
        port: this.port,
        method,
        path,
        agent: this.agent,
        headers: payload === null ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      });
      const onAbort = (): void => {
        request.destroy(kvUnknown('ABORTED', `${method} ${path} on :${this.port}: the harness stopped waiting`));
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      const done = (): void => options.signal.removeEventListener('abort', onAbort);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          done();
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            reject(kvUnknown('BAD_RESPONSE', `${method} ${path}: the answer is not JSON`));
            return;
          }
          resolve({ status: response.statusCode ?? 0, body });
        });
        response.on('error', (error) => {
          done();
          reject(kvUnknown('CONNECTION_LOST', `${method} ${path}: ${error.message}`));
        });
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        done();
        if (error instanceof KvError) reject(error);
        else if (error.code === 'ECONNREFUSED') reject(kvFailed('CONNECTION_REFUSED', `${method} ${path} on :${this.port}: ${error.message}`));
        else reject(kvUnknown('CONNECTION_LOST', `${method} ${path} on :${this.port}: ${error.message}`));
      });
      request.end(payload ?? undefined);
    });
  }
}
