import { pino } from 'pino';
import { defaultConfig } from '../../src/config/index.js';
import { startRedisBroker, startRedisEngine, startRedisPresenceManager } from '../../src/engine/redis/index.js';
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

// The same Redis code as separate parts (`broker.redis`, `presence_manager.redis`), each on connections of its own.
runEngineSuite(
  'redis broker and presence manager apart',
  async () => {
    const prefix = randomPrefix('parts');
    const defaults = defaultConfig();
    const broker = await startRedisBroker({ ...defaults.broker.redis, address: [redisUrl], prefix }, systemClock, pino({ level: 'silent' }));
    const presence = await startRedisPresenceManager({ ...defaults.presenceManager.redis, address: [redisUrl], prefix }, systemClock);
    return { broker, presence, close: async () => void (await Promise.all([broker.close(), presence.close()])) };
  },
  { history: true },
  { skip },
);
