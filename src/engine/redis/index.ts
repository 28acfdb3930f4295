import type { Logger } from 'pino';
import type { RedisConfig } from '../../config/types.js';
import type { Clock } from '../../lib/index.js';
import { EngineError, EngineErrorCode } from '../errors.js';
import { RedisBroker } from './broker.js';
import { connectShards, type RedisClient } from './connection.js';
import { RedisKeys } from './keys.js';
import { RedisPresenceManager } from './presence.js';
import { RedisShard } from './shard.js';

export type { RedisClient } from './connection.js';

export interface RedisEngine {
  broker: RedisBroker;
  presence: RedisPresenceManager;
}

/**
 * Connects to Redis (every shard, both connections) and builds the broker and the
 * presence manager over the same shards. Rejects when Redis is unreachable at start.
 */
export async function startRedisEngine(cfg: RedisConfig, clock: Clock, log: Logger): Promise<RedisEngine> {
  const commands = connectShards(cfg, 'command');
  const subscribers = connectShards(cfg, 'subscriber');
  const keys = new RedisKeys(cfg.prefix);
  let broker: RedisBroker | undefined;
  const shards = commands.map(
    (cmd, i) =>
      new RedisShard(i, cmd, subscribers[i]!, log, {
        message: (pubsub, message) => broker?.onMessage(pubsub, message),
        resumed: () => broker?.onResumed(),
      }, i === 0 ? [keys.control] : []),
  );
  broker = new RedisBroker(shards, cfg.prefix, clock, log);
  try {
    await Promise.all(shards.map((s) => s.connect()));
  } catch (err) {
    await Promise.all(shards.map((s) => s.close()));
    throw unreachable(cfg, '', err);
  }
  return { broker, presence: new RedisPresenceManager(shards, cfg.prefix, cfg.presenceTtl, clock) };
}

/**
 * One more command connection to the first shard, for keys that are not a channel's (the
 * token broker's revocations, MQTT retained messages). Rejects when Redis is unreachable at
 * start; `purpose` ends the error message.
 */
export async function connectRedisClient(cfg: RedisConfig, purpose = " for the token broker's revocations"): Promise<RedisClient> {
  const client = connectShards(cfg, 'command')[0]!;
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw unreachable(cfg, purpose, err);
  }
  return client;
}

// "unavailable", so the CLI prints one line naming the key and exits as for any missing service.
function unreachable(cfg: RedisConfig, purpose: string, err: unknown): EngineError {
  const [key, addresses] = cfg.clusterAddress.length
    ? ['engine.redis.cluster_address', cfg.clusterAddress]
    : cfg.sentinelAddress.length
      ? ['engine.redis.sentinel_address', cfg.sentinelAddress]
      : ['engine.redis.address', cfg.address];
  const why = err instanceof Error ? err.message : String(err);
  return new EngineError(EngineErrorCode.unavailable, `${key}: cannot connect to Redis at ${addresses.join(', ')}${purpose}: ${why}`, { cause: err });
}
