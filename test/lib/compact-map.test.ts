import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompactMap } from '../../src/lib/index.js';

describe('CompactMap', () => {
  it('behaves as a Map through one entry, many, and back to none', () => {
    const m = new CompactMap<string, number>();
    assert.equal(m.size, 0);
    assert.equal(m.get('a'), undefined);
    assert.deepEqual([...m.keys()], []);
    m.set('a', 1);
    m.set('a', 2);
    assert.equal(m.size, 1);
    assert.equal(m.get('a'), 2);
    assert.equal(m.has('b'), false);
    m.set('b', 3).set('c', 4);
    assert.equal(m.size, 3);
    assert.deepEqual([...m.keys()], ['a', 'b', 'c']);
    assert.deepEqual([...m.values()], [2, 3, 4]);
    assert.equal(m.delete('b'), true);
    assert.equal(m.delete('b'), false);
    assert.deepEqual([...m.keys()], ['a', 'c']);
    m.delete('a');
    m.delete('c');
    assert.equal(m.size, 0);
    m.set('d', 5);
    assert.deepEqual([...m.values()], [5]);
    m.clear();
    assert.equal(m.size, 0);
    assert.equal(m.has('d'), false);
  });

  it('keeps an undefined key and value apart from emptiness', () => {
    const m = new CompactMap<string | undefined, number | undefined>();
    m.set(undefined, undefined);
    assert.equal(m.size, 1);
    assert.equal(m.has(undefined), true);
    assert.deepEqual([...m.keys()], [undefined]);
  });

  it('lets entries be deleted while iterating its keys', () => {
    for (const count of [1, 3]) {
      const m = new CompactMap<number, number>();
      for (let i = 0; i < count; i++) m.set(i, i);
      const seen: number[] = [];
      for (const k of m.keys()) {
        seen.push(k);
        m.delete(k);
      }
      assert.deepEqual(seen, [...Array(count).keys()]);
      assert.equal(m.size, 0);
    }
  });
});
