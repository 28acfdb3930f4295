/*
 * The config area's public surface: load a Centrifugo v6 config (file, env, overrides) into a
 * frozen, typed `Config`, or fail with a ConfigError that names the key and the source.
 */
export { loadConfig, defaultConfig, type LoadOptions, type LoadedConfig } from './load.js';
export { ConfigError, ConfigErrorCode } from './errors.js';
export { durationMs, formatDuration, parseDuration } from './duration.js';
export { pem, pemData } from './pem.js';
export { clientTls, type ClientTls } from './client-tls.js';
export type * from './types.js';
export { rateLimitOverridesSchema, type BucketConfig, type CommandLayerConfig, type RateLimitConfig, type RateLimitOverrides } from './rate-limit.js';

export { MAP_SUBSCRIPTION_TYPES } from './types.js';
export { mapBrokerRedis } from './map-broker.js';
export { clusterRedis } from './cluster-redis.js';
export {
  clampPageSize,
  resolveMapOptions,
  resolveSharedPollOptions,
  sharedPollConcurrency,
  type MapMode,
  type ResolvedMapOptions,
  type ResolvedSharedPollOptions,
} from './map-options.js';
