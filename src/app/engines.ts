import type { Logger } from 'pino';
import { createRevocationStore } from '../broker/index.js';
import { clusterRedis, mapBrokerRedis } from '../config/index.js';
import type { Config, RedisConfig } from '../config/types.js';
import { isCloser, isHealthReporter, type Broker, type HealthReporter, type MapBroker, type PresenceManager } from '../engine/index.js';
import { MemoryBroker, MemoryMapBroker, MemoryPresenceManager } from '../engine/memory/index.js';
import { NatsBroker } from '../engine/nats/index.js';
import { connectRedisClient, startRedisBroker, startRedisEngine, startRedisMapBroker, startRedisPresenceManager, type RedisClient } from '../engine/redis/index.js';
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
  /** The presence manager's health when it is not the broker's service (the node checks the broker's), for readiness. */
  presenceHealth?: HealthReporter;
}

type Part = Broker | PresenceManager | MapBroker;

/**
 * The engine, in-memory (one process) or Redis (many nodes), and what replaces its parts, as in
 * Centrifugo: a broker (`broker.enabled`: Redis, NATS or memory) carries PUB/SUB, join/leave,
 * control messages and history, a presence manager (`presence_manager.enabled`: Redis or memory)
 * keeps presence; the engine is started only for a part neither replaces.
 */
export async function buildEngines(config: Readonly<Config>, clock: Clock, log: Logger): Promise<Engines> {
  const started: Part[] = [];
  const start = async <T extends Part>(part: Promise<T> | T): Promise<T> => {
    const p = await part;
    started.push(p);
    return p;
  };
  try {
    const engineRuns = !config.broker.enabled || !config.presenceManager.enabled;
    const engine = engineRuns ? await startEngine(config, clock, log) : undefined;
    if (engine) started.push(engine.broker, engine.presence);
    const ownBroker = config.broker.enabled ? await start(brokerFor(config, clock, log)) : undefined;
    const ownPresence = config.presenceManager.enabled ? await start(presenceFor(config, clock, log)) : undefined;
    if (!config.broker.enabled && config.broker.type !== 'memory') {
      log.warn({ type: config.broker.type }, 'broker.type is set but broker.enabled is false: the engine is the broker');
    }
    // Either replaces the engine's part, or the engine runs: one of each is there.
    const broker = ownBroker ?? engine!.broker;
    const presence = ownPresence ?? engine!.presence;
    const mapBroker = await start(buildMapBroker(config, clock, log));
    const separate = ownPresence !== undefined || ownBroker !== undefined;
    return {
      broker,
      presence,
      mapBroker,
      parts: [...new Set<Part>([broker, presence, mapBroker, ...started])],
      presenceHealth: separate && isHealthReporter(presence) ? presence : undefined,
    };
  } catch (err) {
    for (const part of new Set(started)) if (isCloser(part)) await part.close();
    throw err;
  }
}

/** The engine: its broker and presence manager, in memory or over one Redis (`engine.redis`). */
async function startEngine(config: Readonly<Config>, clock: Clock, log: Logger): Promise<{ broker: Broker; presence: PresenceManager }> {
  if (config.engine.type === 'redis') return startRedisEngine(config.engine.redis, clock, log.child({ component: 'redis' }));
  return { broker: new MemoryBroker({ clock }), presence: new MemoryPresenceManager() };
}

/** The map broker (`map_broker.type`): in memory, or in Redis (`map_broker.redis`, else the engine's, see mapBrokerRedis). */
async function buildMapBroker(config: Readonly<Config>, clock: Clock, log: Logger): Promise<MapBroker> {
  if (config.mapBroker.type !== 'redis') return new MemoryMapBroker({ clock });
  const cfg = mapBrokerRedis(config);
  const mapLog = log.child({ component: 'map_broker' });
  const broker = await startRedisMapBroker(cfg, clock, mapLog);
  mapLog.info({ type: 'redis', servers: redisServers(cfg).map(hostOf), prefix: cfg.prefix }, 'map broker connected');
  return broker;
}

/** The addresses a Redis section connects to: its cluster, its Sentinels, or its servers. */
function redisServers(cfg: RedisConfig): string[] {
  return cfg.clusterAddress.length ? cfg.clusterAddress : cfg.sentinelAddress.length ? cfg.sentinelAddress : cfg.address;
}

/** `host:port` of a Redis address (`redis://user:pass@host:port/db` or `host:port`): addresses may carry a password, so only hosts are logged. */
function hostOf(address: string): string {
  try {
    return new URL(address.includes('://') ? address : `redis://${address}`).host;
  } catch {
    return '(unparsable address)';
  }
}

/** The broker apart from the engine (`broker.enabled`). */
async function brokerFor(config: Readonly<Config>, clock: Clock, log: Logger): Promise<Broker> {
  const b = config.broker;
  switch (b.type) {
    case 'memory':
      return new MemoryBroker({ clock });
    case 'redis': {
      const brokerLog = log.child({ component: 'redis_broker' });
      const broker = await startRedisBroker(b.redis, clock, brokerLog);
      brokerLog.info({ type: 'redis', servers: redisServers(b.redis).map(hostOf), prefix: b.redis.prefix }, 'broker connected');
      return broker;
    }
    case 'nats': {
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
    case 'redisnats':
    case 'postgres':
      // The config's rules refuse these before anything starts (redis-rules.ts).
      throw new Error(`broker.type: ${b.type} is not supported`);
  }
}

/** The presence manager apart from the engine (`presence_manager.enabled`). */
async function presenceFor(config: Readonly<Config>, clock: Clock, log: Logger): Promise<PresenceManager> {
  const pm = config.presenceManager;
  if (pm.type === 'memory') return new MemoryPresenceManager();
  const presence = await startRedisPresenceManager(pm.redis, clock);
  log.child({ component: 'presence_manager' }).info({ type: 'redis', servers: redisServers(pm.redis).map(hostOf), prefix: pm.redis.prefix }, 'presence manager connected');
  return presence;
}

/** The token broker's revocation store and, when it is in Redis, its own connection (to the cluster's Redis, see clusterRedis; else `engine.redis`). */
export interface Revocations {
  store: RevocationStore;
  redis?: RedisClient;
}

/** The token broker's revocation store when the broker is enabled. */
export async function buildRevocations(config: Readonly<Config>, clock: Clock): Promise<Revocations | undefined> {
  const tb = config.parsec.tokenBroker;
  if (!tb.enabled) return undefined;
  const r = clusterRedis(config) ?? config.engine.redis;
  const redis = tb.revocations.store === 'redis' ? { client: await connectRedisClient(r), prefix: r.prefix } : undefined;
  return { store: createRevocationStore(tb.revocations, redis, clock), redis: redis?.client };
}

/** What MQTT keeps in the cluster's Redis (see clusterRedis), so every node sees it. */
export interface MqttRedisStores {
  retained: RedisRetainedStore;
  directory: RedisSessionDirectory;
}

/** MQTT retained messages and the persistent session directory in the cluster's Redis; else undefined (one node, memory). */
export async function buildMqttStores(config: Readonly<Config>): Promise<MqttRedisStores | undefined> {
  const r = clusterRedis(config);
  if (!config.parsec.mqtt.enabled || !r) return undefined;
  const client = await connectRedisClient(r, ' for MQTT retained messages and sessions');
  return { retained: new RedisRetainedStore(client, r.prefix), directory: new RedisSessionDirectory(client, r.prefix) };
}
