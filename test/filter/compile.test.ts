import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FilterError, MAX_FILTER_DEPTH, MAX_FILTER_NODES, compileFilter, matches, type FilterNode } from '../../src/filter/index.js';

/**
 * The limits and shape rules of compileFilter at their exact boundaries, and the message
 * each refusal gives (a caller sees it in the 107 error): the cases mutation testing
 * showed no test held.
 */

const refused = (node: unknown, message: RegExp): void =>
  assert.throws(() => compileFilter(node), (e: unknown) => e instanceof FilterError && e.code === 'PARSEC_BAD_FILTER' && e.name === 'FilterError' && message.test(e.message));

const leaf: FilterNode = { key: 'a', cmp: 'ex' };

/** `depth` levels of `op` above one leaf. */
function nested(op: 'and' | 'or' | 'not', depth: number): FilterNode {
  let node = leaf;
  for (let i = 0; i < depth; i++) node = { op, nodes: [node] };
  return node;
}

describe('compileFilter limits', () => {
  for (const op of ['and', 'or', 'not'] as const) {
    it(`takes ${op} nested exactly ${MAX_FILTER_DEPTH} deep and refuses one more`, () => {
      assert.ok(matches(compileFilter(nested(op, MAX_FILTER_DEPTH)), { a: '1' }) === (op !== 'not' || MAX_FILTER_DEPTH % 2 === 0));
      refused(nested(op, MAX_FILTER_DEPTH + 1), new RegExp(`^(nodes\\[0\\]\\.){${MAX_FILTER_DEPTH}}nodes\\[0\\]: nested deeper than ${MAX_FILTER_DEPTH}$`));
    });
  }

  it(`takes ${MAX_FILTER_NODES} nodes and refuses ${MAX_FILTER_NODES + 1}`, () => {
    const wide = (n: number): FilterNode => ({ op: 'or', nodes: Array.from({ length: n - 1 }, (_, i) => ({ key: 'a', cmp: 'eq', val: String(i) })) });
    assert.ok(matches(compileFilter(wide(MAX_FILTER_NODES)), { a: '7' }));
    refused(wide(MAX_FILTER_NODES + 1), new RegExp(`^filter has more than ${MAX_FILTER_NODES} nodes$`));
  });
});

describe('compileFilter shapes', () => {
  it('refuses and/or without nodes, naming the op', () => {
    refused({ op: 'and', nodes: [] }, /^filter: "and" needs nodes$/);
    refused({ op: 'or' }, /^filter: "or" needs nodes$/);
    refused({ op: 'or', nodes: null }, /^filter: "or" needs nodes$/);
  });

  it('names nested paths with dots', () => {
    refused({ op: 'and', nodes: [leaf, { op: 'or', nodes: [leaf, { key: 'b' }] }] }, /^nodes\[1\]\.nodes\[1\]: unknown cmp ""$/);
  });

  it('reads null and "" as absent, and refuses other non-strings with the field named', () => {
    assert.ok(matches(compileFilter({ op: null, key: 'a', cmp: 'ex', val: null, vals: null }), { a: 'x' }));
    assert.ok(matches(compileFilter({ op: '', key: 'a', cmp: 'ex' }), { a: 'x' }));
    refused({ key: 'a', cmp: 'eq', val: null }, /^filter: "eq" needs val$/);
    refused({ key: 'a', cmp: 'eq', val: 5 }, /^filter\.val: expected a string$/);
    refused({ key: 7, cmp: 'ex' }, /^filter\.key: expected a string$/);
    refused({ op: 'and', nodes: 'x' }, /^filter\.nodes: expected an array$/);
    refused(null, /^filter: expected an object$/);
    refused([leaf], /^filter: expected an object$/);
    refused({ key: 'a', cmp: 5 }, /^filter\.cmp: expected a string$/);
  });

  it('an eq leaf whose val is "" compares with the empty string', () => {
    const f = compileFilter({ key: 'a', cmp: 'eq', val: '' });
    assert.equal(matches(f, { a: '' }), true);
    assert.equal(matches(f, { a: 'x' }), false);
    assert.equal(matches(f, {}), false);
  });
});
