import { z } from 'zod';
import { camelKeys } from './camel.js';
import { rateLimitSchema } from './rate-limit.js';
import { bool, duration, durationOrNegative, durationOrOff, int, nonEmptyStr, oneOf, regex, section, str, strList, strMap, unixSeconds } from './fields.js';
import { mapChannelOptionsShape, sharedPollSchema } from './map-schema.js';
import { consumersSchema } from './consumers-schema.js';
import { clientTlsSchema } from './client-tls-schema.js';

/*
 * The config file format: Centrifugo v6 keys (snake_case) with Centrifugo's defaults unless
 * noted, one schema per section, each renaming its keys to the camelCase `Config` fields.
 * Checks that span keys live in rules.ts.
 */

const logSchema = z
  // `file`: append the log there instead of writing it to stdout.
  .object({ level: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'none'], 'info'), file: str() })
  .prefault({})
  // Centrifugo says "none" where pino says "silent".
  .transform((o) => ({ level: o.level === 'none' ? ('silent' as const) : o.level, file: o.file }));

/** A port Centrifugo writes as a string ("9000"); '' or absent = none. */
const optionalPort = () =>
  z
    .union([z.int().min(0).max(65_535), z.string().regex(/^\d{0,5}$/, 'expected a port number')])
    .transform((v, ctx) => {
      if (v === '') return null;
      const n = Number(v);
      if (n <= 65_535) return n;
      ctx.addIssue({ code: 'custom', message: 'expected at most 65535', input: v });
      return z.NEVER;
    })
    .nullable()
    .default(null);

const httpServerSchema = section({
  // "" = every interface, as in Centrifugo; the CLI may choose otherwise when no file is given.
  address: str(),
  port: int(8000, 0, 65535),
  // Each PEM as its text, a file path or base64, as Centrifugo takes them.
  tls: section({ enabled: bool(), cert_pem: str(), key_pem: str(), client_ca_pem: str() }),
  // With an internal port: TLS on the public port only.
  tls_external: bool(),
  // With an internal port: TLS of its own there (else the public port's, unless tls_external).
  internal_tls: section({ enabled: bool(), cert_pem: str(), key_pem: str(), client_ca_pem: str() }),
  // Known so that turning it on stops the start (rules.ts) instead of serving plain HTTP.
  tls_autocert: section({ enabled: bool() }),
  // The server API and health listen here, apart from the client endpoints, when a port is set.
  internal_address: str(),
  internal_port: optionalPort(),
});

const tokenShape = {
  hmac_secret_key: str(),
  // Key rotation: tokens signed with the previous secret verify too, until valid_until
  // (Unix seconds; 0 = no end), as in Centrifugo.
  hmac_previous_secret_key: str(),
  hmac_previous_secret_key_valid_until: unixSeconds(),
  rsa_public_key: str(),
  ecdsa_public_key: str(),
  // Not a Centrifugo key: Parsec also verifies EdDSA tokens.
  ed25519_public_key: str(),
  jwks_public_endpoint: str(),
  audience: str(),
  audience_regex: regex(),
  issuer: str(),
  issuer_regex: regex(),
  user_id_claim: str(),
  // Not a Centrifugo key: claims copied into the connection info when the token has no
  // `info` claim, so an IdP's own tokens (email, role…) show up in presence and join/leave.
  info_claims: strList(),
  // Not a Centrifugo key: trust a private CA for the JWKS endpoint.
  jwks_tls: section({ enabled: bool(), server_ca_pem: str(), server_ca_pem_file: str() }),
};

// An empty user_id_claim means the standard `sub` claim; resolved here so readers never check.
const withUserIdClaim = <T extends { userIdClaim: string }>(t: T): T => ({ ...t, userIdClaim: t.userIdClaim || 'sub' });

const tokenSchema = section(tokenShape).transform(withUserIdClaim);

const subscriptionTokenSchema = section({ enabled: bool(), ...tokenShape }).transform(withUserIdClaim);

/**
 * The client side of Centrifugo's TLS block, for calls to a backend: a client certificate,
 * the CA the backend's certificate must chain to, the name it must carry. Each PEM as its
 * text, a file path or base64, as Centrifugo takes them. `client_ca_pem` (the server side of
 * the same struct) is recognised by not-supported.ts.
 */
const proxyTlsSchema = () =>
  section({ enabled: bool(), cert_pem: str(), key_pem: str(), server_ca_pem: str(), server_name: str(), insecure_skip_verify: bool() });

/** A backend's HTTP status turned into a protocol error or disconnect; rules.ts checks that exactly one code is set. */
const statusTransformSchema = z
  .object({
    status_code: int(0, 0, 599),
    to_error: section({ code: int(0, 0, 4_294_967_295), message: str(), temporary: bool() }),
    to_disconnect: section({ code: int(0, 0, 4_294_967_295), reason: str() }),
  })
  .transform((o) => camelKeys(o));

/**
 * One proxy to an application backend (Centrifugo's `Proxy`): used by `client.proxy.*`,
 * `channel.proxy.*`, `rpc.proxy` and every `proxies[]` entry. The endpoint's scheme picks
 * the transport (`http(s)://` or `grpc://`); rules.ts checks it where the proxy is used.
 */
const proxyShape = {
  endpoint: str(),
  timeout: duration('1s'),
  http_headers: strList(),
  grpc_metadata: strList(),
  emulated_headers: strList(),
  binary_encoding: bool(),
  include_connection_meta: bool(),
  // Not a Centrifugo key: calls in flight to this backend at once; more wait (within `timeout`).
  max_in_flight: int(256, 1),
  http: section({ static_headers: strMap(), tls: proxyTlsSchema(), status_to_code_transforms: z.array(statusTransformSchema).default(() => []) }),
  grpc: section({ credentials_key: str(), credentials_value: str(), static_metadata: strMap(), tls: proxyTlsSchema(), compression: bool() }),
};

const proxySchema = section(proxyShape);

const switchedProxySchema = section({ enabled: bool(), ...proxyShape });

/** Centrifugo's meaning: 0 = the default (16), -1 = no limit; Parsec's "no limit" is 0. */
const maxMessagesInFrame = () =>
  z
    .int()
    .min(-1)
    .max(1_000_000)
    .default(16)
    .transform((n) => (n === 0 ? 16 : n === -1 ? 0 : n));

const clientSchema = section({
  proxy: section({ connect: switchedProxySchema, refresh: switchedProxySchema }),
  token: tokenSchema,
  subscription_token: subscriptionTokenSchema,
  allowed_origins: strList(),
  allow_anonymous_connect_without_token: bool(),
  disallow_anonymous_connection_tokens: bool(),
  insecure: bool(),
  // Tokens pass whatever their signature; claims are still checked. Testing only.
  insecure_skip_token_signature_verify: bool(),
  // The header a trusted reverse proxy puts the authenticated user id in; '' = none.
  user_id_http_header: str(),
  ping_interval: durationOrOff('25s'),
  pong_timeout: durationOrOff('8s'),
  expired_close_delay: duration('25s'),
  expired_sub_close_delay: duration('25s'),
  stale_close_delay: duration('10s'),
  channel_limit: int(128),
  queue_max_size: int(1_048_576, 1),
  // Write batching (Centrifugo PRO's keys): pushes wait up to write_delay and leave as one frame.
  write_delay: duration('0'),
  max_messages_in_frame: maxMessagesInFrame(),
  reply_without_queue: bool(),
  user_connection_limit: int(0),
  connection_limit: int(0),
  // Commands of one connection that may wait at once (RPC, subscribes… through proxies); 0 or 1 = one at a time.
  concurrency: int(0, 0),
  // New connections per second this node takes (HTTP 503 past it); 0 = no limit.
  connection_rate_limit: int(0, 0),
  channel_position_check_delay: duration('40s'),
  // Positioned subscribers of a publication delivered later than this after it was published resync; 0 = no limit.
  channel_position_max_time_lag: duration('0'),
  history_max_publication_limit: int(300),
  recovery_max_publication_limit: int(300),
  connect_include_server_time: bool(),
  presence_update_interval: duration('27s'),
  // single_connection: a user's new connection ends their others (presence of the personal channel tells).
  subscribe_to_user_personal_channel: section({ enabled: bool(), personal_channel_namespace: str(), single_connection: bool() }),
  rate_limit: rateLimitSchema,
  // Connect error codes → disconnects for unidirectional clients, which read no error replies.
  connect_code_to_unidirectional_disconnect: section({
    enabled: bool(),
    transforms: z
      .array(z.object({ code: int(0), to: section({ code: int(0), reason: str() }) }).transform((o) => camelKeys(o)))
      .default(() => []),
  }),
});

/** Options shared by `channel.without_namespace` and every `channel.namespaces[]` entry. */
const channelOptionsShape = {
  presence: bool(),
  join_leave: bool(),
  force_push_join_leave: bool(),
  history_size: int(0),
  history_ttl: duration('0'),
  history_meta_ttl: duration('0'),
  force_recovery: bool(),
  allow_recovery: bool(),
  force_recovery_mode: oneOf(['', 'stream', 'cache'], ''),
  force_positioning: bool(),
  allow_positioning: bool(),
  allow_subscribe_for_client: bool(),
  allow_subscribe_for_anonymous: bool(),
  allow_publish_for_client: bool(),
  allow_publish_for_subscriber: bool(),
  allow_publish_for_anonymous: bool(),
  allow_presence_for_client: bool(),
  allow_presence_for_subscriber: bool(),
  allow_presence_for_anonymous: bool(),
  allow_history_for_client: bool(),
  allow_history_for_subscriber: bool(),
  allow_history_for_anonymous: bool(),
  allow_user_limited_channels: bool(),
  channel_regex: regex(),
  allowed_delta_types: z.array(z.enum(['fossil'])).default(() => []),
  delta_publish: bool(),
  allow_tags_filter: bool(),
  publication_data_format: oneOf(['', 'json', 'json_object', 'binary'], ''),
  subscribe_proxy_enabled: bool(),
  publish_proxy_enabled: bool(),
  sub_refresh_proxy_enabled: bool(),
  // "default" means the matching `channel.proxy.*` section; anything else names a `proxies[]` entry.
  subscribe_proxy_name: str('default'),
  publish_proxy_name: str('default'),
  sub_refresh_proxy_name: str('default'),
  ...mapChannelOptionsShape,
};

/** Centrifugo's rule for namespace names. */
const NAMESPACE_NAME = /^[-a-zA-Z0-9_.]{2,}$/;

// A custom check rather than z.string().regex() so that a missing name gets its own message.
const namespaceName = z.unknown().transform((v, ctx): string => {
  if (typeof v === 'string' && NAMESPACE_NAME.test(v)) return v;
  const message = v === undefined ? 'every namespace needs a "name"' : 'expected a name of 2 or more letters, digits, "-", "_" or "."';
  ctx.addIssue({ code: 'custom', message, input: v });
  return z.NEVER;
});

const namespaceSchema = z.object({ name: namespaceName, ...channelOptionsShape }).transform((o) => camelKeys(o));

const channelSchema = section({
  proxy: section({
    subscribe: proxySchema,
    publish: proxySchema,
    sub_refresh: proxySchema,
    map_publish: proxySchema,
    map_remove: proxySchema,
    shared_poll_refresh: proxySchema,
  }),
  without_namespace: section(channelOptionsShape),
  namespaces: z.array(namespaceSchema).default(() => []),
  history_meta_ttl: duration('720h'),
  max_length: int(255, 1),
  private_prefix: str('$'),
  namespace_boundary: nonEmptyStr(':'),
  user_boundary: nonEmptyStr('#'),
  user_separator: nonEmptyStr(','),
  // The format of namespaces that set none (Centrifugo v6).
  publication_data_format: oneOf(['', 'json', 'json_object', 'binary'], ''),
});

/** RPC options of `rpc.without_namespace` and of every `rpc.namespaces[]` entry. */
const rpcOptionsShape = { proxy_enabled: bool(), proxy_name: str('default') };

const rpcSchema = section({
  proxy: proxySchema,
  without_namespace: section(rpcOptionsShape),
  namespaces: z.array(z.object({ name: namespaceName, ...rpcOptionsShape }).transform((o) => camelKeys(o))).default(() => []),
  namespace_boundary: nonEmptyStr(':'),
  // A built-in RPC method answering at once with an empty result, for clients checking the round trip.
  ping: section({ enabled: bool(), method: nonEmptyStr('ping') }),
});

// Every named proxy needs a name; rules.ts checks that names are unique and references resolve.
const namedProxySchema = z.object({ name: z.string().min(1), ...proxyShape }).transform((o) => camelKeys(o));

/** Bearer-token auth of the server API against an IdP's JWKS (`http_api.jwks`, `grpc_api.jwks`). */
const apiJwksSchema = section({
  enabled: bool(),
  endpoint: str(),
  audience: str(),
  issuer: str(),
  scope: str(),
  tls: section({
    enabled: bool(),
    // Extra CA certificates to trust for the JWKS endpoint (a private IdP's CA).
    server_ca_pem: str(),
    server_ca_pem_file: str(),
  }),
});

const httpApiSchema = section({
  // No server API over HTTP (gRPC, consumers and the admin UI still reach it).
  disabled: bool(),
  key: str(),
  jwks: apiJwksSchema,
  handler_prefix: str('/api'),
  insecure: bool(),
  error_mode: oneOf(['', 'transport'], ''),
  // With http_server.internal_port: serve the API on the public port instead.
  external: bool(),
  // Not a Centrifugo key: Parsec bounds API request bodies.
  max_request_body_size: int(1_048_576, 1),
});

/** A server certificate and key, each as PEM text or a file (`grpc_api.tls`, `uni_grpc.tls`). */
const tlsSchema = () => section({ enabled: bool(), cert_pem: str(), cert_pem_file: str(), key_pem: str(), key_pem_file: str(), client_ca_pem: str() });

const grpcApiSchema = section({
  enabled: bool(),
  address: str(),
  port: int(10_000, 0, 65_535),
  key: str(),
  insecure: bool(),
  error_mode: oneOf(['', 'transport'], ''),
  // Not a Centrifugo key: the largest request message accepted, bytes.
  max_receive_message_size: int(1_048_576, 1),
  jwks: apiJwksSchema,
  tls: tlsSchema(),
  // gRPC server reflection (grpc.reflection.v1 and v1alpha), for tools such as grpcurl.
  reflection: bool(),
});

/** permessage-deflate, negotiated with clients that offer it; zlib's levels (-1 = zlib's default). */
const compressionShape = {
  compression: bool(),
  compression_min_size: int(0),
  compression_level: int(1, -1, 9),
};

// Centrifugo reads 0 as its 1s default rather than "no limit".
const writeTimeout = () => duration('1s').transform((ms) => (ms === 0 ? 1000 : ms));

const websocketSchema = section({
  disabled: bool(),
  handler_prefix: str('/connection/websocket'),
  message_size_limit: int(65_536, 1),
  write_timeout: writeTimeout(),
  ...compressionShape,
});

/** Connect error codes → HTTP status and body, for unidirectional HTTP streams that answer a refused connect so. */
const connectCodeToHttpResponseSchema = section({
  enabled: bool(),
  transforms: z
    .array(z.object({ code: int(0), to: section({ status_code: int(0, 0, 599), body: str() }) }).transform((o) => camelKeys(o)))
    .default(() => []),
});

const uniWebsocketSchema = section({
  enabled: bool(),
  handler_prefix: str('/connection/uni_websocket'),
  message_size_limit: int(65_536, 1),
  write_timeout: writeTimeout(),
  join_push_messages: bool(),
  disable_disconnect_push: bool(),
  disable_closing_handshake: bool(),
  ...compressionShape,
});

/** `uni_sse` and `uni_http_stream`: a connect request in, pushes out. */
const uniStreamSchema = (prefix: string) =>
  section({
    enabled: bool(),
    handler_prefix: str(prefix),
    max_request_body_size: int(65_536, 1),
    connect_code_to_http_response: connectCodeToHttpResponseSchema,
  });

const uniGrpcSchema = section({
  enabled: bool(),
  address: str(),
  port: int(11_000, 0, 65_535),
  // Centrifugo leaves 0 to gRPC's default (4 MiB); the only message received is the connect request.
  max_receive_message_size: int(0),
  tls: tlsSchema(),
});

/** A streaming endpoint of the emulation layer (`sse`, `http_stream`); off unless enabled. */
const streamSchema = (prefix: string) =>
  section({
    enabled: bool(),
    handler_prefix: str(prefix),
    // The connect command may arrive as a POST body; this bounds it (Centrifugo's default).
    max_request_body_size: int(65_536, 1),
  });

/** `/emulation`: where SSE and HTTP-streaming clients POST their commands. */
const emulationSchema = section({
  handler_prefix: str('/emulation'),
  max_request_body_size: int(65_536, 1),
});

const healthSchema = section({
  // Centrifugo's default is false; Parsec serves /health unless told not to, because load
  // balancers and orchestrators probe it before anyone thinks of enabling it.
  enabled: bool(true),
  handler_prefix: str('/health'),
});

/**
 * The admin web UI (Centrifugo's `admin`): served on the HTTP server under `handler_prefix`
 * ("" = the root, as in Centrifugo), on the internal port when there is one unless `external`. `jwks` and `session_ttl` are Parsec keys: operators may log
 * in with an IdP access token instead of the shared password, and sessions end.
 */
const adminSchema = section({
  enabled: bool(),
  handler_prefix: str(''),
  external: bool(),
  password: str(),
  secret: str(),
  insecure: bool(),
  jwks: apiJwksSchema,
  session_ttl: duration('12h'),
});

/** The server HTTP API's OpenAPI document and Swagger UI, on the internal port like `prometheus` (as Centrifugo). */
const swaggerSchema = section({ enabled: bool(), handler_prefix: str('/swagger') });

// `native_histograms` is recognised but not supported (not-supported.ts): prom-client has no
// native (sparse) histograms, and the text format would drop their buckets anyway.
const prometheusSchema = section({
  enabled: bool(),
  handler_prefix: str('/metrics'),
  instrument_http_handlers: bool(),
  recovered_publications_histogram: bool(),
});

/** Tracing exported over OTLP/HTTP; where to is told by the standard OTEL_* variables. */
const openTelemetrySchema = section({ enabled: bool(), api: bool(), consuming: bool() });

/** One or several addresses: Centrifugo takes a string or a list. */
const addressList = (d: string[]) => z.union([z.string().transform((s) => [s]), z.array(z.string())]).default(d);

/** How to reach a Redis: the connection keys every Redis section of Centrifugo shares. */
const redisShape = {
  // Several addresses shard channels across independent Redis servers.
  address: addressList(['redis://127.0.0.1:6379']),
  cluster_address: addressList([]),
  sentinel_address: addressList([]),
  sentinel_master_name: str(),
  sentinel_user: str(),
  sentinel_password: str(),
  prefix: str('centrifugo'),
  db: int(0, 0, 1000),
  user: str(),
  password: str(),
  connect_timeout: duration('1s'),
  io_timeout: duration('4s'),
  tls: clientTlsSchema,
};

const presenceTtl = { presence_ttl: duration('60s') };
// Parsec: on a Redis Cluster of Redis 7 or newer, channels use sharded PUB/SUB.
const shardedPubSub = { cluster_sharded_pub_sub: bool(true) };

const engineSchema = section({
  type: oneOf(['memory', 'redis'], 'memory'),
  redis: section({ ...redisShape, ...presenceTtl, ...shardedPubSub }),
});

// Centrifugo's `broker` section: PUB/SUB and history apart from the engine. Parsec runs memory,
// Redis (the Redis engine's broker) and NATS (at most once, no history); `redisnats` and
// `postgres` are known so an enabled one stops the start (redis-rules.ts). Its `postgres` and
// `nats.tls.client_ca_pem` (a server's setting) are recognised but not supported yet.
const brokerSchema = section({
  enabled: bool(),
  type: oneOf(['memory', 'redis', 'nats', 'redisnats', 'postgres'], 'memory'),
  redis: section({ ...redisShape, ...shardedPubSub }),
  nats: section({
    url: str('nats://localhost:4222'),
    prefix: str('centrifugo'),
    dial_timeout: duration('1s'),
    write_timeout: duration('1s'),
    // Each PEM as text, a file path or base64 of the text, as Centrifugo takes them.
    tls: section({ enabled: bool(), cert_pem: str(), key_pem: str(), server_ca_pem: str(), insecure_skip_verify: bool(), server_name: str() }),
    allow_wildcards: bool(),
    raw_mode: section({ enabled: bool(), channel_replacements: strMap(), prefix: str() }),
  }),
});

/** Centrifugo's `presence_manager`: presence apart from the engine (join/leave stay with the broker). */
const presenceManagerSchema = section({
  enabled: bool(),
  type: oneOf(['memory', 'redis'], 'memory'),
  redis: section({ ...redisShape, ...presenceTtl }),
});

/**
 * Where map channels keep their state and stream, apart from `engine` as in Centrifugo.
 * `postgres` is recognised so the message can say it is not supported (map-rules.ts). No
 * server and no prefix given = unset: map-broker.ts then picks the engine's Redis or Centrifugo's default.
 */
const mapBrokerSchema = section({
  type: oneOf(['memory', 'redis', 'postgres'], 'memory'),
  redis: section({
    ...redisShape,
    address: addressList([]),
    prefix: str(),
    // How often expired keys are looked for and their removals published; negative = never.
    cleanup_interval: durationOrNegative('1s'),
    cleanup_batch_size: int(100, 1),
    idempotent_result_ttl: duration('5m'),
    skip_pub_sub: bool(),
  }),
});

const shutdownSchema = section({ timeout: duration('30s') });

// `name` is a Centrifugo key; empty means the host name, decided where the node starts.
const nodeSchema = section({ name: str() });

/** Map from a name (role, service, user) to a list of strings: patterns, roles or users. */
const listMap = () => z.record(z.string(), z.array(z.string())).default(() => ({}));

/** Who calls the token broker: users by IdP token (JWKS), services by static key, or the deployment's own auth service. */
const brokerAuthenticatorSchema = section({
  type: oneOf(['jwks', 'api_keys', 'hook'], 'jwks'),
  endpoint: str(),
  issuer: str(),
  audience: str(),
  user_id_claim: str('sub'),
  // Service id → key. Checked before `type`, so backends that delegate can sit next to IdP users.
  api_keys: z.record(z.string(), z.string()).default(() => ({})),
  hook_url: str(),
  hook_timeout: duration('3s'),
  tls: section({ enabled: bool(), server_ca_pem: str(), server_ca_pem_file: str() }),
});

/** Which channels a caller may have. */
const brokerAuthorizerSchema = section({
  type: oneOf(['allow_all', 'roles', 'hook'], 'roles'),
  // Dotted path into the caller's token claims, e.g. Keycloak's `realm_access.roles`.
  roles_claim: str('roles'),
  // User id → roles, for callers whose token carries none (and for delegated issuance).
  user_roles: listMap(),
  // Role → channel patterns with `*` and `{user}`.
  roles: listMap(),
  hook_url: str(),
  hook_timeout: duration('3s'),
});

const tokenBrokerSchema = section({
  enabled: bool(),
  prefix: str('/parsec'),
  default_ttl: duration('1h'),
  max_ttl: duration('24h'),
  // HS256 secret for issued tokens; empty = client.token.hmac_secret_key.
  signing_key: str(),
  // PEM private key (RSA, EC or Ed25519) instead of an HMAC secret, for servers that verify with public keys.
  signing_private_key: str(),
  signing_private_key_file: str(),
  authenticator: brokerAuthenticatorSchema,
  authorizer: brokerAuthorizerSchema,
  // Service id → user-id patterns it may act for.
  delegation: section({ services: listMap() }),
  revocations: section({ store: oneOf(['memory', 'redis'], 'memory'), max_ttl: duration('24h'), prune_interval: duration('1m') }),
  // Bulk device/MQTT credentials: their lifetime (0 = no exp) and default topic ACL.
  credentials: section({ expiration: duration('0'), topic_acl: str('#') }),
  // Per caller, on the token endpoints; 0 requests = no limit.
  rate_limit: section({ requests: int(0), interval: duration('1s'), burst: int(0) }),
  max_request_body_size: int(65_536, 1),
});

const auditSchema = section({
  postgres_dsn: str(),
  postgres_table: str('parsec_token_audit'),
  // Recent records kept in memory for GET /parsec/audit when no database is configured.
  memory_size: int(10_000, 0),
});

/**
 * Bounds on reading a request. Centrifugo fixes them in code (Go's ReadHeaderTimeout 10s,
 * ReadTimeout 30s); Parsec keeps its values as defaults and lets them be changed.
 */
const parsecHttpServerSchema = section({
  // Headers must be complete within this: a half-sent request (slowloris, a stuck upgrade) is closed.
  read_header_timeout: duration('10s'),
  // The whole request, body included; 0 = no bound. Responses (streams) and upgraded sockets are not counted.
  read_timeout: duration('30s'),
});

/** Where blocks, block history and rate-limit overrides are kept (PostgreSQL; else Redis with a Redis engine; else memory). */
const storeSchema = section({ postgres_dsn: str() });

/** Sessions and per-channel traffic, recorded off the hot path into the store (a bounded window in memory without PostgreSQL). */
const activitySchema = section({ enabled: bool(true), retention: duration('168h') });
/** The MQTT front door: MQTT 3.1.1 and 5 clients on the same channels as WebSocket ones. */
const mqttSchema = section({
  enabled: bool(),
  // '' = http_server.address.
  address: str(),
  port: int(1883, 0, 65_535),
  // Topic `a/b` is channel `<namespace>:a/b`; the namespace must be declared in channel.namespaces.
  namespace: str('mqtt'),
  // Largest packet accepted and sent, bytes (the CONNACK tells MQTT 5 clients).
  max_packet_size: int(1_048_576, 64, 268_435_455),
  // Time a new connection has to send CONNECT.
  connect_timeout: duration('10s'),
  // Inbound packets per second and client (burst allowed up to one second's worth); 0 = no limit.
  rate_limit: int(0, 0),
  // Upper bound on a persistent session's expiry (MQTT 5 session expiry interval; 3.1.1 clean_session=false).
  max_session_expiry: duration('24h'),
  // QoS 1 messages kept per offline persistent session; the oldest go first.
  max_queued_messages: int(1000, 0),
  // ACL violations (denied PUBLISH or SUBSCRIBE) after which a client is disconnected; 0 = never.
  max_acl_violations: int(0, 0),
  websocket: section({ enabled: bool(), path: str('/mqtt') }),
  tls: tlsSchema(),
});

/** Parsec's own settings, which Centrifugo has no key for. */
const parsecSchema = section({
  // Peers (addresses or CIDR ranges) whose X-Forwarded-For names the client's address.
  trusted_proxies: strList(),
  // Answer a subscribe asking for channel compaction (SDK flag bit 1) with a numeric channel
  // id that pushes then carry instead of the name. Centrifugo never does; see the README.
  channel_compaction: bool(true),
  http_server: parsecHttpServerSchema,
  token_broker: tokenBrokerSchema,
  audit: auditSchema,
  store: storeSchema,
  activity: activitySchema,
  mqtt: mqttSchema,
  // Spans for calls to application backends, beside Centrifugo's `opentelemetry.api` and `consuming`.
  opentelemetry: section({ proxy: bool() }),
});

/** The whole file. Keys not listed here are stripped (and reported by unknown-keys.ts). */
export const configSchema = z
  .object({
    log: logSchema,
    http_server: httpServerSchema,
    client: clientSchema,
    channel: channelSchema,
    rpc: rpcSchema,
    proxies: z.array(namedProxySchema).default(() => []),
    http_api: httpApiSchema,
    grpc_api: grpcApiSchema,
    websocket: websocketSchema,
    sse: streamSchema('/connection/sse'),
    http_stream: streamSchema('/connection/http_stream'),
    emulation: emulationSchema,
    uni_websocket: uniWebsocketSchema,
    uni_sse: uniStreamSchema('/connection/uni_sse'),
    uni_http_stream: uniStreamSchema('/connection/uni_http_stream'),
    uni_grpc: uniGrpcSchema,
    health: healthSchema,
    admin: adminSchema,
    prometheus: prometheusSchema,
    opentelemetry: openTelemetrySchema,
    swagger: swaggerSchema,
    engine: engineSchema,
    broker: brokerSchema,
    presence_manager: presenceManagerSchema,
    map_broker: mapBrokerSchema,
    shared_poll: sharedPollSchema,
    shutdown: shutdownSchema,
    node: nodeSchema,
    consumers: consumersSchema,
    parsec: parsecSchema,
  })
  .transform((o) => camelKeys(o));

/** The validated config in its camelCase form, before `source` is added. */
export type ParsedConfig = z.output<typeof configSchema>;
