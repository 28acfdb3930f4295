import type { Config, RedisConfig } from './types.js';

/**
 * The Redis every node of a cluster shares for the state that belongs to no channel: blocks,
 * rate-limit settings and per-user buckets, token revocations, MQTT retained messages and
 * sessions. The engine's with `engine.type: redis`; else the Redis broker's (Centrifugo's
 * `broker` section, enabled), else the Redis presence manager's: a cluster assembled from
 * parts keeps this state where its nodes already meet. Undefined when no Redis is
 * configured (one node, in memory).
 */
export function clusterRedis(c: Pick<Config, 'engine' | 'broker' | 'presenceManager'>): RedisConfig | undefined {
  if (c.engine.type === 'redis') return c.engine.redis;
  if (c.broker.enabled && c.broker.type === 'redis') return c.broker.redis;
  if (c.presenceManager.enabled && c.presenceManager.type === 'redis') return c.presenceManager.redis;
  return undefined;
}
