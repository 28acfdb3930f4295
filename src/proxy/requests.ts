import type { Caller, ConnectCall, MapPublishCall, MapRemoveCall, PublishCall, RpcCall, SharedPollRefreshCall, SubRefreshCall, SubscribeCall } from './types.js';

/** The calls made for a connection, by their wire names. */
export type SessionKind = 'connect' | 'refresh' | 'subscribe' | 'publish' | 'map_publish' | 'map_remove' | 'rpc' | 'sub_refresh';

/** Every call, by its wire name: the session calls and the shared-poll loop's refresh. */
export type ProxyKind = SessionKind | 'shared_poll_refresh';

/**
 * A request in the shape of Centrifugo's proxy.proto (snake_case field names). Byte fields
 * (`data`, `meta`) hold raw JSON: HTTP embeds them as JSON values, gRPC sends the bytes.
 */
export type WireRequest = Record<string, string | Uint8Array | Readonly<Record<string, string>> | ReadonlyArray<Readonly<Record<string, string | number>>> | undefined>;

/** What each call carries beyond the caller. */
export interface CallOf {
  connect: ConnectCall;
  refresh: undefined;
  subscribe: SubscribeCall;
  publish: PublishCall;
  map_publish: MapPublishCall;
  map_remove: MapRemoveCall;
  rpc: RpcCall;
  sub_refresh: SubRefreshCall;
}

/** Per-proxy switches that change request bodies. */
export interface RequestOptions {
  binaryEncoding: boolean;
  includeConnectionMeta: boolean;
}

function payload(data: Uint8Array | undefined, binary: boolean): WireRequest {
  if (!data || data.length === 0) return {};
  return binary ? { b64data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') } : { data };
}

function session(caller: Caller, opts: RequestOptions): WireRequest {
  const labels = caller.labels && Object.keys(caller.labels).length > 0 ? caller.labels : undefined;
  return { user: caller.user, meta: opts.includeConnectionMeta ? caller.meta : undefined, labels };
}

/** The request body of one call, before it is encoded as JSON or protobuf. */
export function wireRequest<K extends SessionKind>(kind: K, caller: Caller, call: CallOf[K], opts: RequestOptions): WireRequest {
  const base: WireRequest = {
    client: caller.client,
    transport: caller.transport,
    protocol: caller.protocol,
    encoding: opts.binaryEncoding ? 'binary' : 'json',
  };
  const binary = opts.binaryEncoding;
  // The casts restate the CallOf entry for the kind just tested: TypeScript does not narrow K.
  switch (kind) {
    case 'connect': {
      const c = call as ConnectCall;
      return { ...base, ...payload(c.data, binary), name: c.name || undefined, version: c.version || undefined };
    }
    case 'refresh':
      return { ...base, ...session(caller, opts) };
    case 'subscribe': {
      const c = call as SubscribeCall;
      return { ...base, ...session(caller, opts), channel: c.channel, token: c.token || undefined, ...payload(c.data, binary) };
    }
    case 'publish': {
      const c = call as PublishCall;
      return { ...base, ...session(caller, opts), channel: c.channel, ...payload(c.data, binary) };
    }
    case 'map_publish': {
      const c = call as MapPublishCall;
      return { ...base, ...session(caller, opts), channel: c.channel, key: c.key, ...payload(c.data, binary) };
    }
    case 'map_remove': {
      const c = call as MapRemoveCall;
      return { ...base, ...session(caller, opts), channel: c.channel, key: c.key };
    }
    case 'rpc': {
      const c = call as RpcCall;
      return { ...base, ...session(caller, opts), method: c.method, ...payload(c.data, binary) };
    }
    case 'sub_refresh': {
      const c = call as SubRefreshCall;
      return { ...base, ...session(caller, opts), channel: c.channel };
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** A shared-poll refresh request; a version is sent only when there is one (as Centrifugo omits zero). */
export function sharedPollRequest(call: SharedPollRefreshCall): WireRequest {
  const items = call.items.map((i): Record<string, string | number> => (i.version > 0 ? { key: i.key, version: i.version } : { key: i.key }));
  return { channel: call.channel, items };
}
