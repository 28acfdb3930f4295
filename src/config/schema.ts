import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * The config file schema: Centrifugo v6 keys (snake_case) with their defaults.
 * Every key here is mapped to its camelCase twin in `Config` (see load.ts), so the
 * names below are the file format users write.
 */

const bool = (d = false) => z.boolean().default(d);
const int = (d: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max).default(d);
const str = (d = '') => z.string().default(d);
const strList = () => z.array(z.string()).default([]);

/** A duration: "25s", "1m30s", "720h", or a number of seconds. Becomes milliseconds. */
const duration = (d: string) =>
  z
    .union([z.string(), z.number()])
    .default(d)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like "25s", "1m30s" or "720h", got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return ms;
    });

const regex = () =>
  z
    .string()
    .default('')
    .refine(
      (v) => {
        try {
          new RegExp(v);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'expected a valid regular expression' },
    );

const token = () => ({
  hmac_secret_key: str(),
  rsa_public_key: str(),
  ecdsa_public_key: str(),
  ed25519_public_key: str(),
  jwks_public_endpoint: str(),
  audience: str(),
  audience_regex: regex(),
  issuer: str(),
  issuer_regex: regex(),
  user_id_claim: str(),
});

export const channelOptionsShape = {
  presence: bool(),
  join_leave: bool(),
  force_push_join_leave: bool(),
  history_size: int(0),
  history_ttl: duration('0'),
  history_meta_ttl: duration('0'),
  force_recovery: bool(),
  allow_recovery: bool(),
  force_recovery_mode: z.enum(['', 'stream', 'cache']).default(''),
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
  allowed_delta_types: z.array(z.enum(['fossil'])).default([]),
  delta_publish: bool(),
  allow_tags_filter: bool(),
  publication_data_format: z.enum(['', 'json', 'binary']).default(''),
  subscribe_proxy_enabled: bool(),
  publish_proxy_enabled: bool(),
  sub_refresh_proxy_enabled: bool(),
};

const section = <T extends z.ZodRawShape>(shape: T) => z.object(shape).prefault({} as never);

export const fileSchema = z.object({
  log: section({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'none']).default('info') }),
  http_server: section({ address: str(), port: int(8000, 0, 65535) }),
  client: section({
    token: section(token()),
    subscription_token: section({ enabled: bool(), ...token() }),
    allowed_origins: strList(),
    allow_anonymous_connect_without_token: bool(),
    disallow_anonymous_connection_tokens: bool(),
    insecure: bool(),
    ping_interval: duration('25s'),
    pong_timeout: duration('8s'),
    expired_close_delay: duration('25s'),
    expired_sub_close_delay: duration('25s'),
    stale_close_delay: duration('10s'),
    channel_limit: int(128),
    queue_max_size: int(1_048_576, 1),
    user_connection_limit: int(0),
    connection_limit: int(0),
    channel_position_check_delay: duration('40s'),
    history_max_publication_limit: int(300),
    recovery_max_publication_limit: int(300),
    connect_include_server_time: bool(),
    presence_update_interval: duration('27s'),
    subscribe_to_user_personal_channel: section({ enabled: bool(), personal_channel_namespace: str() }),
  }),
  channel: section({
    without_namespace: section(channelOptionsShape),
    namespaces: z.array(z.object({ name: z.string({ error: 'every namespace needs a "name"' }), ...channelOptionsShape })).default([]),
    history_meta_ttl: duration('720h'),
    max_length: int(255, 1),
    private_prefix: str('$'),
    namespace_boundary: str(':'),
    user_boundary: str('#'),
    user_separator: str(','),
  }),
  http_api: section({
    key: str(),
    handler_prefix: str('/api'),
    insecure: bool(),
    error_mode: z.enum(['', 'transport']).default(''),
    max_request_body_size: int(1_048_576, 1),
  }),
  websocket: section({
    disabled: bool(),
    handler_prefix: str('/connection/websocket'),
    message_size_limit: int(65_536, 1),
    write_timeout: duration('1s'),
  }),
  // Parsec serves /health by default (Centrifugo needs health.enabled): balancers expect it.
  health: section({ enabled: bool(true), handler_prefix: str('/health') }),
  engine: section({ type: z.enum(['memory', 'redis']).default('memory') }),
  shutdown: section({ timeout: duration('30s') }),
  node: section({ name: str() }),
});

export type FileConfig = z.infer<typeof fileSchema>;

/**
 * Centrifugo sections and keys Parsec recognises but does not implement yet: accepted
 * with one notice each instead of an "unknown key" warning.
 */
export const notYetSupported = {
  topLevel: [
    'map_broker', 'shared_poll', 'proxies', 'rpc', 'grpc_api', 'admin', 'prometheus', 'sse', 'http_stream',
    'emulation', 'unified_proxy', 'consumers', 'opentelemetry', 'graphite', 'tls', 'debug', 'webtransport',
    'uni_websocket', 'uni_sse', 'uni_http_stream', 'uni_grpc', 'redis', 'nats', 'broker', 'presence_manager',
    'swagger', 'usage_stats', 'tls_autocert', 'parsec',
  ],
  client: ['concurrency', 'proxy', 'connect_code_to_unidirectional_disconnect', 'rate_limit'],
  channel: ['proxy'],
  namespace: [
    'subscription_type', 'map', 'shared_poll', 'map_clients_presence_channel_prefix', 'client_publish_debounce_interval',
    'subscribe_proxy_name', 'publish_proxy_name', 'sub_refresh_proxy_name',
  ],
} as const;

/** Centrifugo v5 flat keys and their v6 homes, for a helpful warning. */
export const v5Keys: Record<string, string> = {
  token_hmac_secret_key: 'client.token.hmac_secret_key',
  token_rsa_public_key: 'client.token.rsa_public_key',
  token_ecdsa_public_key: 'client.token.ecdsa_public_key',
  token_jwks_public_endpoint: 'client.token.jwks_public_endpoint',
  api_key: 'http_api.key',
  api_insecure: 'http_api.insecure',
  port: 'http_server.port',
  address: 'http_server.address',
  namespaces: 'channel.namespaces',
  allowed_origins: 'client.allowed_origins',
  client_insecure: 'client.insecure',
  log_level: 'log.level',
  engine: 'engine.type',
  ping_interval: 'client.ping_interval',
  pong_timeout: 'client.pong_timeout',
  presence: 'channel.without_namespace.presence',
  history_size: 'channel.without_namespace.history_size',
  history_ttl: 'channel.without_namespace.history_ttl',
  allow_anonymous_connect_without_token: 'client.allow_anonymous_connect_without_token',
};
