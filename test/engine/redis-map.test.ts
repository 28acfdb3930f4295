import { pino } from 'pino';
import { defaultConfig } from '../../src/config/index.js';
import { startRedisMapBroker } from '../../src/engine/redis/index.js';
import { after } from 'node:test';
import { dropPrefix } from '../helpers/redis-keys.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { runMapBrokerSuite } from './map-conformance.js';

const skip = await skipWithout('Redis', redisUrl);
// One prefix per run: brokers made in a run share maps (as nodes do), runs never do.
const prefix = randomPrefix('map');
after(() => (skip ? undefined : dropPrefix(redisUrl, prefix)));

runMapBrokerSuite(
  'redis',
  {
    shared: true,
    make: async (clock) => {
      // Expiry rounds often, so TTL tests wait little.
      const cfg = { ...defaultConfig().mapBroker.redis, address: [redisUrl], prefix, cleanupInterval: 100 };
      const broker = await startRedisMapBroker(cfg, clock, pino({ level: 'silent' }));
      return { broker, close: () => broker.close() };
    },
  },
  { skip },
);
