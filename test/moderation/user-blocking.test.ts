import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { MemoryModerationStore, UserBlocking, type UserBlock } from '../../src/moderation/index.js';
import { ManualClock } from '../helpers/clock.js';

const log = pino({ level: 'silent' });

/** A memory store that answers `activeBlocks` only when the test lets it. */
class SlowStore extends MemoryModerationStore {
  release: (() => void) | undefined;
  override async activeBlocks(now: number): Promise<UserBlock[]> {
    const blocks = await super.activeBlocks(now);
    await new Promise<void>((resolve) => (this.release = resolve));
    return blocks;
  }
}

describe('user blocking on a node', () => {
  it('checks from memory, lets blocks lapse, and records other nodes\' decisions in a node-local store', async () => {
    const clock = new ManualClock();
    const store = new MemoryModerationStore();
    const blocking = new UserBlocking({ store, clock, log, reloadInterval: 0 });
    await blocking.start();
    await blocking.block({ user: 'a', expireAt: clock.now() + 1000, reason: '', by: 'apikey' });
    assert.equal(blocking.isBlocked('a'), true);
    assert.equal(blocking.isBlocked(''), false, 'anonymous is never blocked');
    clock.t += 1000;
    assert.equal(blocking.isBlocked('a'), false);

    const other: UserBlock = { id: 'x1', user: 'b', reason: 'r', blockedBy: 'jwt:ops', blockedAt: clock.now(), expireAt: 0, liftedAt: 0, liftedBy: '' };
    await blocking.apply({ kind: 'block', block: other }, true);
    assert.equal(blocking.isBlocked('b'), true);
    assert.deepEqual(await store.activeBlocks(clock.now()), [other]);
    await blocking.apply({ kind: 'unblock', user: 'b', by: 'apikey', at: clock.now() + 5 }, true);
    assert.equal(blocking.isBlocked('b'), false);
    assert.deepEqual(await store.activeBlocks(clock.now() + 10), []);
  });

  it('keeps a change that arrives while a reload reads the store', async () => {
    const clock = new ManualClock();
    const store = new SlowStore();
    const blocking = new UserBlocking({ store, clock, log, reloadInterval: 0 });
    const reload = blocking.reload();
    await new Promise((r) => setImmediate(r));
    // The reload read an empty store; this block lands before it replaces the set.
    await blocking.apply({ kind: 'block', block: { id: 'y', user: 'c', reason: '', blockedBy: 'apikey', blockedAt: clock.now(), expireAt: 0, liftedAt: 0, liftedBy: '' } }, false);
    store.release!();
    await reload;
    assert.equal(blocking.isBlocked('c'), true);
  });
});
