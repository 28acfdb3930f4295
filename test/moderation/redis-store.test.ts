import { after, describe } from 'node:test';
import { Redis } from 'ioredis';
import { RedisModerationStore } from '../../src/moderation/index.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { runModerationStoreSuite } from './store-suite.js';

const skip = await skipWithout('Redis', redisUrl);

describe('Redis moderation store', { skip: skip || undefined }, () => {
  const prefixes: string[] = [];
  const admin = skip ? undefined : new Redis(redisUrl);
  after(async () => {
    for (const p of prefixes) {
      const keys = await admin!.keys(`${p}:*`);
      if (keys.length > 0) await admin!.del(...keys);
    }
    admin?.disconnect();
  });

  runModerationStoreSuite(async () => {
    const prefix = randomPrefix('moderation');
    prefixes.push(prefix);
    return new RedisModerationStore({ client: new Redis(redisUrl), prefix, ownsClient: true });
  });
});
