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
}

export interface ChannelRequest {
  channel?: string;
}

export interface PublishRequest {
  channel?: string;
  data?: Bytes;
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
