// Original file: rangekv/v1/errors.proto

import type { ErrorCode as _rangekv_v1_ErrorCode, ErrorCode__Output as _rangekv_v1_ErrorCode__Output } from '../../rangekv/v1/ErrorCode.js';
import type { RangeDescriptor as _rangekv_v1_RangeDescriptor, RangeDescriptor__Output as _rangekv_v1_RangeDescriptor__Output } from '../../rangekv/v1/RangeDescriptor.js';
import type { Long } from '@grpc/proto-loader';

export interface ErrorDetail {
  'code'?: (_rangekv_v1_ErrorCode);
  'message'?: (string);
  'leaderStoreId'?: (number | string | Long);
  'leaderAddress'?: (string);
  'range'?: (_rangekv_v1_RangeDescriptor | null);
  'retryAfterMs'?: (number);
}

export interface ErrorDetail__Output {
  'code': (_rangekv_v1_ErrorCode__Output);
  'message': (string);
  'leaderStoreId': (string);
  'leaderAddress': (string);
  'range': (_rangekv_v1_RangeDescriptor__Output | null);
  'retryAfterMs': (number);
}
