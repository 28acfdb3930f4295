/*
 * What node/ sees of the backends it asks: one small interface per event. Every call
 * rejects with a ClientError (the backend's `error`, or 100 internal/temporary when the
 * backend cannot be reached, is too slow or answers something malformed) or a
 * DisconnectError (the backend's `disconnect`). Payloads are raw bytes (JSON unless the
 * proxy uses `binary_encoding`); wire names are mapped in this area only.
 */

/** The connection a call is made for; the same for every call of one session. */
export interface Caller {
  client: string;
  /** `websocket`, `http_stream`, `sse`. */
  transport: string;
  /** `json` or `protobuf`. */
  protocol: string;
  /** '' before connect and for anonymous sessions. */
  user: string;
  /** The connection's `meta` (from the connect proxy or token), sent with `include_connection_meta`. */
  meta?: Uint8Array;
  labels?: Readonly<Record<string, string>>;
  /** Headers of the connection's HTTP request that some proxy forwards; lower-case names. */
  headers: Readonly<Record<string, string>>;
  /** Headers from the connect command (the SDK's `headers` option); lower-case names. */
  emulatedHeaders: Readonly<Record<string, string>>;
  /** The client's address (the peer, or what a trusted reverse proxy said). */
  ip: string;
}

/** Overrides of namespace options for one subscription. */
export interface SubscriptionOverride {
  presence?: boolean;
  joinLeave?: boolean;
  forcePushJoinLeave?: boolean;
  forceRecovery?: boolean;
  forcePositioning?: boolean;
}

export interface ProxySubscription {
  /** Unix seconds; 0 = never. */
  expireAt: number;
  info?: Uint8Array;
  data?: Uint8Array;
  override?: SubscriptionOverride;
}

export interface ConnectCall {
  name?: string;
  version?: string;
  data?: Uint8Array;
}

export interface ConnectOutcome {
  user: string;
  /** Unix seconds; 0 = never. */
  expireAt: number;
  info?: Uint8Array;
  /** Returned to the client in the connect result. */
  data?: Uint8Array;
  /** Server-side subscriptions with the namespace's options. */
  channels: string[];
  /** Server-side subscriptions with their own options. */
  subs: Map<string, ProxySubscription>;
  meta?: Uint8Array;
  labels?: Record<string, string>;
}

export interface RefreshOutcome {
  expired: boolean;
  /** Unix seconds; 0 = never. */
  expireAt: number;
  info?: Uint8Array;
  meta?: Uint8Array;
}

export interface SubscribeCall {
  channel: string;
  token?: string;
  data?: Uint8Array;
}

export type SubscribeOutcome = ProxySubscription;

export interface PublishCall {
  channel: string;
  data: Uint8Array;
}

export interface PublishOutcome {
  /** Replaces the client's data when set. */
  data?: Uint8Array;
  skipHistory: boolean;
  tags?: Record<string, string>;
  idempotencyKey?: string;
  delta: boolean;
}

export interface MapPublishCall {
  channel: string;
  /** As the client asked; '' lets the backend choose. */
  key: string;
  data: Uint8Array;
}

/** How a map write goes ahead; every field the backend leaves out keeps the client's or the default. */
export interface MapPublishOutcome {
  /** Replaces the client's key when set. */
  key?: string;
  /** Replaces the client's data when set. */
  data?: Uint8Array;
  tags?: Record<string, string>;
  keyMode: '' | 'if_new' | 'if_exists';
  idempotencyKey?: string;
  delta: boolean;
  /** 0 = unversioned. */
  version: number;
  versionEpoch?: string;
}

export interface MapRemoveCall {
  channel: string;
  key: string;
}

export interface MapRemoveOutcome {
  /** Replaces the client's key when set. */
  key?: string;
  idempotencyKey?: string;
}

export interface RpcCall {
  method: string;
  data?: Uint8Array;
}

export interface RpcOutcome {
  data?: Uint8Array;
}

export interface SubRefreshCall {
  channel: string;
}

export interface SubRefreshOutcome {
  expired: boolean;
  /** Unix seconds; 0 = never. */
  expireAt: number;
  info?: Uint8Array;
}

/** One item a shared-poll loop asks about. */
export interface SharedPollItem {
  key: string;
  /** The version the node holds (versioned mode); 0 asks for the data whatever it is. */
  version: number;
}

export interface SharedPollRefreshCall {
  channel: string;
  items: SharedPollItem[];
}

/** The backend's answer for one item: its data at a version, or that it is gone. */
export interface SharedPollRefreshedItem {
  key: string;
  data?: Uint8Array;
  /** 0 in versionless mode (the node derives versions from the data). */
  version: number;
  removed: boolean;
  /** The data the delta is computed against, when the backend sends it. */
  prevData?: Uint8Array;
}

export interface SharedPollRefreshOutcome {
  items: SharedPollRefreshedItem[];
  /** The backend's epoch for the channel's versions (versioned mode); '' = none. */
  epoch: string;
}

/**
 * Answers a shared-poll loop: the current data of the items tracked on a channel. Not
 * made for a connection, so it carries no client fields and no forwarded headers.
 */
export interface SharedPollRefreshProxy {
  sharedPollRefresh(call: SharedPollRefreshCall): Promise<SharedPollRefreshOutcome>;
}

/** Authenticates a connection without a token. Undefined: the backend gave no credentials. */
export interface ConnectProxy {
  connect(caller: Caller, call: ConnectCall): Promise<ConnectOutcome | undefined>;
}

/** Extends (or ends) a connection that reached its expiry, in place of client-side token refresh. */
export interface RefreshProxy {
  refresh(caller: Caller): Promise<RefreshOutcome>;
}

/** Allows or denies a client-side subscription. */
export interface SubscribeProxy {
  subscribe(caller: Caller, call: SubscribeCall): Promise<SubscribeOutcome>;
}

/** Allows, denies or rewrites a client publication. */
export interface PublishProxy {
  publish(caller: Caller, call: PublishCall): Promise<PublishOutcome>;
}

/** Allows, denies or rewrites a client's write of a map key. */
export interface MapPublishProxy {
  mapPublish(caller: Caller, call: MapPublishCall): Promise<MapPublishOutcome>;
}

/** Allows, denies or redirects a client's removal of a map key. */
export interface MapRemoveProxy {
  mapRemove(caller: Caller, call: MapRemoveCall): Promise<MapRemoveOutcome>;
}

/** Answers a client's `rpc` call. */
export interface RpcProxy {
  rpc(caller: Caller, call: RpcCall): Promise<RpcOutcome>;
}

/** Extends (or ends) a subscription that reached its expiry. */
export interface SubRefreshProxy {
  subRefresh(caller: Caller, call: SubRefreshCall): Promise<SubRefreshOutcome>;
}

/**
 * The configured backends. Channel and RPC options name their proxy (`default` = the
 * section's own); a name without a proxy returns undefined.
 */
export interface ProxyRegistry {
  readonly connect: ConnectProxy | undefined;
  readonly refresh: RefreshProxy | undefined;
  subscribe(name: string): SubscribeProxy | undefined;
  publish(name: string): PublishProxy | undefined;
  mapPublish(name: string): MapPublishProxy | undefined;
  mapRemove(name: string): MapRemoveProxy | undefined;
  subRefresh(name: string): SubRefreshProxy | undefined;
  rpc(name: string): RpcProxy | undefined;
  sharedPollRefresh(name: string): SharedPollRefreshProxy | undefined;
  /** Lower-case request header names some proxy forwards: all a connection needs to keep. */
  readonly httpHeaders: ReadonlySet<string>;
  /** Lower-case emulated header names some proxy forwards. */
  readonly emulatedHeaders: ReadonlySet<string>;
}
