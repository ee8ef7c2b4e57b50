import type { IncomingHttpHeaders } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyServiceError } from '../../client/unary-attempt.js';
import {
  errorDetailTypeUrl,
  KvError,
  kvErrorCodes,
  kvErrorFromServiceError,
  statusDetailsKey,
  toServiceError,
  type KvErrorCode,
  type KvErrorDetail,
  type RangeDescriptorWire,
} from '../../proto/kv-error.js';

/**
 * An independent copy of the wire contract, written from the published definitions (googleapis
 * google/rpc/status.proto, google/protobuf/any.proto, proto/rangekv/v1/errors.proto) rather than
 * loaded through the code under test: if either side drifts from the standard field numbers, the
 * checks below fail.
 */
const independent = protobuf.parse(
  `
  syntax = "proto3";
  package wirecheck;
  message Any { string type_url = 1; bytes value = 2; }
  message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  message Epoch { uint64 conf_version = 1; uint64 version = 2; }
  message ReplicaDescriptor { uint64 store_id = 1; uint64 replica_id = 2; bool learner = 3; }
  message RangeDescriptor { uint64 range_id = 1; bytes start = 2; bytes end = 3; Epoch epoch = 4; repeated ReplicaDescriptor replicas = 5; }
  message ErrorDetail { int32 code = 1; string message = 2; uint64 leader_store_id = 3; string leader_address = 4; RangeDescriptor range = 5; uint32 retry_after_ms = 6; }
  `,
  { keepCase: true },
).root;
const IStatus = independent.lookupType('wirecheck.Status');
const IErrorDetail = independent.lookupType('wirecheck.ErrorDetail');
const toObj = { longs: Number, bytes: String, defaults: true, arrays: true } as const;

/** errors.proto's ErrorCode numbers. */
const errorCodeNumber: Record<KvErrorCode, number> = {
  NOT_LEADER: 1,
  EPOCH_MISMATCH: 2,
  KEY_NOT_IN_RANGE: 3,
  RANGE_NOT_FOUND: 4,
  INVALID_ARGUMENT: 5,
  UNAVAILABLE: 6,
  OVERLOADED: 7,
  DEADLINE_EXCEEDED: 8,
  OUTCOME_UNKNOWN: 9,
  CLUSTER_MISMATCH: 10,
  TXN_CONFLICT: 11,
  TXN_ABORTED: 12,
  SHUTTING_DOWN: 13,
  STORAGE_FAILED: 14,
  INTERNAL: 15,
  PERMISSION_DENIED: 16,
};

const range: RangeDescriptorWire = {
  rangeId: 7,
  start: Buffer.from('m').toString('base64'),
  end: Buffer.from([0x00, 0xff, 0x10]).toString('base64'),
  confVersion: 3,
  version: 5,
  replicas: [
    { storeId: 1, replicaId: 1, learner: false },
    { storeId: 2, replicaId: 4, learner: false },
    { storeId: 9, replicaId: 6, learner: true },
  ],
};

const detailVariants: Record<string, KvErrorDetail> = {
  none: {},
  leaderStoreId: { leaderStoreId: 3 },
  leaderAddress: { leaderAddress: '127.0.0.1:7003' },
  range: { range },
  rangeAllEmpty: { range: { rangeId: 1, start: '', end: '', confVersion: 0, version: 0, replicas: [] } },
  retryAfterMs: { retryAfterMs: 250 },
  all: { leaderStoreId: 2, leaderAddress: 'node-2:7000', range, retryAfterMs: 1_000 },
};

/** A ServiceError as the client receives it: the trailers go through HTTP/2 header encoding. */
function overTheWire(s: Partial<grpc.ServiceError>): grpc.ServiceError {
  const metadata = grpc.Metadata.fromHttp2Headers(s.metadata!.toHttp2Headers() as IncomingHttpHeaders);
  return Object.assign(new Error(s.details), { code: s.code!, details: s.details!, metadata });
}

function serviceErrorWith(code: grpc.status, details: string, statusDetails?: Buffer): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (statusDetails !== undefined) metadata.set(statusDetailsKey, statusDetails);
  return Object.assign(new Error(details), { code, details, metadata });
}

const encodeStatus = (o: object): Buffer => Buffer.from(IStatus.encode(IStatus.fromObject(o)).finish());
const encodeDetail = (o: object): Buffer => Buffer.from(IErrorDetail.encode(IErrorDetail.fromObject(o)).finish());

describe('KvError on the wire (google.rpc.Status in grpc-status-details-bin)', () => {
  for (const code of kvErrorCodes) {
    for (const [name, detail] of Object.entries(detailVariants)) {
      it(`round-trips ${code} with detail ${name}`, () => {
        const sent = new KvError(code, `why ${code} (${name}) — ünïcode`, detail);
        const got = kvErrorFromServiceError(overTheWire(toServiceError(sent)));
        expect(got).toBeInstanceOf(KvError);
        expect(got.code).toBe(code);
        expect(got.message).toBe(sent.message);
        expect(got.detail).toEqual(detail);
        expect(got.transportFailure).toBe(false);
      });
    }
  }

  it('treats zero / empty detail fields as absent', () => {
    const got = kvErrorFromServiceError(overTheWire(toServiceError(new KvError('NOT_LEADER', 'x', { leaderStoreId: 0, leaderAddress: '', retryAfterMs: 0 }))));
    expect(got.detail).toEqual({});
  });

  it('puts a standard google.rpc.Status under grpc-status-details-bin, and nothing else', () => {
    const sent = new KvError('EPOCH_MISMATCH', 'stale epoch', detailVariants['all']!);
    const se = toServiceError(sent);
    expect(se.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(Object.keys(se.metadata!.getMap())).toEqual(['grpc-status-details-bin']);
    const raw = se.metadata!.get('grpc-status-details-bin');
    expect(raw).toHaveLength(1);
    expect(Buffer.isBuffer(raw[0])).toBe(true);

    const status = IStatus.toObject(IStatus.decode(raw[0] as Buffer), { ...toObj, bytes: Buffer }) as {
      code: number;
      message: string;
      details: { type_url: string; value: Buffer }[];
    };
    expect(status.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(status.message).toBe('stale epoch');
    expect(status.details).toHaveLength(1);
    expect(status.details[0]!.type_url).toBe('type.googleapis.com/rangekv.v1.ErrorDetail');
    expect(errorDetailTypeUrl).toBe('type.googleapis.com/rangekv.v1.ErrorDetail');

    const detail = IErrorDetail.toObject(IErrorDetail.decode(status.details[0]!.value), toObj);
    expect(detail).toEqual({
      code: errorCodeNumber.EPOCH_MISMATCH,
      message: 'stale epoch',
      leader_store_id: 2,
      leader_address: 'node-2:7000',
      retry_after_ms: 1_000,
      range: {
        range_id: 7,
        start: range.start,
        end: range.end,
        epoch: { conf_version: 3, version: 5 },
        replicas: [
          { store_id: 1, replica_id: 1, learner: false },
          { store_id: 2, replica_id: 4, learner: false },
          { store_id: 9, replica_id: 6, learner: true },
        ],
      },
    });
  });

  it('encodes every code with errors.proto ErrorCode numbering and the mapped gRPC status', () => {
    for (const code of kvErrorCodes) {
      const se = toServiceError(new KvError(code, 'm'));
      const status = IStatus.decode(se.metadata!.get(statusDetailsKey)[0] as Buffer) as unknown as { code: number; details: { value: Uint8Array }[] };
      expect(status.code).toBe(se.code);
      expect((IErrorDetail.decode(status.details[0]!.value) as unknown as { code: number }).code).toBe(errorCodeNumber[code]);
    }
  });

  it('decodes a detail written by another implementation (the independent definition)', () => {
    const value = encodeDetail({ code: errorCodeNumber.NOT_LEADER, message: 'ask 4', leader_store_id: 4, leader_address: 'h:4' });
    const bytes = encodeStatus({ code: grpc.status.UNAVAILABLE, message: 'ask 4', details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo', value: Buffer.from([8, 1]) }, { type_url: errorDetailTypeUrl, value }] });
    const got = kvErrorFromServiceError(serviceErrorWith(grpc.status.UNAVAILABLE, 'NOT_LEADER: ask 4', bytes));
    expect(got.code).toBe('NOT_LEADER');
    expect(got.message).toBe('ask 4');
    expect(got.detail).toEqual({ leaderStoreId: 4, leaderAddress: 'h:4' });
    expect(got.transportFailure).toBe(false);
  });

  describe('falls back to the gRPC status code mapping', () => {
    const fallbacks: [string, grpc.status, string, KvErrorCode][] = [
      ['UNAVAILABLE', grpc.status.UNAVAILABLE, 'gone', 'UNAVAILABLE'],
      ['DEADLINE_EXCEEDED', grpc.status.DEADLINE_EXCEEDED, 'late', 'DEADLINE_EXCEEDED'],
      ['INVALID_ARGUMENT', grpc.status.INVALID_ARGUMENT, 'bad', 'INVALID_ARGUMENT'],
      ['RESOURCE_EXHAUSTED', grpc.status.RESOURCE_EXHAUSTED, 'busy', 'OVERLOADED'],
      ['CANCELLED', grpc.status.CANCELLED, 'stop', 'OUTCOME_UNKNOWN'],
      ['FAILED_PRECONDITION', grpc.status.FAILED_PRECONDITION, 'nope', 'INTERNAL'],
    ];
    const payloads: [string, Buffer | undefined][] = [
      ['no trailer', undefined],
      ['a Status with only an unrelated Any', encodeStatus({ code: 14, message: 'x', details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo', value: Buffer.from([10, 2, 8, 1]) }] })],
      ['a Status without details', encodeStatus({ code: 14, message: 'x' })],
      ['garbage bytes', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x99, 0x01])],
      ['empty bytes', Buffer.alloc(0)],
      ['our type_url with undecodable bytes', encodeStatus({ details: [{ type_url: errorDetailTypeUrl, value: Buffer.from([0x0a, 0x7f, 0x01]) }] })],
      ['our type_url with an unknown ErrorCode', encodeStatus({ details: [{ type_url: errorDetailTypeUrl, value: encodeDetail({ code: 99, message: 'from the future' }) }] })],
      ['our type_url with ERROR_CODE_UNSPECIFIED', encodeStatus({ details: [{ type_url: errorDetailTypeUrl, value: encodeDetail({ message: 'no code' }) }] })],
      ['a different type name', encodeStatus({ details: [{ type_url: 'type.googleapis.com/rangekv.v1.ErrorDetailV2', value: encodeDetail({ code: 1 }) }] })],
    ];
    for (const [what, bytes] of payloads) {
      for (const [name, code, details, expected] of fallbacks) {
        it(`${what}, status ${name}`, () => {
          const e = serviceErrorWith(code, details, bytes);
          const got = kvErrorFromServiceError(e);
          expect(got.code).toBe(expected);
          expect(got.transportFailure).toBe(true);
          expect(got.detail).toEqual({});
        });
      }
      it(`${what}: the client classifies it by status, not as a typed rejection`, () => {
        expect(classifyServiceError(serviceErrorWith(grpc.status.UNAVAILABLE, 'gone', bytes), 'a:1').kind).toBe('lost');
      });
    }

    it('never throws on arbitrary bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
          const got = kvErrorFromServiceError(serviceErrorWith(grpc.status.UNAVAILABLE, 'u', Buffer.from(b)));
          expect(got).toBeInstanceOf(KvError);
        }),
        { numRuns: 2_000 },
      );
    });

    it('never throws on arbitrary bytes inside an Any with our type_url', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
          const got = kvErrorFromServiceError(serviceErrorWith(grpc.status.UNAVAILABLE, 'u', encodeStatus({ details: [{ type_url: errorDetailTypeUrl, value: Buffer.from(b) }] })));
          expect(got).toBeInstanceOf(KvError);
        }),
        { numRuns: 2_000 },
      );
    });
  });

  it('the client classifies an error with our detail as a typed rejection', () => {
    const f = classifyServiceError(overTheWire(toServiceError(new KvError('NOT_LEADER', 'ask 2', { leaderStoreId: 2 }))), 'a:1');
    expect(f.kind).toBe('rejected');
    expect(f.kind === 'rejected' && f.error.code).toBe('NOT_LEADER');
    expect(f.kind === 'rejected' && f.error.detail).toEqual({ leaderStoreId: 2 });
  });

  describe('through a real gRPC call', () => {
    let server: grpc.Server | undefined;
    let client: grpc.Client | undefined;
    afterEach(async () => {
      client?.close();
      if (server !== undefined) await new Promise<void>((r) => server!.tryShutdown(() => r()));
      server = client = undefined;
    });

    it('carries the Status trailer end to end', async () => {
      const identity = (b: Buffer): Buffer => b;
      const def: grpc.ServiceDefinition = {
        Fail: { path: '/wirecheck.Test/Fail', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
      };
      const sent = new KvError('EPOCH_MISMATCH', 'epoch moved on', { range, leaderStoreId: 2, leaderAddress: 'n2:1', retryAfterMs: 5 });
      server = new grpc.Server();
      server.addService(def, { Fail: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(toServiceError(sent)) });
      const port = await new Promise<number>((res, rej) => server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
      client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      const err = await new Promise<grpc.ServiceError>((res, rej) =>
        client!.makeUnaryRequest('/wirecheck.Test/Fail', identity, identity, Buffer.alloc(0), (e) => (e ? res(e) : rej(new Error('expected a failure')))),
      );
      expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(err.metadata.get('rangekv-error')).toEqual([]);
      const status = IStatus.decode(err.metadata.get('grpc-status-details-bin')[0] as Buffer) as unknown as { code: number };
      expect(status.code).toBe(grpc.status.FAILED_PRECONDITION);
      const got = kvErrorFromServiceError(err);
      expect({ code: got.code, message: got.message, detail: got.detail, transportFailure: got.transportFailure }).toEqual({
        code: 'EPOCH_MISMATCH',
        message: 'epoch moved on',
        detail: sent.detail,
        transportFailure: false,
      });
    });
  });
});
