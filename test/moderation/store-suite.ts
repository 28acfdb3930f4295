import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ModerationStore, UserBlock } from '../../src/moderation/index.js';

const T0 = 1_700_000_000_000;
let seq = 0;

/** A block at `at` (ms after T0) with a sortable id, the way UserBlocking makes them. */
function block(user: string, at: number, extra: Partial<UserBlock> = {}): UserBlock {
  seq++;
  return { id: `${String(T0 + at).padStart(15, '0')}-${String(seq).padStart(6, '0')}`, user, reason: '', blockedBy: 'apikey', blockedAt: T0 + at, expireAt: 0, liftedAt: 0, liftedBy: '', ...extra };
}

/**
 * What every ModerationStore must do, run against memory, Redis and PostgreSQL. `make`
 * gives a fresh, empty store (a new key prefix or schema); times are passed in, never read.
 */
export function runModerationStoreSuite(make: () => Promise<ModerationStore>): void {
  it('blocks, lists in force, and lifts with who and when', async () => {
    const store = await make();
    const a = block('alice', 0, { reason: 'spam', blockedBy: 'jwt:ops' });
    await store.block(a);
    await store.block(block('bob', 10, { expireAt: T0 + 60_000 }));
    assert.deepEqual((await store.activeBlocks(T0 + 20)).map((b) => b.user).sort(), ['alice', 'bob']);
    const page = await store.listBlocks({ user: '', history: false, limit: 10, cursor: '', now: T0 + 20 });
    assert.deepEqual(page.blocks.map((b) => b.user), ['bob', 'alice'], 'newest first');
    assert.deepEqual(page.blocks[1], a);
    assert.equal(page.nextCursor, '');

    const lifted = await store.unblock('alice', 'apikey', T0 + 30);
    assert.deepEqual(lifted, { ...a, liftedAt: T0 + 30, liftedBy: 'apikey' });
    assert.equal(await store.unblock('alice', 'apikey', T0 + 40), undefined, 'not blocked any more');
    assert.deepEqual((await store.activeBlocks(T0 + 50)).map((b) => b.user), ['bob']);
    const history = await store.listBlocks({ user: 'alice', history: true, limit: 10, cursor: '', now: T0 + 50 });
    assert.deepEqual(history.blocks, [{ ...a, liftedAt: T0 + 30, liftedBy: 'apikey' }]);
    await store.close();
  });

  it('lets a block lapse at its expiry, and keeps it in the history unlifted', async () => {
    const store = await make();
    const b = block('carol', 0, { expireAt: T0 + 1000 });
    await store.block(b);
    assert.equal((await store.activeBlocks(T0 + 999)).length, 1);
    assert.deepEqual(await store.activeBlocks(T0 + 1000), []);
    assert.deepEqual((await store.listBlocks({ user: '', history: false, limit: 10, cursor: '', now: T0 + 1000 })).blocks, []);
    assert.equal(await store.unblock('carol', 'apikey', T0 + 2000), undefined, 'a lapsed block is not lifted');
    assert.deepEqual((await store.listBlocks({ user: 'carol', history: true, limit: 10, cursor: '', now: T0 + 2000 })).blocks, [b]);
    await store.close();
  });

  it('lifts a block in force when the user is blocked again', async () => {
    const store = await make();
    const first = block('dave', 0, { reason: 'first' });
    const second = block('dave', 100, { reason: 'second', blockedBy: 'jwt:mod' });
    await store.block(first);
    await store.block(second);
    await store.block(second); // the same block again (a notice replayed) changes nothing
    assert.deepEqual(await store.activeBlocks(T0 + 200), [second]);
    const history = await store.listBlocks({ user: 'dave', history: true, limit: 10, cursor: '', now: T0 + 200 });
    assert.deepEqual(history.blocks, [second, { ...first, liftedAt: T0 + 100, liftedBy: 'jwt:mod' }]);
    await store.close();
  });

  it('pages listings with a cursor, filtered by user', async () => {
    const store = await make();
    const made: UserBlock[] = [];
    for (let i = 0; i < 7; i++) {
      const b = block(`u${i % 2}`, i * 10);
      made.push(b);
      await store.block(b);
      if (i % 2 === 0) await store.unblock(b.user, 'apikey', T0 + i * 10 + 1);
    }
    const seen: string[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const page = await store.listBlocks({ user: '', history: true, limit: 3, cursor, now: T0 + 100 });
      seen.push(...page.blocks.map((b) => b.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== '');
    assert.deepEqual(seen, made.map((b) => b.id).reverse());
    assert.equal(pages, 3);
    const u1 = await store.listBlocks({ user: 'u1', history: true, limit: 2, cursor: '', now: T0 + 100 });
    assert.deepEqual(u1.blocks.map((b) => b.id), [made[5]!.id, made[3]!.id]);
    const rest = await store.listBlocks({ user: 'u1', history: true, limit: 2, cursor: u1.nextCursor, now: T0 + 100 });
    assert.deepEqual(rest.blocks.map((b) => b.id), [made[1]!.id]);
    assert.equal(rest.nextCursor, '');
    // In force: u1's newest only (u0's were lifted, and each u1 block lifted the one before).
    assert.deepEqual((await store.listBlocks({ user: '', history: false, limit: 10, cursor: '', now: T0 + 100 })).blocks.map((b) => b.id), [made[5]!.id]);
    await assert.rejects(store.listBlocks({ user: '', history: true, limit: 3, cursor: 'nonsense', now: T0 }), { code: 'PARSEC_BAD_CURSOR' });
    await store.close();
  });

  it('stores rate-limit overrides, the last write winning', async () => {
    const store = await make();
    assert.equal(await store.rateLimits(), undefined);
    const settings = { client_command: { enabled: true, publish: { enabled: true, buckets: [{ interval: '1s', rate: 2 }] } } };
    await store.setRateLimits({ settings, updatedAt: T0, updatedBy: 'apikey' });
    assert.deepEqual(await store.rateLimits(), { settings, updatedAt: T0, updatedBy: 'apikey' });
    await store.setRateLimits({ settings: {}, updatedAt: T0 + 5, updatedBy: 'jwt:ops' });
    assert.deepEqual(await store.rateLimits(), { settings: {}, updatedAt: T0 + 5, updatedBy: 'jwt:ops' });
    await store.close();
  });
}
