import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockSet } from '../../src/moderation/index.js';

describe('block set', () => {
  it('answers blocks as added, lapsed, removed and replaced, past its filter rebuilds', () => {
    const set = new BlockSet();
    for (let i = 0; i < 50_000; i++) set.add(`u${i}`, i % 2 === 0 ? 0 : 1000);
    assert.equal(set.size, 50_000);
    assert.deepEqual([set.has('u0', 500), set.has('u1', 500), set.has('u1', 1000), set.has('nobody', 0), set.has('', 0)], [true, true, false, false, false]);
    // Removing more than are left rebuilds the filter; what is left still answers.
    for (let i = 0; i < 40_000; i++) set.delete(`u${i}`);
    assert.deepEqual([set.has('u1', 0), set.has('u39999', 0), set.has('u40000', 0), set.has('u40001', 0)], [false, false, true, true]);
    set.prune(2000);
    assert.equal(set.size, 5_000, 'the lapsed half went');
    assert.equal(set.has('u40001', 0), false);
    set.replace([{ user: 'solo', expireAt: 0 }]);
    assert.deepEqual([set.size, set.has('solo', 0), set.has('u40000', 0)], [1, true, false]);
  });
});
