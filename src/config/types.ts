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
  publicationDataFormat: '' | 'json' | 'binary';
  subscribeProxyEnabled: boolean;
  publishProxyEnabled: boolean;
  subRefreshProxyEnabled: boolean;
  /** `default` = `channel.proxy.subscribe`; else the name of a `proxies[]` entry. */
  subscribeProxyName: string;
  publishProxyName: string;
  subRefreshProxyName: string;
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
  http: { staticHeaders: Record<string, string> };
  grpc: { credentialsKey: string; credentialsValue: string; staticMetadata: Record<string, string> };
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

/** The Redis engine (`engine.redis`): standalone (one or several shards), Cluster or Sentinel. */
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
  /** How long a presence entry lives without being refreshed by its node, ms. */
  presenceTtl: number;
  tls: { enabled: boolean; serverCaPem: string; serverCaPemFile: string; insecureSkipVerify: boolean };
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

/** One streaming endpoint of the emulation layer. */
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
  tls: { enabled: boolean; certPem: string; certPemFile: string; keyPem: string; keyPemFile: string };
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
  mqtt: MqttConfig;
}

export interface Config {
  /** Absolute path of the file the config came from; null when built from defaults/env only. */
  source: string | null;
  log: { level: LogLevel };
  /** `address` '' = every interface (the CLI may pick loopback when run without a file). */
  httpServer: { address: string; port: number };
  client: {
    proxy: { connect: SwitchedProxyConfig; refresh: SwitchedProxyConfig };
    token: TokenConfig;
    subscriptionToken: TokenConfig & { enabled: boolean };
    allowedOrigins: string[];
    allowAnonymousConnectWithoutToken: boolean;
    disallowAnonymousConnectionTokens: boolean;
    insecure: boolean;
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
    /** Max connections per user on this node; 0 = unlimited. */
    userConnectionLimit: number;
    /** Max connections on this node; 0 = unlimited. */
    connectionLimit: number;
    channelPositionCheckDelay: number;
    historyMaxPublicationLimit: number;
    recoveryMaxPublicationLimit: number;
    connectIncludeServerTime: boolean;
    presenceUpdateInterval: number;
    subscribeToUserPersonalChannel: {
      enabled: boolean;
      personalChannelNamespace: string;
    };
  };
  channel: {
    /** The proxies channel options name `default`. */
    proxy: { subscribe: ProxyConfig; publish: ProxyConfig; subRefresh: ProxyConfig };
    withoutNamespace: ChannelOptions;
    namespaces: NamespaceConfig[];
    historyMetaTtl: number;
    maxLength: number;
    privatePrefix: string;
    namespaceBoundary: string;
    userBoundary: string;
    userSeparator: string;
  };
  /** RPC methods (`ns:method`) and the backends that answer them. */
  rpc: { proxy: ProxyConfig; withoutNamespace: RpcOptions; namespaces: RpcNamespaceConfig[]; namespaceBoundary: string };
  /** Proxies referred to by name from channel and RPC options. */
  proxies: NamedProxyConfig[];
  httpApi: {
    key: string;
    jwks: ApiJwksConfig;
    handlerPrefix: string;
    insecure: boolean;
    errorMode: '' | 'transport';
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
    tls: { enabled: boolean; certPem: string; certPemFile: string; keyPem: string; keyPemFile: string };
  };
  websocket: {
    disabled: boolean;
    handlerPrefix: string;
    messageSizeLimit: number;
    writeTimeout: number;
  };
  /** Server-sent events with commands over `/emulation` (JSON only). */
  sse: StreamEndpointConfig;
  /** HTTP streaming (a long POST response) with commands over `/emulation`; JSON or protobuf. */
  httpStream: StreamEndpointConfig;
  /** The command endpoint of SSE and HTTP-streaming sessions; served when either is enabled. */
  emulation: { handlerPrefix: string; maxRequestBodySize: number };
  /** On by default in Parsec (Centrifugo's default is off). */
  health: { enabled: boolean; handlerPrefix: string };
  engine: { type: 'memory' | 'redis'; redis: RedisConfig };
  /**
   * A broker apart from the engine, as in Centrifugo: used only when `enabled`, and then it
   * carries PUB/SUB (and history, for brokers that keep it) while presence stays with the engine.
   */
  broker: { enabled: boolean; type: 'memory' | 'nats'; nats: NatsBrokerConfig };
  shutdown: { timeout: number };
  /** `name` '' = the host name, decided where the node starts. */
  node: { name: string };
  parsec: ParsecConfig;
}
