import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RevocationStore } from '../../src/node/index.js';
import { ManualClock } from '../helpers/clock.js';

export { ManualClock };

export interface StoreUnderTest {
  store: RevocationStore;
  clock: ManualClock;
}

/**
 * What every RevocationStore must do, run against each implementation (memory, Redis) with a
 * max TTL of 1 hour. `age(ms)` makes entries that much older: the clock for memory, the
 * keys' TTL for Redis.
 */
export function runRevocationStoreSuite(make: () => Promise<StoreUnderTest & { age(ms: number): Promise<void> }>): void {
  it('revokes and lifts token ids', async () => {
    const { store, clock } = await make();
    await store.revokeTokens([{ tokenId: 't-1', reason: 'leak', revokedAt: clock.now() }]);
    assert.equal(await store.isRevoked({ tokenId: 't-1', user: 'u' }), true);
    assert.equal(await store.isRevoked({ tokenId: 't-2', user: 'u' }), false);
    const { tokens } = await store.list();
    assert.deepEqual(tokens.filter((t) => t.tokenId === 't-1'), [{ tokenId: 't-1', reason: 'leak', revokedAt: clock.now() }]);
    await store.unrevokeTokens(['t-1', 'never-revoked']);
    assert.equal(await store.isRevoked({ tokenId: 't-1', user: 'u' }), false);
    await store.close();
  });

  it('revokes a user\'s tokens issued at or before the revocation, by iat', async () => {
    const { store, clock } = await make();
    const atSec = Math.floor(clock.now() / 1000);
    await store.revokeUser({ user: 'alice', revokedAt: clock.now() });
    assert.equal(await store.isRevoked({ user: 'alice', issuedAt: atSec - 10 }), true);
    assert.equal(await store.isRevoked({ user: 'alice', issuedAt: atSec }), true);
    assert.equal(await store.isRevoked({ user: 'alice', issuedAt: atSec + 1 }), false);
    assert.equal(await store.isRevoked({ user: 'alice' }), true, 'a token without iat predates any revocation');
    assert.equal(await store.isRevoked({ user: 'bob', issuedAt: atSec - 10 }), false);
    assert.deepEqual((await store.list()).users.filter((u) => u.user === 'alice'), [{ user: 'alice', revokedAt: clock.now() }]);
    await store.close();
  });

  it('forgets entries once they are older than the max TTL', async () => {
    const s = await make();
    await s.store.revokeTokens([{ tokenId: 'old', reason: '', revokedAt: s.clock.now() }]);
    await s.store.revokeUser({ user: 'carol', revokedAt: s.clock.now() });
    await s.age(30 * 60_000);
    assert.equal(await s.store.isRevoked({ tokenId: 'old', user: '' }), true);
    await s.age(31 * 60_000);
    assert.equal(await s.store.isRevoked({ tokenId: 'old', user: '' }), false);
    assert.equal(await s.store.isRevoked({ user: 'carol', issuedAt: 0 }), false);
    await s.store.close();
  });
}
