import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EngineError, EngineErrorCode } from '../engine/index.js';
import { MemoryModerationStore } from './memory-store.js';
import { PostgresModerationStore } from './postgres-store.js';
import { RedisModerationStore } from './redis-store.js';
import type { ModerationStore } from './store.js';


export interface StoreChoice {
  /** `parsec.store.postgres_dsn`; '' = none. */
  postgresDsn: string;
  /** A client of the cluster's Redis when there is one, else undefined; the caller keeps owning it. */
  redis?: { client: Redis | Cluster; prefix: string };
  log: Logger;
}

/**
 * The store blocks and overrides live in: PostgreSQL when a DSN is set, else the cluster's
 * Redis when there is one, else process memory. A database that can't be reached stops the start
 * with an EngineError naming the key.
 */
export async function createModerationStore(c: StoreChoice): Promise<ModerationStore> {
  const log = c.log.child({ component: 'moderation_store' });
  if (c.postgresDsn) {
    try {
      const store = await PostgresModerationStore.start(c.postgresDsn, log);
      log.info({ store: 'postgres' }, 'blocks and rate-limit overrides kept in PostgreSQL');
      return store;
    } catch (err) {
      // Reported like an unreachable engine: the CLI prints the key and exits "unavailable".
      throw new EngineError(EngineErrorCode.unavailable, `parsec.store.postgres_dsn: cannot use PostgreSQL: ${(err as Error).message}`, { cause: err });
    }
  }
  if (c.redis) {
    log.info({ store: 'redis' }, 'blocks and rate-limit overrides kept in Redis');
    return new RedisModerationStore({ ...c.redis, ownsClient: false });
  }
  log.info({ store: 'memory' }, 'blocks and rate-limit overrides kept in this process only (lost on restart); set parsec.store.postgres_dsn to keep them');
  return new MemoryModerationStore();
}
