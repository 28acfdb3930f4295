import { PayloadNotJsonError } from './errors.js';
import { jsonPayloadText } from './json-text.js';
import type {
  ClientInfo,
  ConnectResult,
  HistoryResult,
  Publication,
  Push,
  Reply,
  SubscribeResult,
} from './types.js';

/**
 * Hand-written JSON encoding of replies. Payload fields (`data`, `conn_info`,
 * `chan_info`) hold raw JSON bytes and are embedded as they are, which
 * JSON.stringify cannot do; fields with zero values are omitted except the few
 * the SDKs dereference unconditionally. A payload that is not JSON (protobuf clients and
 * `b64data` may send any bytes) throws PayloadNotJsonError rather than break the frame.
 */

/** Raw JSON payload as text, with raw newlines removed (they would split the frame). */
function raw(field: string, bytes: Uint8Array): string {
  const text = jsonPayloadText(bytes);
  if (text === undefined) throw new PayloadNotJsonError(field);
  // In valid JSON a raw newline can only be whitespace between tokens: dropping it changes nothing.
  return text.includes('\n') ? text.replace(/\n/g, '') : text;
}

type Field = string | undefined;

function obj(fields: Field[]): string {
  let out = '{';
  let first = true;
  for (const f of fields) {
    if (f === undefined) continue;
    out += first ? f : ',' + f;
    first = false;
  }
  return out + '}';
}

const str = (k: string, v: string | undefined): Field => (v ? `"${k}":${JSON.stringify(v)}` : undefined);
const num = (k: string, v: number | undefined): Field => (v ? `"${k}":${v}` : undefined);
const bool = (k: string, v: boolean | undefined): Field => (v ? `"${k}":true` : undefined);
const bytes = (k: string, v: Uint8Array | undefined): Field => (v && v.length > 0 ? `"${k}":${raw(k, v)}` : undefined);

function strMap(k: string, v: Record<string, string> | undefined): Field {
  if (!v) return undefined;
  const keys = Object.keys(v);
  if (keys.length === 0) return undefined;
  return `"${k}":${JSON.stringify(v)}`;
}

export function encodeClientInfo(info: ClientInfo): string {
  return obj([
    `"user":${JSON.stringify(info.user)}`,
    `"client":${JSON.stringify(info.client)}`,
    bytes('conn_info', info.connInfo),
    bytes('chan_info', info.chanInfo),
  ]);
}

export function encodePublication(p: Publication): string {
  return obj([
    bytes('data', p.data),
    p.info ? `"info":${encodeClientInfo(p.info)}` : undefined,
    num('offset', p.offset),
    strMap('tags', p.tags),
    bool('delta', p.delta),
    num('time', p.time),
    str('channel', p.channel),
    str('key', p.key),
    bool('removed', p.removed),
    num('score', p.score),
    str('epoch', p.epoch),
    // prev_data stays between nodes: clients never receive it.
    num('version', p.version),
  ]);
}

function publications(k: string, pubs: Publication[] | undefined, always: boolean): Field {
  if (!pubs || pubs.length === 0) return always ? `"${k}":[]` : undefined;
  return `"${k}":[${pubs.map(encodePublication).join(',')}]`;
}

function encodeSubscribeResult(r: SubscribeResult): string {
  return obj([
    bool('expires', r.expires),
    num('ttl', r.ttl),
    bool('recoverable', r.recoverable),
    str('epoch', r.epoch),
    publications('publications', r.publications, false),
    bool('recovered', r.recovered),
    num('offset', r.offset),
    bool('positioned', r.positioned),
    bytes('data', r.data),
    bool('was_recovering', r.wasRecovering),
    bool('delta', r.delta),
    num('id', r.id),
    num('type', r.type),
    num('phase', r.phase),
    str('cursor', r.cursor),
    publications('state', r.state, false),
    num('publish_debounce', r.publishDebounce),
  ]);
}

function encodeSubsMap(k: string, subs: Record<string, SubscribeResult> | undefined): Field {
  if (!subs) return undefined;
  const entries = Object.entries(subs);
  if (entries.length === 0) return undefined;
  return `"${k}":{${entries.map(([ch, r]) => `${JSON.stringify(ch)}:${encodeSubscribeResult(r)}`).join(',')}}`;
}

function encodeConnectResult(r: ConnectResult): string {
  return obj([
    `"client":${JSON.stringify(r.client)}`,
    `"version":${JSON.stringify(r.version)}`,
    bool('expires', r.expires),
    num('ttl', r.ttl),
    bytes('data', r.data),
    encodeSubsMap('subs', r.subs),
    num('ping', r.ping),
    bool('pong', r.pong),
    str('session', r.session),
    str('node', r.node),
    num('time', r.time),
  ]);
}

function encodeHistoryResult(r: HistoryResult): string {
  return obj([
    publications('publications', r.publications, true),
    `"epoch":${JSON.stringify(r.epoch)}`,
    `"offset":${r.offset}`,
  ]);
}

export function encodePush(p: Push): string {
  return obj([
    num('id', p.id),
    str('channel', p.channel),
    p.pub ? `"pub":${encodePublication(p.pub)}` : undefined,
    p.join ? `"join":{"info":${encodeClientInfo(p.join.info)}}` : undefined,
    p.leave ? `"leave":{"info":${encodeClientInfo(p.leave.info)}}` : undefined,
    p.unsubscribe ? `"unsubscribe":${obj([num('code', p.unsubscribe.code), str('reason', p.unsubscribe.reason)])}` : undefined,
    p.message ? `"message":${obj([bytes('data', p.message.data)])}` : undefined,
    p.subscribe
      ? `"subscribe":${obj([
          bool('recoverable', p.subscribe.recoverable),
          str('epoch', p.subscribe.epoch),
          num('offset', p.subscribe.offset),
          bool('positioned', p.subscribe.positioned),
          bytes('data', p.subscribe.data),
        ])}`
      : undefined,
    p.connect ? `"connect":${encodeConnectResult(p.connect)}` : undefined,
    p.disconnect
      ? `"disconnect":${obj([
          num('code', p.disconnect.code),
          str('reason', p.disconnect.reason),
          bool('reconnect', p.disconnect.reconnect),
        ])}`
      : undefined,
    p.refresh ? `"refresh":${obj([bool('expires', p.refresh.expires), num('ttl', p.refresh.ttl)])}` : undefined,
  ]);
}

/** Appends one field to an object being built (`out` starts as '{'). */
const field = (out: string, f: string): string => (out.length === 1 ? out + f : out + ',' + f);

/**
 * Encodes one Reply as a single-line JSON document. Field by field rather than through
 * `obj`: a reply sets one or two of its many fields, and this runs for every command.
 */
export function encodeJsonReply(r: Reply): string {
  let out = r.id ? `{"id":${r.id}` : '{';
  if (r.error) out = field(out, `"error":${obj([num('code', r.error.code), str('message', r.error.message), bool('temporary', r.error.temporary)])}`);
  if (r.push) out = field(out, `"push":${encodePush(r.push)}`);
  if (r.connect) out = field(out, `"connect":${encodeConnectResult(r.connect)}`);
  if (r.subscribe) out = field(out, `"subscribe":${encodeSubscribeResult(r.subscribe)}`);
  if (r.unsubscribe) out = field(out, `"unsubscribe":{}`);
  if (r.publish) out = field(out, `"publish":{}`);
  if (r.presence) {
    const entries = Object.entries(r.presence.presence).map(([id, info]) => `${JSON.stringify(id)}:${encodeClientInfo(info)}`);
    out = field(out, `"presence":{"presence":{${entries.join(',')}}}`);
  }
  if (r.presenceStats) out = field(out, `"presence_stats":{"num_clients":${r.presenceStats.numClients},"num_users":${r.presenceStats.numUsers}}`);
  if (r.history) out = field(out, `"history":${encodeHistoryResult(r.history)}`);
  if (r.ping) out = field(out, `"ping":{}`);
  if (r.rpc) out = field(out, `"rpc":${obj([bytes('data', r.rpc.data)])}`);
  if (r.refresh) {
    out = field(out, `"refresh":${obj([str('client', r.refresh.client), str('version', r.refresh.version), bool('expires', r.refresh.expires), num('ttl', r.refresh.ttl)])}`);
  }
  if (r.subRefresh) {
    out = field(out, `"sub_refresh":${obj([bool('expires', r.subRefresh.expires), num('ttl', r.subRefresh.ttl), publications('items', r.subRefresh.items, false)])}`);
  }
  return out + '}';
}
