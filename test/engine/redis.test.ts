import { pino } from 'pino';
import { defaultConfig } from '../../src/config/index.js';
import { startRedisEngine } from '../../src/engine/redis/index.js';
import { systemClock } from '../../src/lib/index.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { runEngineSuite } from './conformance.js';

const skip = await skipWithout('Redis', redisUrl);

runEngineSuite(
  'redis',
  async () => {
    const cfg = { ...defaultConfig().engine.redis, address: [redisUrl], prefix: randomPrefix('engine') };
    const engine = await startRedisEngine(cfg, systemClock, pino({ level: 'silent' }));
    return { broker: engine.broker, presence: engine.presence, close: () => engine.broker.close() };
  },
  { history: true },
  { skip },
);
