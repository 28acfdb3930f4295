import { ProxyCallError, ProxyCallErrorCode } from './errors.js';
import type { WireRequest } from './requests.js';

/*
 * The JSON form of proxy.proto used over HTTP, as Centrifugo writes it: byte fields
 * (`data`, `info`, `meta`) are embedded JSON values, not base64 (that is `b64data`).
 */

function rawJson(key: string, bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    throw new ProxyCallError(ProxyCallErrorCode.encoding, `${key} is not JSON (the proxy needs binary_encoding for binary payloads)`);
  }
  return text;
}

/** A request body; raw JSON payloads are embedded as they are, not re-encoded. */
export function encodeJsonRequest(req: WireRequest): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(req)) {
    if (value === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${value instanceof Uint8Array ? rawJson(key, value) : JSON.stringify(value)}`);
  }
  return `{${parts.join(',')}}`;
}

const BYTE_FIELDS = ['data', 'info', 'meta'] as const;
/** Byte fields of each item of a shared-poll refresh result. */
const ITEM_BYTE_FIELDS = ['data', 'prev_data'] as const;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Turns the embedded JSON values of byte fields back into bytes, as gRPC delivers them. */
function bytesOf(o: Json, fields: ReadonlyArray<string> = BYTE_FIELDS): void {
  for (const key of fields) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    o[key] = new Uint8Array(Buffer.from(JSON.stringify(v)));
  }
}

/**
 * A reply body as an object whose byte fields (`result.data/info/meta`, each
 * `result.subs[*].data/info` and each `result.items[*].data/prev_data`) hold the JSON
 * text of their value as bytes.
 * @throws ProxyCallError (malformed) when the body is not a JSON object
 */
export function decodeJsonReply(body: Buffer): unknown {
  let reply: unknown;
  try {
    reply = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProxyCallError(ProxyCallErrorCode.malformed, 'reply is not JSON');
  }
  if (!isObject(reply)) throw new ProxyCallError(ProxyCallErrorCode.malformed, 'reply is not a JSON object');
  const result = reply.result;
  if (isObject(result)) {
    bytesOf(result);
    if (isObject(result.subs)) for (const sub of Object.values(result.subs)) if (isObject(sub)) bytesOf(sub);
    if (Array.isArray(result.items)) for (const item of result.items) if (isObject(item)) bytesOf(item, ITEM_BYTE_FIELDS);
  }
  return reply;
}
