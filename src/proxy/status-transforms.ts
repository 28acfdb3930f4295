import type { StatusToCodeTransform } from '../config/types.js';
import { ClientError, DisconnectError } from '../protocol/index.js';
import { ProxyCallError, ProxyCallErrorCode } from './errors.js';

/**
 * What `http.status_to_code_transforms` makes of a failed call: the first rule for the
 * backend's HTTP status gives the client its error or disconnect, as if the backend had
 * answered `{"error"}` or `{"disconnect"}`. Undefined for anything else (no rule, not a
 * status failure, a gRPC status), which stays error 100.
 */
export function transformedStatus(err: ProxyCallError, transforms: readonly StatusToCodeTransform[]): ClientError | DisconnectError | undefined {
  if (err.code !== ProxyCallErrorCode.status || err.httpStatus === undefined) return undefined;
  const t = transforms.find((r) => r.statusCode === err.httpStatus);
  if (!t) return undefined;
  if (t.toError.code > 0) return new ClientError(t.toError.code, t.toError.message, t.toError.temporary);
  // config/proxy-rules.ts made sure one of the two codes is set.
  return new DisconnectError(t.toDisconnect.code, t.toDisconnect.reason || undefined);
}
