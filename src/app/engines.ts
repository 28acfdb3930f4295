import type { Logger } from 'pino';
import { createRevocationStore } from '../broker/index.js';
import { mapBrokerRedis } from '../config/index.js';
import type { Config } from '../config/types.js';
import { isCloser, type Broker, type MapBroker, type PresenceManager } from '../engine/index.js';
import { MemoryBroker, MemoryMapBroker, MemoryPresenceManager } from '../engine/memory/index.js';
import { NatsBroker } from '../engine/nats/index.js';
import { connectRedisClient, startRedisEngine, startRedisMapBroker, type RedisClient } from '../engine/redis/index.js';
import type { Clock } from '../lib/index.js';
import type { RevocationStore } from '../node/index.js';
import { RedisRetainedStore, RedisSessionDirectory } from '../transport/index.js';
import { natsTls } from './tls.js';

export interface Engines {
  broker: Broker;
  presence: PresenceManager;
  /** Map channels' state and stream (`map_broker`), apart from the engine as in Centrifugo. */
  mapBroker: MapBroker;
  /** Everything to close on shutdown (an engine's own broker stays open for its presence when a separate broker replaces it). */
  parts: Array<Broker | PresenceManager | MapBroker>;
}

/**
 * The configured engine, in-memory (one process) or Redis (many nodes), and the broker:
 * the engine's own, or a separate one (`broker.enabled`, e.g. NATS) while presence
 * stays with the engine, as in Centrifugo.
 */
export async function buildEngines(config: Readonly<Config>, clock: Clock, log: Logger): Promise<Engines> {
  const engine =
    config.engine.type === 'redis'
      ? await startRedisEngine(config.engine.redis, clock, log.child({ component: 'redis' }))
      : { broker: new MemoryBroker({ clock }), presence: new MemoryPresenceManager() };
  const broker = brokerFor(config, clock, log) ?? engine.broker;
  let mapBroker: MapBroker;
  try {
    mapBroker = await buildMapBroker(config, clock, log);
  } catch (err) {
    for (const part of new Set([broker, engine.broker, engine.presence])) if (isCloser(part)) await part.close();
    throw err;
  }
  return { broker, presence: engine.presence, mapBroker, parts: [broker, engine.presence, mapBroker, ...(broker === engine.broker ? [] : [engine.broker])] };
}

/** The map broker (`map_broker.type`): in memory, or in Redis (`map_broker.redis`, else the engine's, see mapBrokerRedis). */
async function buildMapBroker(config: Readonly<Config>, clock: Clock, log: Logger): Promise<MapBroker> {
  if (config.mapBroker.type !== 'redis') return new MemoryMapBroker({ clock });
  const cfg = mapBrokerRedis(config);
  const mapLog = log.child({ component: 'map_broker' });
  const broker = await startRedisMapBroker(cfg, clock, mapLog);
  const servers = cfg.clusterAddress.length ? cfg.clusterAddress : cfg.sentinelAddress.length ? cfg.sentinelAddress : cfg.address;
  // Addresses may carry a password: only hosts are logged.
  mapLog.info({ type: 'redis', servers: servers.map(hostOf), prefix: cfg.prefix }, 'map broker connected');
  return broker;
}

/** `host:port` of a Redis address (`redis://user:pass@host:port/db` or `host:port`). */
function hostOf(address: string): string {
  try {
    return new URL(address.includes('://') ? address : `redis://${address}`).host;
  } catch {
    return '(unparsable address)';
  }
}

/** A broker apart from the engine when `broker.enabled`, else undefined. */
function brokerFor(config: Readonly<Config>, clock: Clock, log: Logger): Broker | undefined {
  const b = config.broker;
  if (!b.enabled) {
    if (b.type !== 'memory') log.warn({ type: b.type }, 'broker.type is set but broker.enabled is false: the engine is the broker');
    return undefined;
  }
  if (b.type === 'memory') return new MemoryBroker({ clock });
  const withHistory = [['', config.channel.withoutNamespace] as const, ...config.channel.namespaces.map((n) => [n.name, n] as const)]
    .filter(([, o]) => o.historySize > 0)
    .map(([name]) => name || '(without namespace)');
  if (withHistory.length > 0) {
    log.warn({ namespaces: withHistory }, 'the NATS broker keeps no history: publishing, history and recovery in these namespaces fail with 108');
  }
  const { url, prefix, dialTimeout, writeTimeout, allowWildcards, rawMode } = b.nats;
  return new NatsBroker({
    url,
    prefix,
    dialTimeout,
    writeTimeout,
    tls: natsTls(b.nats.tls),
    allowWildcards,
    rawMode: rawMode.enabled ? rawMode : undefined,
    clock,
    logger: log.child({ component: 'nats_broker' }),
  });
}

/** The token broker's revocation store and, when it is in Redis, its own connection (from `engine.redis`). */
export interface Revocations {
  store: RevocationStore;
  redis?: RedisClient;
}

/** The token broker's revocation store when the broker is enabled. */
export async function buildRevocations(config: Readonly<Config>, clock: Clock): Promise<Revocations | undefined> {
  const tb = config.parsec.tokenBroker;
  if (!tb.enabled) return undefined;
  const redis = tb.revocations.store === 'redis' ? { client: await connectRedisClient(config.engine.redis), prefix: config.engine.redis.prefix } : undefined;
  return { store: createRevocationStore(tb.revocations, redis, clock), redis: redis?.client };
}

/** What MQTT keeps in Redis when the engine is Redis, so every node sees it. */
export interface MqttRedisStores {
  retained: RedisRetainedStore;
  directory: RedisSessionDirectory;
}

/** MQTT retained messages and the persistent session directory in Redis with the Redis engine; else undefined (one node, memory). */
export async function buildMqttStores(config: Readonly<Config>): Promise<MqttRedisStores | undefined> {
  if (!config.parsec.mqtt.enabled || config.engine.type !== 'redis') return undefined;
  const r = config.engine.redis;
  const client = await connectRedisClient(r, ' for MQTT retained messages and sessions');
  return { retained: new RedisRetainedStore(client, r.prefix), directory: new RedisSessionDirectory(client, r.prefix) };
}
