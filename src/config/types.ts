import type { RateLimitConfig } from './rate-limit.js';
import type { ConsumerConfig } from './consumers-schema.js';
export type { ConsumerConfig, NatsJetStreamConsumerConfig, PostgresConsumerConfig, RedisStreamConsumerConfig } from './consumers-schema.js';
/**
 * The typed, frozen configuration every other area reads. Wire/config-file names
 * (snake_case Centrifugo v6 keys) are mapped to these camelCase fields once, in
 * `schema.ts`; durations are milliseconds, sizes are bytes.
 */

/** pino's level names; a file's `log.level: none` (Centrifugo's word) arrives as `silent`. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Token verification settings (`client.token`, `client.subscription_token`). */
export interface TokenConfig {
  hmacSecretKey: string;
  /** The HMAC secret being rotated out: still verifies tokens until `hmacPreviousSecretKeyValidUntil`. */
  hmacPreviousSecretKey: string;
  /** Unix seconds after which the previous secret verifies nothing; 0 = no end. */
  hmacPreviousSecretKeyValidUntil: number;
  rsaPublicKey: string;
  ecdsaPublicKey: string;
  ed25519PublicKey: string;
  jwksPublicEndpoint: string;
  audience: string;
  audienceRegex: string;
  issuer: string;
  issuerRegex: string;
  /** Claim holding the user id; `sub` when the file leaves it empty. */
  userIdClaim: string;
  /** Claims copied into the connection info (`{claim: value}`) when the token has no `info` claim. */
  infoClaims: string[];
  /** Extra CA for the JWKS endpoint (an IdP with a private CA). */
  jwksTls: JwksTlsConfig;
}

/** What subscribers of a namespace get (`subscription_type`; `""` in a file means `stream`). */
export type SubscriptionType = 'stream' | 'map' | 'map_clients' | 'map_users' | 'shared_poll';

/** The map subscription types: a channel holds keyed state. */
export const MAP_SUBSCRIPTION_TYPES: ReadonlySet<SubscriptionType> = new Set(['map', 'map_clients', 'map_users']);

/**
 * `map` options of a namespace, as written: 0 means the default, which `resolveMapOptions`
 * fills in (rules must tell an unset key from a set one). Durations in ms.
 */
export interface MapOptions {
  /** '' only outside map namespaces: every map namespace names its mode. */
  mode: '' | 'ephemeral' | 'recoverable' | 'persistent';
  keyTtl: number;
  streamSize: number;
  streamTtl: number;
  metaTtl: number;
  removeClientOnUnsubscribe: boolean;
  clientKey: '' | 'client_id' | 'user_id';
  allowPublishForClient: boolean;
  allowPublishForSubscriber: boolean;
  allowPublishForAnonymous: boolean;
  allowRemoveForClient: boolean;
  allowRemoveForSubscriber: boolean;
  allowRemoveForAnonymous: boolean;
  publishProxyEnabled: boolean;
  /** `default` = `channel.proxy.map_publish`; else a `proxies[]` name. */
  publishProxyName: string;
  removeProxyEnabled: boolean;
  /** `default` = `channel.proxy.map_remove`; else a `proxies[]` name. */
  removeProxyName: string;
  defaultPageSize: number;
  minPageSize: number;
  maxPageSize: number;
  liveTransitionMaxPublicationLimit: number;
  /** -1 = no limit. */
  subscribeCatchUpTimeout: number;
}

/** `shared_poll` options of a namespace, as written (0 = the default; see `resolveSharedPollOptions`). Durations in ms. */
export interface SharedPollOptions {
  /** '' = `default` = `channel.proxy.shared_poll_refresh`. */
  proxyName: string;
  /** '' = versionless. */
  mode: '' | 'versionless' | 'versioned';
  refreshInterval: number;
  refreshBatchSize: number;
  maxKeysPerConnection: number;
  /** -1 = immediately. */
  channelShutdownDelay: number;
  trackExpiredExtraDelay: number;
  publishEnabled: boolean;
}

/** Options of one channel namespace (or of channels without a namespace). */
export interface ChannelOptions {
  presence: boolean;
  joinLeave: boolean;
  forcePushJoinLeave: boolean;
  historySize: number;
  /** ms; 0 = no history. */
  historyTtl: number;
  /** ms; 0 = use `channel.historyMetaTtl`. */
  historyMetaTtl: number;
  forceRecovery: boolean;
  allowRecovery: boolean;
  forceRecoveryMode: '' | 'stream' | 'cache';
  forcePositioning: boolean;
  allowPositioning: boolean;
  allowSubscribeForClient: boolean;
  allowSubscribeForAnonymous: boolean;
  allowPublishForClient: boolean;
  allowPublishForSubscriber: boolean;
  allowPublishForAnonymous: boolean;
  allowPresenceForClient: boolean;
  allowPresenceForSubscriber: boolean;
  allowPresenceForAnonymous: boolean;
  allowHistoryForClient: boolean;
  allowHistoryForSubscriber: boolean;
  allowHistoryForAnonymous: boolean;
  allowUserLimitedChannels: boolean;
  /** Empty = any name; else channel names (without namespace) must match. */
  channelRegex: string;
  allowedDeltaTypes: string[];
  deltaPublish: boolean;
  allowTagsFilter: boolean;
  publicationDataFormat: '' | 'json' | 'json_object' | 'binary';
  subscribeProxyEnabled: boolean;
  publishProxyEnabled: boolean;
  subRefreshProxyEnabled: boolean;
  /** `default` = `channel.proxy.subscribe`; else the name of a `proxies[]` entry. */
  subscribeProxyName: string;
  publishProxyName: string;
  subRefreshProxyName: string;
  subscriptionType: SubscriptionType;
  map: MapOptions;
  sharedPoll: SharedPollOptions;
  /** Client presence kept as a map_clients channel named this prefix + the channel; '' = none. */
  mapClientsPresenceChannelPrefix: string;
  /** User presence kept as a map_users channel named this prefix + the channel; '' = none. */
  mapUsersPresenceChannelPrefix: string;
  /** ms; recognised for Centrifugo PRO configs, no effect. */
  clientPublishDebounceInterval: number;
}

/** One application backend Parsec asks (Centrifugo's proxy options). */
export interface ProxyConfig {
  /** `http://…`, `https://…` or `grpc://host:port`. */
  endpoint: string;
  /** ms a call may take, waiting for a free slot included. */
  timeout: number;
  /** Request headers of the client's connection to forward (any case). */
  httpHeaders: string[];
  /** gRPC metadata keys to forward (Parsec's clients never arrive over gRPC, so only recognised). */
  grpcMetadata: string[];
  /** Headers from the client's connect command (SDK `headers` option) to forward. */
  emulatedHeaders: string[];
  /** Payloads go as `b64data` (base64) instead of raw JSON. */
  binaryEncoding: boolean;
  /** Send the connection's `meta` with every call after connect. */
  includeConnectionMeta: boolean;
  /** Calls in flight at once; more wait within `timeout`. */
  maxInFlight: number;
  http: { staticHeaders: Record<string, string>; tls: ProxyTlsConfig; statusToCodeTransforms: StatusToCodeTransform[] };
  grpc: { credentialsKey: string; credentialsValue: string; staticMetadata: Record<string, string>; tls: ProxyTlsConfig; compression: boolean };
}

/** TLS of a client (a proxy's calls to its backend, Redis, NATS); each PEM as text, a file path or base64 of the text. */
export interface ClientTlsConfig {
  enabled: boolean;
  /** A client certificate and its key, for servers that require mutual TLS. */
  certPem: string;
  keyPem: string;
  /** The CA the server's certificate must chain to, instead of the system's. */
  serverCaPem: string;
  /** The same CA as a file (Redis sections). */
  serverCaPemFile?: string;
  /** The name the server's certificate must carry (and the SNI sent), instead of the address's host. */
  serverName: string;
  /** Accept any certificate: for tests only. */
  insecureSkipVerify: boolean;
}

/** TLS of the calls to a backend. */
export type ProxyTlsConfig = ClientTlsConfig;

/** An HTTP status of a backend's answer given to the client as an error or a disconnect (exactly one code is set). */
export interface StatusToCodeTransform {
  statusCode: number;
  toError: { code: number; message: string; temporary: boolean };
  toDisconnect: { code: number; reason: string };
}

export interface SwitchedProxyConfig extends ProxyConfig {
  enabled: boolean;
}

export interface NamedProxyConfig extends ProxyConfig {
  name: string;
}

export interface RpcOptions {
  proxyEnabled: boolean;
  /** `default` = `rpc.proxy`; else the name of a `proxies[]` entry. */
  proxyName: string;
}

export interface RpcNamespaceConfig extends RpcOptions {
  name: string;
}

export interface NamespaceConfig extends ChannelOptions {
  name: string;
}

/** A Redis client's TLS (`<section>.tls`): a client certificate for a Redis that asks for one (`tls-auth-clients`). */
export interface RedisTlsConfig extends ClientTlsConfig {
  serverCaPemFile: string;
}

/** How to reach a Redis (every Redis section): standalone (one or several shards), Cluster or Sentinel. */
export interface RedisConfig {
  address: string[];
  clusterAddress: string[];
  sentinelAddress: string[];
  sentinelMasterName: string;
  sentinelUser: string;
  sentinelPassword: string;
  /** Prefix of every key and PUB/SUB channel, so several deployments can share a Redis. */
  prefix: string;
  db: number;
  user: string;
  password: string;
  connectTimeout: number;
  ioTimeout: number;
  tls: RedisTlsConfig;
}

/** A Redis carrying channels' PUB/SUB and history (`broker.redis`, and `engine.redis`). */
export interface RedisBrokerConfig extends RedisConfig {
  /**
   * On a Redis Cluster whose every master runs Redis 7 or newer, a channel's messages go by
   * sharded PUB/SUB (SSUBSCRIBE/SPUBLISH) and touch only the shard owning the channel's slot.
   */
  clusterShardedPubSub: boolean;
}

/** A Redis keeping presence (`presence_manager.redis`, and `engine.redis`). */
export interface PresenceRedisConfig extends RedisConfig {
  /** How long a presence entry lives without being refreshed by its node, ms. */
  presenceTtl: number;
}

/** `engine.redis`: broker and presence over the same Redis. */
export interface EngineRedisConfig extends RedisBrokerConfig, PresenceRedisConfig {}

/** `map_broker.redis`: a Redis connection plus the map broker's own settings (ms). */
export interface MapBrokerRedisConfig extends RedisConfig {
  /** -1 = no TTL cleanup. */
  cleanupInterval: number;
  cleanupBatchSize: number;
  idempotentResultTtl: number;
  skipPubSub: boolean;
}

export interface JwksTlsConfig {
  enabled: boolean;
  serverCaPem: string;
  serverCaPemFile: string;
}

/** Server API authentication with JWTs from an identity provider. */
export interface ApiJwksConfig {
  enabled: boolean;
  endpoint: string;
  /** Checked only when set. */
  audience: string;
  issuer: string;
  /** Must appear in the token's `scope` claim (space-separated string or array). */
  scope: string;
  tls: JwksTlsConfig;
}

/** The admin web UI. */
export interface AdminConfig {
  enabled: boolean;
  /** '' = served at the root, as in Centrifugo. */
  handlerPrefix: string;
  /** Served on the public port even when `http_server.internal_port` is set. */
  external: boolean;
  password: string;
  /** Signs the session cookies. */
  secret: string;
  /** No login at all (development only). */
  insecure: boolean;
  /** Login with an IdP access token checked against this JWKS (aud/iss/scope). */
  jwks: ApiJwksConfig;
  /** How long a session lasts, in ms. */
  sessionTtl: number;
}

/** One streaming endpoint of the emulation layer. */
/** A server certificate and key, each as PEM text or a file. */
export interface TlsConfig {
  enabled: boolean;
  certPem: string;
  certPemFile: string;
  keyPem: string;
  keyPemFile: string;
  /** Set = clients must present a certificate this CA signed (mutual TLS). */
  clientCaPem: string;
}

/** WebSocket permessage-deflate, used with clients that offer it. */
export interface CompressionConfig {
  compression: boolean;
  /** Messages smaller than this many bytes go uncompressed. */
  compressionMinSize: number;
  /** zlib level, -1 (zlib's default) to 9. */
  compressionLevel: number;
}

/** `uni_sse` and `uni_http_stream`. */
export interface UniStreamConfig {
  enabled: boolean;
  handlerPrefix: string;
  /** Max bytes of a connect request sent as the request body. */
  maxRequestBodySize: number;
  /** Refused connects answered with an HTTP status and body, by connect error code. */
  connectCodeToHttpResponse: {
    enabled: boolean;
    transforms: Array<{ code: number; to: { statusCode: number; body: string } }>;
  };
}

export interface StreamEndpointConfig {
  enabled: boolean;
  handlerPrefix: string;
  /** Max bytes of a connect command sent as the request body. */
  maxRequestBodySize: number;
}

/** How to reach NATS for the NATS broker (`broker.nats`). */
export interface NatsBrokerConfig {
  /** `nats://host:port`, or several of them separated by commas. */
  url: string;
  /** Subject prefix: `<prefix>.client.<channel>`, `<prefix>.control`; separates unrelated setups on one NATS. */
  prefix: string;
  /** ms the first connection may take; startup fails after it. */
  dialTimeout: number;
  /** ms NATS may take to confirm a subscription or finish draining at shutdown. */
  writeTimeout: number;
  /** TLS to NATS: each PEM as text, a file path or base64 of the text (resolved at start). */
  tls: ClientTlsConfig;
  /** Channels holding `*` or `>` may be subscribed to as NATS subject wildcards. */
  allowWildcards: boolean;
  /**
   * Plain payloads on subjects of the application's choosing: no envelope, no tags, info or
   * join/leave; a channel's subject is `prefix` + the name with `channelReplacements` applied.
   */
  rawMode: { enabled: boolean; channelReplacements: Record<string, string>; prefix: string };
}

/** How the token broker authenticates its callers (`parsec.token_broker.authenticator`). */
export interface BrokerAuthenticatorConfig {
  type: 'jwks' | 'api_keys' | 'hook';
  /** JWKS URL of the identity provider. */
  endpoint: string;
  /** Checked only when set. */
  issuer: string;
  audience: string;
  userIdClaim: string;
  /** Service id → static key; such a bearer authenticates the service. */
  apiKeys: Record<string, string>;
  /** POSTed `{token}`; answers `{user_id, claims?}` with 200, anything else refuses. */
  hookUrl: string;
  /** ms. */
  hookTimeout: number;
  tls: JwksTlsConfig;
}

/** How the token broker decides which channels a caller gets (`parsec.token_broker.authorizer`). */
export interface BrokerAuthorizerConfig {
  type: 'allow_all' | 'roles' | 'hook';
  /** Dotted path of the roles claim in the caller's token (`realm_access.roles` for Keycloak). */
  rolesClaim: string;
  /** User id → roles. */
  userRoles: Record<string, string[]>;
  /** Role → channel patterns (`*` any characters, `{user}` the caller's id). */
  roles: Record<string, string[]>;
  hookUrl: string;
  /** ms. */
  hookTimeout: number;
}

export interface TokenBrokerConfig {
  enabled: boolean;
  /** Path prefix of the broker's routes. */
  prefix: string;
  /** ms. */
  defaultTtl: number;
  /** ms; requested lifetimes are clamped to it. */
  maxTtl: number;
  /** HS256 secret; '' = `client.token.hmac_secret_key`. */
  signingKey: string;
  signingPrivateKey: string;
  signingPrivateKeyFile: string;
  authenticator: BrokerAuthenticatorConfig;
  authorizer: BrokerAuthorizerConfig;
  /** Service id → user-id patterns the service may request tokens for. */
  delegation: { services: Record<string, string[]> };
  /** `maxTtl` and `pruneInterval` in ms. */
  revocations: { store: 'memory' | 'redis'; maxTtl: number; pruneInterval: number };
  /** `expiration` in ms, 0 = credentials without `exp`. */
  credentials: { expiration: number; topicAcl: string };
  /** `requests` per `interval` (ms) and caller, with `burst` extra; 0 requests = unlimited. */
  rateLimit: { requests: number; interval: number; burst: number };
  maxRequestBodySize: number;
}

/** The MQTT front door (`parsec.mqtt`). */
export interface MqttConfig {
  enabled: boolean;
  /** '' = `http_server.address`. */
  address: string;
  port: number;
  /** Channel namespace of MQTT topics: topic `a/b` is channel `<namespace>:a/b`. */
  namespace: string;
  /** Bytes. */
  maxPacketSize: number;
  /** ms a new connection has to send CONNECT. */
  connectTimeout: number;
  /** Inbound packets per second and client; 0 = unlimited. */
  rateLimit: number;
  /** ms; the longest a persistent session outlives its connection. */
  maxSessionExpiry: number;
  /** QoS 1 messages kept per offline persistent session. */
  maxQueuedMessages: number;
  /** Denied PUBLISH/SUBSCRIBE after which the client is disconnected; 0 = never. */
  maxAclViolations: number;
  websocket: { enabled: boolean; path: string };
  /** The MQTT listener's TLS; a client CA makes devices present certificates (mutual TLS). */
  tls: TlsConfig;
}

/** Parsec-only settings (`parsec`). */
export interface ParsecConfig {
  /** Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  /** Subscribes asking for channel compaction get a numeric channel id (`channel_compaction`, default on). */
  channelCompaction: boolean;
  /**
   * ms. A request's headers must arrive within `readHeaderTimeout` (> 0) and the whole request
   * within `readTimeout` (0 = unbounded, else at least `readHeaderTimeout`), or the socket is closed.
   */
  httpServer: { readHeaderTimeout: number; readTimeout: number };
  tokenBroker: TokenBrokerConfig;
  /** Issuance records: always logged; kept in PostgreSQL when a DSN is set, else the last `memorySize` in memory. */
  audit: { postgresDsn: string; postgresTable: string; memorySize: number };
  /** Blocks and rate-limit overrides: in PostgreSQL when `postgresDsn` is set, else Redis (Redis engine) or memory. */
  store: { postgresDsn: string };
  /** Session and channel activity recording; `retention` in ms (default 7 days). */
  activity: { enabled: boolean; retention: number };
  mqtt: MqttConfig;
  /** Spans for proxy calls when `opentelemetry.enabled`. */
  opentelemetry: { proxy: boolean };
}

export interface Config {
  /** Absolute path of the file the config came from; null when built from defaults/env only. */
  source: string | null;
  /** `file` '' = stdout. */
  log: { level: LogLevel; file: string };
  /** `address` '' = every interface (the CLI may pick loopback when run without a file). */
  httpServer: {
    address: string;
    port: number;
    /** PEM text, file path or base64 each; `clientCaPem` set = clients must present a certificate it signed (mTLS). */
    tls: { enabled: boolean; certPem: string; keyPem: string; clientCaPem: string };
    /** TLS on the public port only, the internal one stays plain. */
    tlsExternal: boolean;
    /** The internal port's own TLS (as `tls`); when enabled it wins over `tlsExternal`. */
    internalTls: { enabled: boolean; certPem: string; keyPem: string; clientCaPem: string };
    /** Recognised so that asking for it stops the start: ACME is not supported. */
    tlsAutocert: { enabled: boolean };
    internalAddress: string;
    /** The server API and health move here, apart from client endpoints; null = one port for all. */
    internalPort: number | null;
  };
  client: {
    proxy: { connect: SwitchedProxyConfig; refresh: SwitchedProxyConfig };
    token: TokenConfig;
    subscriptionToken: TokenConfig & { enabled: boolean };
    allowedOrigins: string[];
    allowAnonymousConnectWithoutToken: boolean;
    disallowAnonymousConnectionTokens: boolean;
    insecure: boolean;
    /** Connection and subscription tokens pass without a signature check; their claims are checked as usual (testing only). */
    insecureSkipTokenSignatureVerify: boolean;
    /** Header (as configured) holding the user id a trusted reverse proxy authenticated; '' = none. */
    userIdHttpHeader: string;
    /** ms; 0 = no server pings (Centrifugo's `-1` arrives as 0). Greater than pongTimeout when both are on. */
    pingInterval: number;
    /** ms; 0 = no pong check. */
    pongTimeout: number;
    expiredCloseDelay: number;
    expiredSubCloseDelay: number;
    staleCloseDelay: number;
    channelLimit: number;
    queueMaxSize: number;
    /** ms a push waits for others to share its frame; 0 = none (it leaves in the turn it was queued). Below pongTimeout. */
    writeDelay: number;
    /** Messages joined into one frame at most; 0 = no limit (Centrifugo's -1). */
    maxMessagesInFrame: number;
    /** Replies to commands do not wait for writeDelay: they leave in their turn with whatever was queued before them. */
    replyWithoutQueue: boolean;
    /** Max connections per user on this node; 0 = unlimited. */
    userConnectionLimit: number;
    /** Max connections on this node; 0 = unlimited. */
    connectionLimit: number;
    /** New connections per second this node accepts (HTTP 503 past it); 0 = unlimited. */
    connectionRateLimit: number;
    /** Commands of one connection that may wait at once; 0 or 1 = one at a time. */
    concurrency: number;
    channelPositionCheckDelay: number;
    /**
     * ms; a publication with an offset that reaches this node later than this after it was
     * published puts its positioned subscribers in insufficient state (they resync). 0 = no limit.
     */
    channelPositionMaxTimeLag: number;
    historyMaxPublicationLimit: number;
    recoveryMaxPublicationLimit: number;
    connectIncludeServerTime: boolean;
    presenceUpdateInterval: number;
    subscribeToUserPersonalChannel: {
      enabled: boolean;
      personalChannelNamespace: string;
      /** A user's new connection ends the ones they already have, on every node. */
      singleConnection: boolean;
    };
    /** Centrifugo PRO's operation rate limits (intervals in ms); `rate_limits_set` overrides them per layer at runtime. */
    rateLimit: RateLimitConfig;
    /** Unidirectional clients read no error replies: a refused connect ends with a disconnect, by error code. */
    connectCodeToUnidirectionalDisconnect: {
      enabled: boolean;
      transforms: Array<{ code: number; to: { code: number; reason: string } }>;
    };
  };
  channel: {
    /** The proxies channel options name `default`. */
    proxy: {
      subscribe: ProxyConfig;
      publish: ProxyConfig;
      subRefresh: ProxyConfig;
      mapPublish: ProxyConfig;
      mapRemove: ProxyConfig;
      sharedPollRefresh: ProxyConfig;
    };
    withoutNamespace: ChannelOptions;
    namespaces: NamespaceConfig[];
    historyMetaTtl: number;
    maxLength: number;
    privatePrefix: string;
    namespaceBoundary: string;
    userBoundary: string;
    userSeparator: string;
    /** The publication data format of namespaces that set none. */
    publicationDataFormat: ChannelOptions['publicationDataFormat'];
  };
  /** RPC methods (`ns:method`) and the backends that answer them. */
  rpc: {
    proxy: ProxyConfig;
    withoutNamespace: RpcOptions;
    namespaces: RpcNamespaceConfig[];
    namespaceBoundary: string;
    /** The built-in `ping` RPC method (`rpc.ping`): an empty result, no backend call. */
    ping: { enabled: boolean; method: string };
  };
  /** Proxies referred to by name from channel and RPC options. */
  proxies: NamedProxyConfig[];
  httpApi: {
    /** No server API over HTTP. */
    disabled: boolean;
    key: string;
    jwks: ApiJwksConfig;
    handlerPrefix: string;
    insecure: boolean;
    errorMode: '' | 'transport';
    /** With an internal port: the API stays on the public port. */
    external: boolean;
    /** Max request body in bytes. */
    maxRequestBodySize: number;
  };
  grpcApi: {
    enabled: boolean;
    address: string;
    port: number;
    key: string;
    insecure: boolean;
    errorMode: '' | 'transport';
    /** Max request message in bytes. */
    maxReceiveMessageSize: number;
    jwks: ApiJwksConfig;
    /** Serve gRPC over TLS with this certificate and key (PEM text or files). */
    tls: TlsConfig;
    /** Serve gRPC server reflection (v1 and v1alpha) beside the API. */
    reflection: boolean;
  };
  websocket: { disabled: boolean; handlerPrefix: string; messageSizeLimit: number; writeTimeout: number } & CompressionConfig;
  /** Unidirectional WebSocket: a connect request in (URL parameter or first message), pushes out. */
  uniWebsocket: {
    enabled: boolean;
    handlerPrefix: string;
    messageSizeLimit: number;
    writeTimeout: number;
    /** Several pushes per frame, newline-separated, instead of one frame each. */
    joinPushMessages: boolean;
    /** No `disconnect` push before the close frame, which carries the same code and reason. */
    disableDisconnectPush: boolean;
    /** Drop the socket without a close frame. */
    disableClosingHandshake: boolean;
  } & CompressionConfig;
  uniSse: UniStreamConfig;
  uniHttpStream: UniStreamConfig;
  /** Unidirectional gRPC: Centrifugo's unistream service on its own port. */
  uniGrpc: { enabled: boolean; address: string; port: number; maxReceiveMessageSize: number; tls: TlsConfig };
  /** Server-sent events with commands over `/emulation` (JSON only). */
  sse: StreamEndpointConfig;
  /** HTTP streaming (a long POST response) with commands over `/emulation`; JSON or protobuf. */
  httpStream: StreamEndpointConfig;
  /** The command endpoint of SSE and HTTP-streaming sessions; served when either is enabled. */
  emulation: { handlerPrefix: string; maxRequestBodySize: number };
  /** On by default in Parsec (Centrifugo's default is off). */
  health: { enabled: boolean; handlerPrefix: string };
  /** `GET <handler_prefix>` in the Prometheus text format when enabled. */
  prometheus: { enabled: boolean; handlerPrefix: string; instrumentHttpHandlers: boolean; recoveredPublicationsHistogram: boolean };
  /** Tracing (needs `enabled`) of server API calls (`api`) and consumed commands (`consuming`). */
  opentelemetry: { enabled: boolean; api: boolean; consuming: boolean };
  /** The OpenAPI document (`<handlerPrefix>/swagger.json`) and Swagger UI (`<handlerPrefix>/`), on the internal listener. */
  swagger: { enabled: boolean; handlerPrefix: string };
  admin: AdminConfig;
  engine: { type: 'memory' | 'redis'; redis: EngineRedisConfig };
  /**
   * A broker apart from the engine, as in Centrifugo: used only when `enabled`, and then it
   * carries PUB/SUB, join/leave and control messages (and history, for brokers that keep it).
   * `redisnats` and `postgres` are refused at start when enabled.
   */
  broker: { enabled: boolean; type: 'memory' | 'redis' | 'nats' | 'redisnats' | 'postgres'; redis: RedisBrokerConfig; nats: NatsBrokerConfig };
  /** Presence apart from the engine, as in Centrifugo: used only when `enabled`. With both this and `broker` enabled the engine is not started. */
  presenceManager: { enabled: boolean; type: 'memory' | 'redis'; redis: PresenceRedisConfig };
  /** Where map channels keep state and stream; independent of `engine`, as in Centrifugo. */
  mapBroker: { type: 'memory' | 'redis' | 'postgres'; redis: MapBrokerRedisConfig };
  /** Track signatures of shared-poll channels, and the backend call budget (`concurrencyLimit` 0 = 64). */
  sharedPoll: {
    hmacSecretKey: string;
    hmacPreviousSecretKey: string;
    /** Unix seconds; 0 = no end. */
    hmacPreviousSecretKeyValidUntil: number;
    concurrencyLimit: number;
  };
  shutdown: { timeout: number };
  /** `name` '' = the host name, decided where the node starts. */
  node: { name: string };
  /** Asynchronous consumers of server API commands (outbox table, Redis streams, JetStream). */
  consumers: ConsumerConfig[];
  parsec: ParsecConfig;
}
