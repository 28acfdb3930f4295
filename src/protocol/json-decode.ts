import { FrameDecodeError } from './decode-error.js';
import type {
  ChannelRequest,
  Command,
  ConnectRequest,
  FilterNode,
  HistoryRequest,
  KeyedItem,
  PublishRequest,
  StreamPosition,
  SubRefreshRequest,
  SubscribeRequest,
  TrackBatch,
} from './types.js';

/**
 * JSON command decoding. Each line of a text frame is one Command; field types
 * are checked here so handlers receive well-typed values, and unknown fields are
 * ignored as the protocol requires (newer SDKs send fields older servers lack).
 */

type Json = Record<string, unknown>;

/** The smallest int32: enum-like fields (`type`, `phase`) and `limit` are int32 on the wire. */
const INT32_MIN = -2_147_483_648;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, expected: string): never {
  throw new FrameDecodeError(`${path}: expected ${expected}`);
}

function optStr(o: Json, k: string, path: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(`${path}.${k}`, 'string');
  return v;
}

function optBool(o: Json, k: string, path: string): boolean | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') fail(`${path}.${k}`, 'boolean');
  return v;
}

function optInt(o: Json, k: string, path: string, min: number): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  // uint64/int64 fields may arrive as strings from protobuf-JSON style encoders.
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) fail(`${path}.${k}`, 'integer');
  return n;
}

/** A payload field: any JSON value, kept as its compact JSON text. */
function optRaw(o: Json, k: string): Uint8Array | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  return Buffer.from(JSON.stringify(v));
}

function optObj(o: Json, k: string, path: string): Json | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) fail(`${path}.${k}`, 'object');
  return v;
}

function optStrMap(o: Json, k: string, path: string): Record<string, string> | undefined {
  const m = optObj(o, k, path);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const [key, val] of Object.entries(m)) {
    if (typeof val !== 'string') fail(`${path}.${k}.${key}`, 'string');
    out[key] = val;
  }
  return out;
}

function channelRequest(o: Json, path: string): ChannelRequest {
  return { channel: optStr(o, 'channel', path) };
}

const MAX_FILTER_DEPTH = 32;

function filterNode(o: Json, path: string, depth: number): FilterNode {
  if (depth > MAX_FILTER_DEPTH) fail(path, `filter nesting of at most ${MAX_FILTER_DEPTH}`);
  const vals = o.vals;
  if (vals !== undefined && vals !== null && (!Array.isArray(vals) || vals.some((x) => typeof x !== 'string'))) {
    fail(`${path}.vals`, 'array of strings');
  }
  const nodes = o.nodes;
  if (nodes !== undefined && nodes !== null && !Array.isArray(nodes)) fail(`${path}.nodes`, 'array');
  return {
    op: optStr(o, 'op', path),
    key: optStr(o, 'key', path),
    cmp: optStr(o, 'cmp', path),
    val: optStr(o, 'val', path),
    vals: (vals as string[] | undefined | null) ?? undefined,
    nodes: (nodes as unknown[] | undefined | null)?.map((n, i) => {
      if (!isObject(n)) fail(`${path}.nodes[${i}]`, 'object');
      return filterNode(n, `${path}.nodes[${i}]`, depth + 1);
    }),
  };
}

function subscribeRequest(o: Json, path: string): SubscribeRequest {
  const tf = optObj(o, 'tf', path);
  return {
    channel: optStr(o, 'channel', path),
    token: optStr(o, 'token', path),
    recover: optBool(o, 'recover', path),
    epoch: optStr(o, 'epoch', path),
    offset: optInt(o, 'offset', path, 0),
    data: optRaw(o, 'data'),
    positioned: optBool(o, 'positioned', path),
    recoverable: optBool(o, 'recoverable', path),
    joinLeave: optBool(o, 'join_leave', path),
    delta: optStr(o, 'delta', path),
    tf: tf ? filterNode(tf, `${path}.tf`, 0) : undefined,
    flag: optInt(o, 'flag', path, Number.MIN_SAFE_INTEGER),
    type: optInt(o, 'type', path, INT32_MIN),
    phase: optInt(o, 'phase', path, INT32_MIN),
    cursor: optStr(o, 'cursor', path),
    limit: optInt(o, 'limit', path, INT32_MIN),
    asc: optBool(o, 'asc', path),
  };
}

function publishRequest(o: Json, path: string): PublishRequest {
  return {
    channel: optStr(o, 'channel', path),
    data: optRaw(o, 'data'),
    type: optInt(o, 'type', path, INT32_MIN),
    key: optStr(o, 'key', path),
    removed: optBool(o, 'removed', path),
  };
}

function optArray(o: Json, k: string, path: string): unknown[] | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(`${path}.${k}`, 'array');
  return v;
}

function trackBatch(o: Json, path: string): TrackBatch {
  return {
    signature: optStr(o, 'signature', path),
    items: optArray(o, 'items', path)?.map((item, i): KeyedItem => {
      const at = `${path}.items[${i}]`;
      if (!isObject(item)) fail(at, 'object');
      return { key: optStr(item, 'key', at), version: optInt(item, 'version', at, 0) };
    }),
  };
}

function subRefreshRequest(o: Json, path: string): SubRefreshRequest {
  return {
    channel: optStr(o, 'channel', path),
    token: optStr(o, 'token', path),
    type: optInt(o, 'type', path, INT32_MIN),
    track: optArray(o, 'track', path)?.map((b, i) => {
      if (!isObject(b)) fail(`${path}.track[${i}]`, 'object');
      return trackBatch(b, `${path}.track[${i}]`);
    }),
    untrack: optArray(o, 'untrack', path)?.map((k, i) => {
      if (typeof k !== 'string') fail(`${path}.untrack[${i}]`, 'string');
      return k;
    }),
  };
}

function connectRequest(o: Json, path: string): ConnectRequest {
  const subs = optObj(o, 'subs', path);
  let parsedSubs: Record<string, SubscribeRequest> | undefined;
  if (subs) {
    parsedSubs = {};
    for (const [ch, s] of Object.entries(subs)) {
      if (!isObject(s)) fail(`${path}.subs.${ch}`, 'object');
      parsedSubs[ch] = subscribeRequest(s, `${path}.subs.${ch}`);
    }
  }
  return {
    token: optStr(o, 'token', path),
    data: optRaw(o, 'data'),
    subs: parsedSubs,
    name: optStr(o, 'name', path),
    version: optStr(o, 'version', path),
    headers: optStrMap(o, 'headers', path),
  };
}

function streamPosition(o: Json, path: string): StreamPosition {
  return { offset: optInt(o, 'offset', path, 0) ?? 0, epoch: optStr(o, 'epoch', path) ?? '' };
}

function historyRequest(o: Json, path: string): HistoryRequest {
  const since = optObj(o, 'since', path);
  return {
    channel: optStr(o, 'channel', path),
    limit: optInt(o, 'limit', path, -1),
    since: since ? streamPosition(since, `${path}.since`) : undefined,
    reverse: optBool(o, 'reverse', path),
  };
}

function req<T>(o: Json, k: string, parse: (v: Json, path: string) => T): T | undefined {
  const v = optObj(o, k, 'command');
  return v ? parse(v, k) : undefined;
}

/** Decodes one parsed JSON command object. */
export function commandFromJson(o: unknown): Command {
  if (!isObject(o)) fail('command', 'object');
  return {
    id: optInt(o, 'id', 'command', 0) ?? 0,
    connect: req(o, 'connect', connectRequest),
    subscribe: req(o, 'subscribe', subscribeRequest),
    unsubscribe: req(o, 'unsubscribe', channelRequest),
    publish: req(o, 'publish', publishRequest),
    presence: req(o, 'presence', channelRequest),
    presenceStats: req(o, 'presence_stats', channelRequest),
    history: req(o, 'history', historyRequest),
    ping: req(o, 'ping', () => ({}) as Record<string, never>),
    send: req(o, 'send', (v) => ({ data: optRaw(v, 'data') })),
    rpc: req(o, 'rpc', (v, p) => ({ data: optRaw(v, 'data'), method: optStr(v, 'method', p) })),
    refresh: req(o, 'refresh', (v, p) => ({ token: optStr(v, 'token', p) })),
    subRefresh: req(o, 'sub_refresh', subRefreshRequest),
  };
}

/**
 * A connect request on its own, as unidirectional transports take it (a URL parameter, a
 * request body, a first WebSocket message): a JSON object, or `null` for an empty one.
 */
export function decodeJsonConnectRequest(bytes: Uint8Array): ConnectRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new FrameDecodeError('invalid JSON', { cause: err });
  }
  if (parsed === null) return {};
  if (!isObject(parsed)) fail('connect request', 'object');
  return connectRequest(parsed, 'connect request');
}

/** Splits a text frame on newlines (blank lines skipped) and decodes every command, in order. */
export function decodeJsonCommands(frame: Uint8Array): Command[] {
  const text = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('utf8');
  const out: Command[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      throw new FrameDecodeError('invalid JSON', { cause: err });
    }
    out.push(commandFromJson(parsed));
  }
  return out;
}
