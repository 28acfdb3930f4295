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

  it('lists newest first, tokens and users alike', async () => {
    const { store, clock } = await make();
    const t0 = clock.now();
    await store.revokeTokens([
      { tokenId: 'o-mid', reason: 'b', revokedAt: t0 - 2000 },
      { tokenId: 'o-new', reason: 'a', revokedAt: t0 - 1000 },
      { tokenId: 'o-old', reason: 'c', revokedAt: t0 - 3000 },
    ]);
    await store.revokeUser({ user: 'o-u1', revokedAt: t0 - 3000 });
    await store.revokeUser({ user: 'o-u2', revokedAt: t0 - 1000 });
    await store.revokeUser({ user: 'o-u3', revokedAt: t0 - 2000 });
    const { tokens, users } = await store.list();
    assert.deepEqual(tokens.map((t) => t.tokenId).filter((id) => id.startsWith('o-')), ['o-new', 'o-mid', 'o-old']);
    assert.deepEqual(users.map((u) => u.user).filter((u) => u.startsWith('o-')), ['o-u2', 'o-u3', 'o-u1']);
    await store.close();
  });

  it('keeps the later of two user revocations, whatever order they arrive in', async () => {
    const { store, clock } = await make();
    const t0 = clock.now();
    const atSec = Math.floor(t0 / 1000);
    await store.revokeUser({ user: 'later', revokedAt: t0 });
    await store.revokeUser({ user: 'later', revokedAt: t0 - 60_000 });
    assert.equal(await store.isRevoked({ user: 'later', issuedAt: atSec - 30 }), true, 'a token issued between the two is still revoked');
    assert.deepEqual((await store.list()).users.filter((u) => u.user === 'later'), [{ user: 'later', revokedAt: t0 }]);
    await store.revokeUser({ user: 'later', revokedAt: t0 + 1000 });
    assert.deepEqual((await store.list()).users.filter((u) => u.user === 'later'), [{ user: 'later', revokedAt: t0 + 1000 }]);
    await store.close();
  });

  it('refreshes reason and time when a token id is revoked again', async () => {
    const { store, clock } = await make();
    await store.revokeTokens([{ tokenId: 'again', reason: 'first', revokedAt: clock.now() - 5000 }]);
    await store.revokeTokens([{ tokenId: 'again', reason: 'second', revokedAt: clock.now() }]);
    assert.deepEqual((await store.list()).tokens.filter((t) => t.tokenId === 'again'), [{ tokenId: 'again', reason: 'second', revokedAt: clock.now() }]);
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
