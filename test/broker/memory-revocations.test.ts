import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRevocations } from '../../src/broker/index.js';
import { ManualClock, runRevocationStoreSuite } from './revocation-store-suite.js';

describe('memory revocation store', () => {
  runRevocationStoreSuite(async () => {
    const clock = new ManualClock();
    const store = new MemoryRevocations({ clock, maxTtl: 3_600_000, pruneInterval: 0 });
    return { store, clock, age: async (ms) => void (clock.t += ms) };
  });

  it('prunes aged entries so the map does not grow forever', async () => {
    const clock = new ManualClock();
    const store = new MemoryRevocations({ clock, maxTtl: 1000, pruneInterval: 0 });
    await store.revokeTokens(Array.from({ length: 100 }, (_, i) => ({ tokenId: `t${i}`, reason: '', revokedAt: clock.now() })));
    await store.revokeUser({ user: 'u', revokedAt: clock.now() });
    assert.equal(store.size, 101);
    store.prune(clock.now() + 999);
    assert.equal(store.size, 101);
    store.prune(clock.now() + 1000);
    assert.equal(store.size, 0);
    await store.close();
  });
});
