import { Metadata, status, type ServerErrorResponse } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { ApiError } from './errors.js';

/** gRPC status for an API error in transport error mode (the twin of `transportStatus`). */
export function grpcStatus(code: number): status {
  switch (code) {
    case 102:
    case 104:
      return status.NOT_FOUND;
    case 107:
    case 108:
      return status.INVALID_ARGUMENT;
    case 112:
      return status.OUT_OF_RANGE;
    case 113:
      return status.ABORTED;
    default:
      return status.INTERNAL;
  }
}

const ERROR_TYPE_URL = 'type.googleapis.com/centrifugal.centrifugo.api.Error';

/**
 * A `google.rpc.Status` whose one detail is the API `Error` message. Centrifugo sends
 * its transport-mode errors this way (`status.WithDetails(err)`), so clients that read
 * rich error details find the API code there; field numbers are google/rpc/status.proto,
 * google/protobuf/any.proto and api.proto `Error`, written by hand to avoid loading
 * three .proto files for one trailer.
 */
function statusDetails(grpcCode: status, err: ApiError): Buffer {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 0).int32(grpcCode);
  w.uint32((2 << 3) | 2).string(err.message);
  w.uint32((3 << 3) | 2).fork(); // details[0]: Any
  w.uint32((1 << 3) | 2).string(ERROR_TYPE_URL);
  w.uint32((2 << 3) | 2).fork(); // Any.value: Error
  w.uint32((1 << 3) | 0).uint32(err.code);
  w.uint32((2 << 3) | 2).string(err.message);
  w.ldelim().ldelim();
  return Buffer.from(w.finish());
}

/** The gRPC error for an API error in transport mode: mapped status, message, rich details. */
export function transportError(err: ApiError): ServerErrorResponse {
  const code = grpcStatus(err.code);
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', statusDetails(code, err));
  return Object.assign(new Error(err.message), { code, details: err.message, metadata });
}
