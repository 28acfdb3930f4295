import { ApiError, ApiErrorCode } from './errors.js';

/**
 * A payload from an API request: `data` (any JSON, kept as its JSON text) or its
 * base64 twin `b64data` for binary. Undefined when neither is present.
 */
export function payloadOf(json: unknown, b64: string | undefined, field: string): Uint8Array | undefined {
  if (json !== undefined) return Buffer.from(JSON.stringify(json));
  if (b64 === undefined) return undefined;
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) throw new ApiError(ApiErrorCode.badRequest, `bad request: b64${field} is not base64`);
  return Buffer.from(b64, 'base64');
}
