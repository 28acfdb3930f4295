import type { Logger } from 'pino';
import { clusterRedis } from '../config/index.js';
import type { Config } from '../config/types.js';
import { connectRedisClient } from '../engine/redis/index.js';
import type { Clock } from '../lib/index.js';
import {
  ActivityRecorder,
  MemoryActivityStore,
  MemoryKeyedBuckets,
  PostgresModerationStore,
  RateLimits,
  RedisKeyedBuckets,
  UserBlocking,
  createModerationStore,
  type ActivityStore,
  type ModerationStore,
} from '../moderation/index.js';

/** How often a node reloads the block set from a shared store, besides the control plane's notices. */
const BLOCK_RELOAD_INTERVAL_MS = 10_000;

/** Blocks and rate limits, over one store; `close` releases the store and the Redis client. */
export interface Moderation {
  blocking: UserBlocking;
  rateLimits: RateLimits;
  activity?: { recorder: ActivityRecorder; store: ActivityStore };
  close(): Promise<void>;
}

/**
 * User blocking and rate limits over the configured store (PostgreSQL, else the cluster's
 * Redis (see clusterRedis), else memory), their state loaded: a store that can't be reached
 * stops the start. With that Redis, per-user buckets and `rate_limit` keys live in it too.
 */
export async function buildModeration(config: Readonly<Config>, clock: Clock, log: Logger): Promise<Moderation> {
  const { postgresDsn } = config.parsec.store;
  const redis = clusterRedis(config);
  const client = redis ? await connectRedisClient(redis) : undefined;
  const prefix = redis?.prefix ?? config.engine.redis.prefix;
  let store: ModerationStore | undefined;
  try {
    store = await createModerationStore({ postgresDsn, redis: client && !postgresDsn ? { client, prefix } : undefined, log });
    const blocking = new UserBlocking({ store, clock, log: log.child({ component: 'blocking' }), reloadInterval: BLOCK_RELOAD_INTERVAL_MS });
    const users = client ? new RedisKeyedBuckets(client, prefix) : new MemoryKeyedBuckets(clock);
    const rateLimits = new RateLimits({ defaults: config.client.rateLimit, store, users, clock, log: log.child({ component: 'rate_limits' }) });
    await blocking.start();
    await rateLimits.start();
    const activity = config.parsec.activity.enabled ? startActivity(config, store, clock, log) : undefined;
    const owned = store;
    return {
      blocking,
      rateLimits,
      activity,
      close: async () => {
        await activity?.recorder.close();
        blocking.close();
        await owned.close();
        client?.disconnect();
      },
    };
  } catch (err) {
    await store?.close();
    client?.disconnect();
    throw err;
  }
}

/** Activity recording into PostgreSQL with the store's DSN, else a bounded window in this process. */
function startActivity(config: Readonly<Config>, store: ModerationStore, clock: Clock, log: Logger): { recorder: ActivityRecorder; store: ActivityStore } {
  const activityStore = store instanceof PostgresModerationStore ? store.activity() : new MemoryActivityStore();
  if (activityStore.kind === 'memory') log.info('activity kept in a bounded window of this process (this node only); set parsec.store.postgres_dsn to keep it for all nodes');
  const recorder = new ActivityRecorder({ store: activityStore, clock, log: log.child({ component: 'activity' }), retention: config.parsec.activity.retention });
  recorder.start();
  return { recorder, store: activityStore };
}
