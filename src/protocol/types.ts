/**
 * Client protocol messages in their in-memory form: camelCase fields, `Uint8Array`
 * for every `bytes` field. In the JSON protocol those bytes hold raw JSON text that
 * the codec embeds unchanged; in protobuf they are opaque. Integers that are uint64
 * on the wire (offsets) are JS numbers: offsets never get near 2^53.
 */

export type Bytes = Uint8Array;

export interface ClientInfo {
  user: string;
  client: string;
  connInfo?: Bytes;
  chanInfo?: Bytes;
}

export interface Publication {
  data: Bytes;
  info?: ClientInfo;
  offset?: number;
  tags?: Record<string, string>;
  delta?: boolean;
  time?: number;
  channel?: string;
  /** Map and shared-poll publications: the key set (or removed, with `removed`). */
  key?: string;
  removed?: boolean;
  /** Ordered maps only. */
  score?: number;
  /** Set on the first publication of a map stream (offset 1), so the client learns the epoch. */
  epoch?: string;
  /** The key's previous value, carried between nodes for per-key delta; never sent to clients. */
  prevData?: Bytes;
  /** Per-key version (map versions, shared-poll item versions). */
  version?: number;
}

/** `SubscribeRequest.type`: the subscription kind the client asks for. */
export const SubscriptionKind = { stream: 0, map: 1, mapClients: 2, mapUsers: 3, sharedPoll: 4 } as const;
export type SubscriptionKind = (typeof SubscriptionKind)[keyof typeof SubscriptionKind];

/** `phase` of a map subscribe: state pages, then stream catch-up, then live. */
export const MapPhase = { live: 0, stream: 1, state: 2 } as const;
export type MapPhase = (typeof MapPhase)[keyof typeof MapPhase];

/** `SubRefreshRequest.type`: a token refresh, or shared-poll track/untrack. */
export const SubRefreshKind = { token: 0, track: 1, untrack: 2 } as const;

/** `PublishRequest.type`: a stream publication, or a map write/removal. */
export const PublishKind = { stream: 0, map: 1 } as const;

/** A shared-poll key and the version the client holds of it. */
export interface KeyedItem {
  key?: string;
  version?: number;
}

/** Keys a backend signed for one connection, in the order the signature covers them. */
export interface TrackBatch {
  signature?: string;
  items?: KeyedItem[];
}

export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface FilterNode {
  op?: string;
  key?: string;
  cmp?: string;
  val?: string;
  vals?: string[];
  nodes?: FilterNode[];
}

export interface ConnectRequest {
  token?: string;
  data?: Bytes;
  subs?: Record<string, SubscribeRequest>;
  name?: string;
  version?: string;
  headers?: Record<string, string>;
}

export interface SubscribeRequest {
  channel?: string;
  token?: string;
  recover?: boolean;
  epoch?: string;
  offset?: number;
  data?: Bytes;
  positioned?: boolean;
  recoverable?: boolean;
  joinLeave?: boolean;
  delta?: string;
  tf?: FilterNode;
  flag?: number;
  /** SubscriptionKind; absent = stream. */
  type?: number;
  /** MapPhase; absent = live. */
  phase?: number;
  cursor?: string;
  limit?: number;
  asc?: boolean;
}

export interface ChannelRequest {
  channel?: string;
}

export interface PublishRequest {
  channel?: string;
  data?: Bytes;
  /** PublishKind; absent = stream. */
  type?: number;
  key?: string;
  removed?: boolean;
}

export interface HistoryRequest {
  channel?: string;
  limit?: number;
  since?: StreamPosition;
  reverse?: boolean;
}

export interface RpcRequest {
  data?: Bytes;
  method?: string;
}

export interface SendRequest {
  data?: Bytes;
}

export interface RefreshRequest {
  token?: string;
}

export interface SubRefreshRequest {
  channel?: string;
  token?: string;
  /** SubRefreshKind; absent = token refresh. */
  type?: number;
  track?: TrackBatch[];
  untrack?: string[];
}

/** One client command. Exactly one request field is set, except for a pong (`{}`). */
export interface Command {
  id: number;
  connect?: ConnectRequest;
  subscribe?: SubscribeRequest;
  unsubscribe?: ChannelRequest;
  publish?: PublishRequest;
  presence?: ChannelRequest;
  presenceStats?: ChannelRequest;
  history?: HistoryRequest;
  ping?: Record<string, never>;
  send?: SendRequest;
  rpc?: RpcRequest;
  refresh?: RefreshRequest;
  subRefresh?: SubRefreshRequest;
}

/** Names of the request fields of a Command, in wire order. */
export const commandMethods = [
  'connect',
  'subscribe',
  'unsubscribe',
  'publish',
  'presence',
  'presenceStats',
  'history',
  'ping',
  'send',
  'rpc',
  'refresh',
  'subRefresh',
] as const;
export type CommandMethod = (typeof commandMethods)[number];

export interface ProtocolErrorBody {
  code: number;
  message: string;
  temporary?: boolean;
}

export interface SubscribeResult {
  expires?: boolean;
  ttl?: number;
  recoverable?: boolean;
  epoch?: string;
  publications?: Publication[];
  recovered?: boolean;
  offset?: number;
  positioned?: boolean;
  data?: Bytes;
  wasRecovering?: boolean;
  delta?: boolean;
  /** The channel's numeric id on this node when compaction was negotiated; pushes then carry it instead of the name. */
  id?: number;
  /** SubscriptionKind echoed for map (1, whatever the map kind) and shared-poll (4) subscriptions. */
  type?: number;
  /** MapPhase of this reply; absent = live. */
  phase?: number;
  /** Where the next state page starts; empty on the last page. */
  cursor?: string;
  /** Map entries of a state page (or of the state-to-live reply). */
  state?: Publication[];
  /** ms the server coalesces client map writes over. */
  publishDebounce?: number;
}

export interface ConnectResult {
  client: string;
  version: string;
  expires?: boolean;
  ttl?: number;
  data?: Bytes;
  subs?: Record<string, SubscribeResult>;
  ping?: number;
  pong?: boolean;
  session?: string;
  node?: string;
  time?: number;
}

export interface RefreshResult {
  client?: string;
  version?: string;
  expires?: boolean;
  ttl?: number;
}

export interface SubRefreshResult {
  expires?: boolean;
  ttl?: number;
  /** Shared poll: items the server already holds for the tracked keys. */
  items?: Publication[];
}

export interface PresenceResult {
  presence: Record<string, ClientInfo>;
}

export interface PresenceStatsResult {
  numClients: number;
  numUsers: number;
}

export interface HistoryResult {
  publications: Publication[];
  epoch: string;
  offset: number;
}

export interface RpcResult {
  data?: Bytes;
}

export interface Push {
  /** Set instead of `channel` for a subscription that negotiated channel compaction. */
  id?: number;
  channel?: string;
  pub?: Publication;
  join?: { info: ClientInfo };
  leave?: { info: ClientInfo };
  unsubscribe?: { code: number; reason: string };
  message?: { data: Bytes };
  subscribe?: {
    recoverable?: boolean;
    epoch?: string;
    offset?: number;
    positioned?: boolean;
    data?: Bytes;
  };
  connect?: ConnectResult;
  disconnect?: { code: number; reason: string; reconnect: boolean };
  refresh?: { expires?: boolean; ttl?: number };
}

/** A reply to a command (id > 0), a push (`push` set), or a ping (empty). */
export interface Reply {
  id?: number;
  error?: ProtocolErrorBody;
  push?: Push;
  connect?: ConnectResult;
  subscribe?: SubscribeResult;
  unsubscribe?: Record<string, never>;
  publish?: Record<string, never>;
  presence?: PresenceResult;
  presenceStats?: PresenceStatsResult;
  history?: HistoryResult;
  ping?: Record<string, never>;
  rpc?: RpcResult;
  refresh?: RefreshResult;
  subRefresh?: SubRefreshResult;
}
