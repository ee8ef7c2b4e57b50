// Original file: rangekv/internal/v1/internal.proto


export interface RaftBatchReply {
  'errorCode'?: (string);
  'message'?: (string);
}

export interface RaftBatchReply__Output {
  'errorCode': (string);
  'message': (string);
}
