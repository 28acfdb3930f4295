import { RawPayload } from './context.js';
import { ApiError } from './errors.js';

/**
 * Between gRPC messages (as @grpc/proto-loader decodes them: snake_case keys, numbers,
 * Buffers for `bytes`) and the JSON-shaped params and results of `execute()`.
 * Only payload fields are `bytes` in api.proto, so the walk can treat every Buffer
 * as a payload and leave everything else to the method's schema.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Payload fields that have a base64 twin in the JSON API. */
const b64Twin = new Set(['data', 'info']);

/** Bytes as the JSON value they hold, or undefined when they are not UTF-8 JSON. */
function asJson(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    // `fatal` makes invalid UTF-8 fail instead of becoming U+FFFD, which could parse.
    return { value: JSON.parse(utf8.decode(bytes)) as unknown };
  } catch {
    return undefined;
  }
}

/** A Buffer view of the same memory (no copy). */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/**
 * A decoded request (any method, batch commands included) as `execute()` params:
 * a JSON payload goes in `data`/`info`/`params`, binary in `b64data`/`b64info`
 * (`params` has no twin, so binary params travel as a base64 string).
 */
export function requestParams(msg: unknown): unknown {
  if (Array.isArray(msg)) return msg.map(requestParams);
  if (!isPlainObject(msg)) return msg;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(msg)) {
    if (!(value instanceof Uint8Array)) {
      out[key] = requestParams(value);
      continue;
    }
    const json = asJson(value);
    if (json) out[key] = json.value;
    else if (b64Twin.has(key)) out[`b64${key}`] = asBuffer(value).toString('base64');
    else out[key] = asBuffer(value).toString('base64');
  }
  return out;
}

/**
 * An `execute()` result as a proto-loader message object: RawPayload back to its raw
 * bytes (never re-encoded), ApiError to `{code, message}`, undefined fields dropped.
 * Keys stay snake_case, which is what api.proto names its fields.
 */
export function protoResult(v: unknown): unknown {
  if (v instanceof RawPayload) return asBuffer(v.bytes);
  if (v instanceof ApiError) return v.toJSON();
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(protoResult);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v)) if (value !== undefined) out[key] = protoResult(value);
  return out;
}
