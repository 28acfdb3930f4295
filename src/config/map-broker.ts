import type { Config, MapBrokerRedisConfig } from './types.js';

/** Centrifugo's defaults for a map broker Redis that names no server and no prefix. */
const DEFAULT_ADDRESS = 'redis://127.0.0.1:6379';
const DEFAULT_PREFIX = 'centrifugo';

/** Whether `map_broker.redis` names a server (address, cluster or Sentinel) of its own. */
export function namesRedisServer(r: MapBrokerRedisConfig): boolean {
  return r.address.length > 0 || r.clusterAddress.length > 0 || r.sentinelAddress.length > 0;
}

/**
 * The Redis the map broker connects to. `map_broker.redis` naming a server is used as given.
 * Naming none, it is the engine's Redis when the engine is Redis (its address, cluster or
 * Sentinel, credentials, TLS, timeouts, and its prefix unless `map_broker.redis.prefix` is set),
 * else Centrifugo's default `redis://127.0.0.1:6379`. The broker's own settings (cleanup,
 * idempotent result TTL, skip_pub_sub) always come from `map_broker.redis`.
 */
export function mapBrokerRedis(c: Pick<Config, 'engine' | 'mapBroker'>): MapBrokerRedisConfig {
  const own = c.mapBroker.redis;
  if (namesRedisServer(own)) return { ...own, prefix: own.prefix || DEFAULT_PREFIX };
  if (c.engine.type === 'redis') {
    const { cleanupInterval, cleanupBatchSize, idempotentResultTtl, skipPubSub } = own;
    return { ...c.engine.redis, prefix: own.prefix || c.engine.redis.prefix, cleanupInterval, cleanupBatchSize, idempotentResultTtl, skipPubSub };
  }
  return { ...own, address: [DEFAULT_ADDRESS], prefix: own.prefix || DEFAULT_PREFIX };
}
