import { z } from 'zod';
import { bool, duration, durationOrNegative, int, oneOf, section, str, unixSeconds } from './fields.js';

/*
 * Channel options of map and shared-poll namespaces (Centrifugo v6.8+ `subscription_type`,
 * `map`, `shared_poll`). Values are kept as written: 0 means "the default", which
 * map-options.ts resolves, because rules.ts must tell an unset key from a set one
 * (`stream_size` must stay unset in ephemeral mode). Checks across keys are in map-rules.ts.
 */

export const SUBSCRIPTION_TYPES = ['stream', 'map', 'map_clients', 'map_users', 'shared_poll'] as const;

/** `""` is Centrifugo's way of saying `stream`; resolved here so readers see one name. */
export const subscriptionType = () =>
  z
    .enum(['', ...SUBSCRIPTION_TYPES])
    .default('stream')
    .transform((v) => (v === '' ? 'stream' : v));

export const mapOptionsSchema = section({
  // Required for the map types: ephemeral (no stream, keys expire), recoverable (stream and
  // key TTL) or persistent (stream, no key TTL).
  mode: oneOf(['', 'ephemeral', 'recoverable', 'persistent'], ''),
  key_ttl: duration('0'),
  stream_size: int(0),
  stream_ttl: duration('0'),
  meta_ttl: duration('0'),
  remove_client_on_unsubscribe: bool(),
  // The key a client's write lands on: its own (""), its connection id or its user id.
  client_key: oneOf(['', 'client_id', 'user_id'], ''),
  allow_publish_for_client: bool(),
  allow_publish_for_subscriber: bool(),
  allow_publish_for_anonymous: bool(),
  allow_remove_for_client: bool(),
  allow_remove_for_subscriber: bool(),
  allow_remove_for_anonymous: bool(),
  publish_proxy_enabled: bool(),
  publish_proxy_name: str('default'),
  remove_proxy_enabled: bool(),
  remove_proxy_name: str('default'),
  default_page_size: int(0),
  min_page_size: int(0),
  max_page_size: int(0),
  live_transition_max_publication_limit: int(0),
  // Negative: no limit.
  subscribe_catch_up_timeout: durationOrNegative('0'),
});

export const sharedPollOptionsSchema = section({
  // "" = `default`, the proxy `channel.proxy.shared_poll_refresh`.
  proxy_name: str(),
  mode: oneOf(['', 'versionless', 'versioned'], ''),
  refresh_interval: duration('0'),
  refresh_batch_size: int(0),
  max_keys_per_connection: int(0),
  // Negative: shut down immediately.
  channel_shutdown_delay: durationOrNegative('0'),
  track_expired_extra_delay: duration('0'),
  publish_enabled: bool(),
});

/** The map and shared-poll keys of a channel options section. */
export const mapChannelOptionsShape = {
  subscription_type: subscriptionType(),
  map: mapOptionsSchema,
  shared_poll: sharedPollOptionsSchema,
  map_clients_presence_channel_prefix: str(),
  map_users_presence_channel_prefix: str(),
  // Centrifugo PRO coalesces client map writes over this interval; recognised, no effect in Parsec.
  client_publish_debounce_interval: duration('0'),
};

/** Top-level `shared_poll`: how track signatures are checked, and the backend call budget. */
export const sharedPollSchema = section({
  hmac_secret_key: str(),
  hmac_previous_secret_key: str(),
  // Unix seconds; signatures issued after it with the previous key are refused (0 = no end).
  hmac_previous_secret_key_valid_until: unixSeconds(),
  // Backend calls in flight at once over all shared-poll channels; 0 = 64.
  concurrency_limit: int(0),
});
