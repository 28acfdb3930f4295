import type { Logger } from 'pino';
import type { EngineRedisConfig, MapBrokerRedisConfig, PresenceRedisConfig, RedisBrokerConfig, RedisConfig } from '../../config/types.js';
import type { Clock } from '../../lib/index.js';
import { EngineError, EngineErrorCode } from '../errors.js';
import { RedisBroker } from './broker.js';
import { connectFailure, connectShards, lowestMajorVersion, type RedisClient } from './connection.js';
import { RedisKeys } from './keys.js';
import { OwnRedisPresenceManager, RedisPresenceManager } from './presence.js';
import { RedisMapBroker } from './map-broker.js';
import { RedisShard, withScripts, type ShardEvents } from './shard.js';

export type { RedisClient } from './connection.js';
export type { RedisMapBroker } from './map-broker.js';
export type { RedisBroker } from './broker.js';
export type { OwnRedisPresenceManager } from './presence.js';

export interface RedisEngine {
  broker: RedisBroker;
  presence: RedisPresenceManager;
}

/**
 * Connects to Redis (every shard, both connections) and builds the broker and the
 * presence manager over the same shards. Rejects when Redis is unreachable at start.
 */
export async function startRedisEngine(cfg: EngineRedisConfig, clock: Clock, log: Logger): Promise<RedisEngine> {
  const { broker, shards } = await startBroker(cfg, 'engine.redis', clock, log);
  return { broker, presence: new RedisPresenceManager(shards.map((s) => s.cmd), cfg.prefix, cfg.presenceTtl, clock) };
}

/**
 * The Redis broker alone (`broker.redis`): PUB/SUB, history and control messages, while
 * presence is elsewhere. Rejects when Redis is unreachable at start.
 */
export async function startRedisBroker(cfg: RedisBrokerConfig, clock: Clock, log: Logger): Promise<RedisBroker> {
  return (await startBroker(cfg, 'broker.redis', clock, log)).broker;
}

/**
 * Presence alone in Redis (`presence_manager.redis`): command connections only, as presence
 * needs no PUB/SUB. Rejects when Redis is unreachable at start.
 */
export async function startRedisPresenceManager(cfg: PresenceRedisConfig, clock: Clock): Promise<OwnRedisPresenceManager> {
  const section = 'presence_manager.redis';
  const commands = connectShards(cfg, section, 'command');
  try {
    await Promise.all(commands.map((c) => c.connect()));
  } catch (err) {
    for (const c of commands) c.disconnect();
    throw unreachable(cfg, section, '', err, commands);
  }
  return new OwnRedisPresenceManager(commands.map(withScripts), cfg.prefix, cfg.presenceTtl, clock);
}

/** The broker over its own shards, which the engine's presence manager may share. */
async function startBroker(cfg: RedisBrokerConfig, section: string, clock: Clock, log: Logger): Promise<{ broker: RedisBroker; shards: RedisShard[] }> {
  const keys = new RedisKeys(cfg.prefix);
  let broker: RedisBroker | undefined;
  const { shards, sharded } = await startShards(
    cfg,
    section,
    log,
    {
      message: (pubsub, message) => broker?.onMessage(pubsub, message),
      resumed: () => broker?.onResumed(),
    },
    [keys.control],
    cfg.clusterShardedPubSub ? (pubsub) => keys.isSharded(pubsub) : undefined,
  );
  broker = new RedisBroker(shards, cfg.prefix, clock, log, sharded);
  return { broker, shards };
}

/**
 * Connects the map broker's own shards (`map_broker.redis`) and builds it. Rejects when
 * Redis is unreachable at start.
 */
export async function startRedisMapBroker(cfg: MapBrokerRedisConfig, clock: Clock, log: Logger): Promise<RedisMapBroker> {
  let broker: RedisMapBroker | undefined;
  const { shards } = await startShards(cfg, 'map_broker.redis', log, {
    message: (pubsub, message) => broker?.onMessage(pubsub, message),
    resumed: () => broker?.onResumed(),
  }, []);
  broker = new RedisMapBroker({
    shards,
    prefix: cfg.prefix,
    clock,
    log,
    cleanupInterval: cfg.cleanupInterval,
    cleanupBatchSize: cfg.cleanupBatchSize,
    idempotentResultTtl: cfg.idempotentResultTtl,
    skipPubSub: cfg.skipPubSub,
  });
  return broker;
}

/**
 * A command and a PUB/SUB connection to each shard, connected. `section` names the config
 * section in the error when Redis is unreachable; `permanent` are PUB/SUB channels the first
 * shard always listens to. Messages arriving before the caller's receiver exists are dropped.
 * `isSharded`, when given, names the PUB/SUB channels to use sharded PUB/SUB for, if the
 * server has it (see `usesShardedPubSub`); `sharded` says whether it does.
 */
async function startShards(
  cfg: RedisConfig,
  section: string,
  log: Logger,
  events: ShardEvents,
  permanent: string[],
  isSharded?: (pubsub: string) => boolean,
): Promise<{ shards: RedisShard[]; sharded: boolean }> {
  const commands = connectShards(cfg, section, 'command');
  let sharded = false;
  try {
    if (isSharded) sharded = await usesShardedPubSub(cfg, commands, log);
  } catch (err) {
    for (const c of commands) c.disconnect();
    throw unreachable(cfg, section, '', err, commands);
  }
  const subscribers = connectShards(cfg, section, 'subscriber', sharded);
  const shards = commands.map((cmd, i) => new RedisShard(i, cmd, subscribers[i]!, log, events, i === 0 ? permanent : [], sharded ? isSharded : undefined));
  try {
    await Promise.all(shards.map((s) => s.connect()));
  } catch (err) {
    await Promise.all(shards.map((s) => s.close()));
    throw unreachable(cfg, section, '', err, [...commands, ...subscribers]);
  }
  return { shards, sharded };
}

/**
 * Sharded PUB/SUB needs a cluster (a single server has one shard anyway) whose every master
 * runs Redis 7 or newer. Connects the cluster's command connection to ask; every node of a
 * deployment decides the same way for the same cluster.
 */
async function usesShardedPubSub(cfg: RedisConfig, commands: RedisClient[], log: Logger): Promise<boolean> {
  if (cfg.clusterAddress.length === 0) return false;
  const cluster = commands[0]!;
  await cluster.connect();
  const major = await lowestMajorVersion(cluster);
  if (major >= 7) return true;
  log.info({ redisMajorVersion: major }, 'redis cluster before 7: classic pub/sub, every message reaches every cluster node');
  return false;
}

/**
 * One more command connection to the first shard, for keys that are not a channel's (the
 * token broker's revocations, MQTT retained messages, a `redis_stream` consumer). Rejects when
 * Redis is unreachable at start; `purpose` ends the error message and `section` is the
 * config key it names (`engine.redis`, `consumers[0].redis_stream`).
 */
export async function connectRedisClient(cfg: RedisConfig, purpose = " for the token broker's revocations", section = 'engine.redis'): Promise<RedisClient> {
  const client = connectShards(cfg, section, 'command')[0]!;
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw unreachable(cfg, section, purpose, err, [client]);
  }
  return client;
}

// "unavailable", so the CLI prints one line naming the key and exits as for any missing service.
function unreachable(cfg: RedisConfig, section: string, purpose: string, err: unknown, clients: readonly RedisClient[]): EngineError {
  const [key, addresses] = cfg.clusterAddress.length
    ? [`${section}.cluster_address`, cfg.clusterAddress]
    : cfg.sentinelAddress.length
      ? [`${section}.sentinel_address`, cfg.sentinelAddress]
      : [`${section}.address`, cfg.address];
  const why = connectFailure(err, clients);
  return new EngineError(EngineErrorCode.unavailable, `${key}: cannot connect to Redis at ${addresses.join(', ')}${purpose}: ${why}`, { cause: err });
}
