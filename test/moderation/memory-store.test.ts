import { describe } from 'node:test';
import { MemoryModerationStore } from '../../src/moderation/index.js';
import { runModerationStoreSuite } from './store-suite.js';

describe('memory moderation store', () => {
  runModerationStoreSuite(async () => new MemoryModerationStore());
});
