import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BucketArray, BucketsByKey } from '../../src/lib/index.js';
import { ManualClock } from '../helpers/clock.js';

describe('token buckets', () => {
  it('start full, refill at rate per interval, and take from all slots or none', () => {
    const clock = new ManualClock();
    const b = new BucketArray([
      { interval: 1000, rate: 2 },
      { interval: 60_000, rate: 3 },
    ]);
    const now = clock.now();
    assert.deepEqual([b.take([0, 1], now), b.take([0, 1], now)], [0, 0]);
    assert.equal(b.take([0, 1], now), 500, 'slot 0 has a token again in 500 ms');
    assert.equal(b.left([1], now), 1, 'a refused take charged nothing');
    assert.equal(b.take([0, 1], now + 500), 0);
    // Slot 1 is the emptiest: 0.1 of a token after 2 s (0.025 left at 500 ms, refilled 3 per minute since).
    assert.ok(Math.abs(b.take([0, 1], now + 2000) - 18_000) <= 1);
    assert.equal(b.take([0], now + 2000, 2), 0, 'a score takes that many');
  });

  it('hold rate + burst at most, still refilling at rate per interval', () => {
    const b = new BucketArray([{ interval: 1000, rate: 2, burst: 1 }]);
    const now = 1_000_000;
    assert.deepEqual([0, 0, 0].map(() => b.take([0], now)), [0, 0, 0], 'rate + burst at once');
    assert.equal(b.take([0], now), 500, 'then one token per 500 ms');
    assert.equal(b.left([0], now + 60_000), 3, 'never more than rate + burst');
  });

  it('refill nothing when the clock steps back', () => {
    const b = new BucketArray([{ interval: 1000, rate: 1 }]);
    assert.equal(b.take([0], 10_000), 0);
    assert.equal(b.take([0], 9_000), 1000, 'still empty, not below');
    assert.equal(b.take([0], 11_000), 0);
  });

  it('by key: one owner per key, the longest unused forgotten past the bound', () => {
    const byKey = new BucketsByKey(2);
    const specs = [{ interval: 60_000, rate: 1 }];
    const now = 1_000_000;
    assert.equal(byKey.get('a', specs).take([0], now), 0);
    assert.equal(byKey.get('b', specs).take([0], now), 0);
    assert.ok(byKey.get('a', specs).take([0], now) > 0, 'a is empty (and now the most recent)');
    assert.equal(byKey.get('c', specs).take([0], now), 0, 'c pushes out b, the longest unused');
    assert.ok(byKey.get('a', specs).take([0], now) > 0, 'a is still remembered');
    assert.equal(byKey.get('b', specs).take([0], now), 0, 'b was forgotten: full again');
  });
});
