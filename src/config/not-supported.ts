/*
 * Centrifugo v6 keys Parsec recognises but does not implement yet. A Centrifugo config must
 * start Parsec as it is, so these get a "recognised but not supported yet" notice instead of
 * an "unknown key" warning. Sources: Centrifugo's internal/config/config.go and configtypes.
 */

/** Whole top-level sections. */
const TOP_LEVEL: ReadonlySet<string> = new Set([
  'unified_proxy',
  'graphite', 'tls', 'debug', 'webtransport',
  'controller', 'init', 'usage_stats', 'pid_file',
  'enable_unreleased_features',
]);

/**
 * Options of a Redis client (`engine.redis`, `broker.redis`, `presence_manager.redis`,
 * `map_broker.redis`) Parsec does not have. `tls.client_ca_pem` is the server side of
 * Centrifugo's one TLS struct, which a client has no use for.
 */
const REDIS_CLIENT_OPTIONS: ReadonlySet<string> = new Set([
  'client_name', 'force_resp2', 'replica_client', 'sentinel_client_name', 'sentinel_tls', 'tls.client_ca_pem',
]);

/** The Redis sections of the engine and its parts. */
const REDIS_SECTIONS = ['engine.redis', 'broker.redis', 'presence_manager.redis', 'map_broker.redis'];

/** Settings of the consumer types Parsec runs, after `consumers[i].` (`postgresql.tls.cert_pem`). */
const CONSUMER_OPTIONS: ReadonlySet<string> = new Set([
  ...[...REDIS_CLIENT_OPTIONS].map((k) => `redis_stream.${k}`),
  // The server side of Centrifugo's one TLS struct, as for Redis.
  ...['postgresql', 'nats_jetstream'].map((t) => `${t}.tls.client_ca_pem`),
]);

/** Keys inside sections Parsec does implement. */
const NESTED: ReadonlySet<string> = new Set([
  ...['host_whitelist', 'cache_dir', 'email', 'server_name', 'http', 'http_addr'].map((k) => `http_server.tls_autocert.${k}`),
  'http_server.http3', 'http_server.h2c_external',
  'http_server.external_http2_extended_connect',
  ...['token', 'subscription_token'].map((t) => `client.${t}.insecure_skip_jwks_endpoint_safety_check`),
  'channel.proxy.subscribe_stream',
  'map_broker.postgres',
  // Buffer tuning of Go's WebSocket library, which has no counterpart in ws.
  ...['websocket', 'uni_websocket'].flatMap((s) =>
    ['read_buffer_size', 'use_write_buffer_pool', 'write_buffer_size', 'decompressed_message_size_limit'].map((k) => `${s}.${k}`),
  ),
  // Parsec keeps history in its own stream layout, and presence in a hash with a sorted set of expiries.
  ...['engine.redis', 'broker.redis'].flatMap((s) => ['history_use_streams', 'history_use_lists'].map((k) => `${s}.${k}`)),
  ...['engine.redis', 'presence_manager.redis'].flatMap((s) => ['presence_hash_field_ttl', 'presence_user_mapping'].map((k) => `${s}.${k}`)),
  ...REDIS_SECTIONS.flatMap((s) => [...REDIS_CLIENT_OPTIONS].map((k) => `${s}.${k}`)),
  // Centrifugo's TLS settings are one struct for servers and clients: these are its client
  // side, which a listener has no use for.
  ...['server_ca_pem', 'insecure_skip_verify', 'server_name'].flatMap((k) => ['http_server.tls', 'http_server.internal_tls', 'grpc_api.tls', 'uni_grpc.tls'].map((s) => `${s}.${k}`)),
  'broker.postgres', 'broker.redisnats', 'broker.nats.tls.client_ca_pem',
  'node.info_metrics_aggregate_interval',
  // The UI is built in; there is one HTTP port.
  'admin.web_path', 'admin.web_proxy_address',
  'prometheus.native_histograms',
  // Google Cloud's credentials for its OTLP endpoint; a collector in between does the same.
  'opentelemetry.google_cloud_adc_auth',
]);

/** Channel options, in `channel.without_namespace` and in every namespace. */
const CHANNEL_OPTIONS: ReadonlySet<string> = new Set([
  'subscribe_stream_proxy_enabled', 'subscribe_stream_proxy_name', 'subscribe_stream_proxy_bidirectional',
  'auto_cache_recover',
]);

/**
 * Options of every proxy section (`client.proxy.connect`, `proxies[i]`…), after the section's
 * path: the server side of Centrifugo's TLS struct, which a client calling a backend has no use for.
 */
const PROXY_OPTIONS: ReadonlySet<string> = new Set(['http.tls.client_ca_pem', 'grpc.tls.client_ca_pem']);

/** Centrifugo PRO rate-limit keys of each command layer (`client.rate_limit.<layer>.<key>`) not built yet. */
const RATE_LIMIT_LAYERS: ReadonlySet<string> = new Set(['client_command', 'user_command', 'redis_user_command']);
const RATE_LIMIT_OPTIONS: ReadonlySet<string> = new Set([
  // The pre-v6.8 map form of `method_overrides`.
  'rpc.method_override',
  // A Redis of its own for the per-user buckets (Parsec uses the engine's).
  'redis',
]);

/** Whether `path` is a not-yet-built key of a rate-limit command layer. */
function isRateLimitNotice(path: ReadonlyArray<string | number>): boolean {
  const [first, second, layer] = path;
  if (first !== 'client' || second !== 'rate_limit' || typeof layer !== 'string' || !RATE_LIMIT_LAYERS.has(layer)) return false;
  const rest = path.slice(3).join('.');
  return RATE_LIMIT_OPTIONS.has(rest) && (rest !== 'redis' || layer === 'redis_user_command');
}

/** The settings sections of consumer types Parsec does not run (`consumers[i].kafka`…). */
const FOREIGN_CONSUMERS: ReadonlySet<string> = new Set(['kafka', 'aws_sqs', 'google_pub_sub', 'azure_service_bus']);

/** How many leading path parts name a proxy section, or 0 when the path is not inside one. */
function proxySectionLength(path: ReadonlyArray<string | number>): number {
  const [first, second] = path;
  if (first === 'proxies' && typeof second === 'number') return 2;
  if (first === 'rpc' && second === 'proxy') return 2;
  if ((first === 'client' || first === 'channel') && second === 'proxy' && path.length > 3) return 3;
  return 0;
}

/**
 * Whether a key the schema does not know is a recognised Centrifugo key. `path` holds keys
 * and array indices: `['channel', 'namespaces', 3, 'map']`.
 */
export function isNotSupportedYet(path: ReadonlyArray<string | number>): boolean {
  const [first, second] = path;
  const last = path[path.length - 1];
  if (typeof first !== 'string' || typeof last !== 'string') return false;
  if (path.length === 1) return TOP_LEVEL.has(first);
  if (first === 'consumers' && typeof second === 'number') return path.length === 3 ? FOREIGN_CONSUMERS.has(last) : CONSUMER_OPTIONS.has(path.slice(2).join('.'));
  const inChannelOptions =
    first === 'channel' &&
    ((second === 'without_namespace' && path.length === 3) || (second === 'namespaces' && typeof path[2] === 'number' && path.length === 4));
  if (inChannelOptions) return CHANNEL_OPTIONS.has(last);
  if (isRateLimitNotice(path)) return true;
  const proxy = proxySectionLength(path);
  if (proxy > 0 && PROXY_OPTIONS.has(path.slice(proxy).join('.'))) return true;
  return NESTED.has(path.join('.'));
}

/**
 * The recognised key an environment variable name (prefix removed, e.g. `GRAPHITE_ENABLED`)
 * falls under, as a dotted path, or undefined.
 */
export function envNotSupportedYet(name: string): string | undefined {
  const under = (key: string): boolean => {
    const env = key.replaceAll('.', '_').toUpperCase();
    return name === env || name.startsWith(`${env}_`);
  };
  if (name.startsWith('UNI_')) return name.toLowerCase();
  return (
    [...TOP_LEVEL].find(under) ??
    [...NESTED].find(under) ??
    [...CHANNEL_OPTIONS].map((k) => `channel.without_namespace.${k}`).find(under)
  );
}
