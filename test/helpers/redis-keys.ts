import { Redis } from 'ioredis';

/**
 * Deletes every key under a test's prefix: maps in persistent mode never expire, so a run
 * that leaves them would grow the shared Redis for good.
 */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
