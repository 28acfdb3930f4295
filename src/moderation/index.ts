export { BlockSet, isInForce, type UserBlock } from './blocks.js';
export { BadCursorError, MAX_BLOCK_HISTORY, type BlockPage, type BlockQuery, type ModerationStore, type StoredRateLimits } from './store.js';
export { MemoryModerationStore } from './memory-store.js';
export { RedisModerationStore, type RedisModerationStoreOptions } from './redis-store.js';
export { PostgresModerationStore } from './postgres-store.js';
export { MODERATION_MIGRATIONS, migrate, type Migration } from './migrations.js';
export { UserBlocking, type BlockNotice, type BlockRequest, type UserBlockingDeps } from './user-blocking.js';
export { createModerationStore, type StoreChoice } from './build.js';
