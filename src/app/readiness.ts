import type { ReadinessCheck } from '../admin/index.js';
import type { JwksKeySource } from '../auth/index.js';
import type { RedisClient } from '../engine/redis/index.js';
import type { JwksUse } from '../metrics/index.js';

/** Readiness of a JWKS key source: keys loaded (or loadable). */
export function jwksReadiness(use: JwksUse, source: JwksKeySource): ReadinessCheck {
  return { name: `jwks:${use}`, check: async () => source.unavailableReason() };
}

/** Readiness of a Redis connection: it answers PING. */
export function redisReadiness(name: string, client: RedisClient): ReadinessCheck {
  return {
    name,
    check: async () => {
      try {
        await client.ping();
        return undefined;
      } catch (err) {
        return `Redis unreachable: ${(err as Error).message}`;
      }
    },
  };
}
