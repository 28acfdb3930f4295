import { after } from 'node:test';
import { pino } from 'pino';
import { defaultConfig } from '../../src/config/index.js';
import type { MapBrokerRedisConfig } from '../../src/config/types.js';
import { startRedisMapBroker } from '../../src/engine/redis/index.js';
import type { ManualClock } from '../helpers/clock.js';
import { OwnCluster, OwnRedis, OwnSentinel } from '../helpers/redis-server.js';
import { randomPrefix, skipWithoutProgram } from '../helpers/services.js';
import { runMapBrokerSuite, type MapBrokerUnderTest } from './map-conformance.js';

/*
 * The map broker conformance suite on a Redis Cluster (each Lua script touches one channel's
 * keys, all in its partition's slot, and channels spread over the masters) and through
 * Sentinel, each started here from the machine's redis-server.
 */

const skipCluster =
  skipWithoutProgram('Redis Cluster', 'redis-server', ['--version'], /^Redis server v=/m) ||
  skipWithoutProgram('Redis Cluster', 'redis-cli', ['--cluster', 'help'], /^\s*create\s/m);
const skipSentinel = skipWithoutProgram('Redis Sentinel', 'redis-server', ['--version'], /^Redis server v=/m);

/** Starts its servers on first use (a skipped suite starts none) and stops them after the file. */
function topology(start: () => Promise<{ servers: Partial<MapBrokerRedisConfig>; down(): Promise<void> }>) {
  let started: ReturnType<typeof start> | undefined;
  after(async () => (await started)?.down());
  const prefix = randomPrefix('map-topology');
  return async (clock: ManualClock): Promise<MapBrokerUnderTest> => {
    started ??= start();
    const { servers } = await started;
    const cfg: MapBrokerRedisConfig = { ...defaultConfig().mapBroker.redis, ...servers, prefix, cleanupInterval: 100 };
    const broker = await startRedisMapBroker(cfg, clock, pino({ level: 'silent' }));
    return { broker, close: () => broker.close() };
  };
}

runMapBrokerSuite(
  'redis cluster',
  {
    shared: true,
    make: topology(async () => {
      const cluster = await OwnCluster.start();
      return { servers: { address: [], clusterAddress: cluster.addresses }, down: () => cluster.down() };
    }),
  },
  { skip: skipCluster },
);

runMapBrokerSuite(
  'redis sentinel',
  {
    shared: true,
    make: topology(async () => {
      const master = await OwnRedis.start();
      const sentinel = await OwnSentinel.start(master.port);
      return {
        servers: { address: [], sentinelAddress: [`127.0.0.1:${sentinel.port}`], sentinelMasterName: 'mymaster' },
        down: async () => {
          await sentinel.down();
          await master.down();
        },
      };
    }),
  },
  { skip: skipSentinel },
);
