import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedMap, DroppingBuffer, RecentKeys } from '../../src/lib/index.js';

describe('bounded map', () => {
  it('keeps at most its bound, dropping the oldest half at once; reads and updates move nothing', () => {
    const m = new BoundedMap<number>(4);
    for (const k of ['a', 'b', 'c', 'd']) m.set(k, 1);
    m.set('a', 2); // an update in place: a stays among the oldest
    assert.equal(m.get('a'), 2);
    m.set('e', 1); // young (c, d) is full: it becomes the old one, a and b go
    assert.deepEqual([...m.entries()].map(([k]) => k), ['c', 'd', 'e']);
    assert.equal(m.delete('d'), true);
    assert.equal(m.delete('d'), false);
    assert.deepEqual([...m.values()], [1, 1]);
    for (let i = 0; i < 1000; i++) {
      m.set(`k${i}`, i);
      assert.ok(m.size <= 4);
    }
  });
});

describe('recent keys', () => {
  it('bounded, a key in use kept, the unused ones dropped a generation at a time', () => {
    const keys = new RecentKeys<number>(4);
    for (const k of ['a', 'b']) keys.set(k, 1);
    keys.set('c', 1); // the young generation (a, b) is full: it becomes the old one
    assert.equal(keys.get('a'), 1, 'found in the old generation, moved to the young one');
    keys.set('d', 1); // young (c, a) is full: it becomes old; b is dropped
    assert.equal(keys.get('b'), undefined);
    assert.equal(keys.size, 3);
    for (let i = 0; i < 100; i++) {
      if (keys.get('a') === undefined) assert.fail('a, used all along, was forgotten');
      keys.set(`k${i}`, i);
      assert.ok(keys.size <= 4);
    }
  });
});

describe('dropping buffer', () => {
  it('holds at most its bound, dropping the oldest for each new item past it, and drains oldest first', () => {
    const b = new DroppingBuffer<number>(3);
    assert.deepEqual([1, 2, 3].map((n) => b.push(n)), [false, false, false]);
    assert.deepEqual([4, 5, 6, 7].map((n) => b.push(n)), [true, true, true, true]);
    assert.equal(b.length, 3);
    assert.deepEqual(b.drain(), [5, 6, 7]);
    assert.deepEqual(b.drain(), []);
    for (let i = 0; i < 100; i++) b.push(i);
    assert.deepEqual(b.drain(), [97, 98, 99]);
  });
});
