import { describe } from 'node:test';
import { MemoryActivityStore } from '../../src/moderation/index.js';
import { runActivityStoreSuite } from './activity-store-suite.js';

describe('memory activity store', () => {
  runActivityStoreSuite(async () => new MemoryActivityStore());
});
