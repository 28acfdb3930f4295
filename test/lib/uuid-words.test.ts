import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newClientId, StringCache, uuidText, uuidWords } from '../../src/lib/index.js';

describe('uuid words', () => {
  it('reads a client id as four words and gives the same text back', () => {
    const words = new Uint32Array(8);
    for (let i = 0; i < 1000; i++) {
      const id = newClientId();
      assert.equal(uuidWords(id, words, 4), true);
      assert.equal(uuidText(words, 4), id);
    }
    assert.equal(uuidWords('00000000-0000-4000-8000-000000000000', words, 0), true);
    assert.equal(uuidText(words, 0), '00000000-0000-4000-8000-000000000000');
    assert.equal(uuidWords('ffffffff-ffff-ffff-ffff-ffffffffffff', words, 0), true);
    assert.deepEqual([...words.subarray(0, 4)], [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
  });

  it('refuses any other text, uppercase digits included (they would not come back the same)', () => {
    const words = new Uint32Array(4);
    for (const id of ['', 'mqtt-client-1', '0123456789abcdef0123456789abcdef0123', 'ABCDEF01-0000-4000-8000-000000000000', '0000000g-0000-4000-8000-000000000000', '00000000-0000-4000-8000-00000000000é', '00000000_0000-4000-8000-000000000000']) {
      assert.equal(uuidWords(id, words, 0), false, id);
    }
  });
});

describe('string cache', () => {
  it('gives back the copy it kept of an equal string, and keeps a new value in place of another', () => {
    const cache = new StringCache(2);
    const first = ['user', '-42'].join('');
    const again = ['user-', '42'].join('');
    assert.equal(cache.same(first), first);
    assert.equal(cache.same(again), first);
    for (let i = 0; i < 50; i++) cache.same(`other-${i}`);
    assert.equal(cache.same(again), again, 'pushed out: the new copy is kept');
  });
});
