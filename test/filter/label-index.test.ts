import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FilterError, LabelIndex, MAX_FILTER_DEPTH, compileFilter, matches, type FilterNode } from '../../src/filter/index.js';
import { seededRandom } from '../helpers/random.js';

const KEYS = ['region', 'tier', 'app_version', 'platform', 'n'];
const VALUES = ['eu', 'us', 'pro', 'free', '1.0.0', '1.1.0', '3.0.0', '10', '9', '', 'desktop'];
const CMPS = ['eq', 'neq', 'in', 'nin', 'ex', 'nex', 'sw', 'ew', 'ct', 'gt', 'gte', 'lt', 'lte'];

function randomLabels(r: () => number): Record<string, string> | undefined {
  if (r() < 0.1) return undefined;
  const out: Record<string, string> = {};
  for (const k of KEYS) if (r() < 0.5) out[k] = VALUES[Math.floor(r() * VALUES.length)]!;
  return out;
}

function randomFilter(r: () => number, depth: number): FilterNode {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  if (depth < 3 && r() < 0.4) {
    const op = pick(['and', 'or', 'not']);
    const n = op === 'not' ? 1 : 1 + Math.floor(r() * 3);
    return { op, nodes: Array.from({ length: n }, () => randomFilter(r, depth + 1)) };
  }
  const cmp = pick(CMPS);
  const leaf: FilterNode = { key: pick(KEYS), cmp };
  if (cmp === 'in' || cmp === 'nin') leaf.vals = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(VALUES));
  else if (cmp !== 'ex' && cmp !== 'nex') leaf.val = pick(VALUES);
  return leaf;
}

describe('LabelIndex', () => {
  it('gives the same answer as a full scan for random labels and filters', () => {
    const r = seededRandom(20261123);
    let indexed = 0;
    for (let round = 0; round < 40; round++) {
      const index = new LabelIndex<number>();
      const items = Array.from({ length: 300 }, () => randomLabels(r));
      items.forEach((labels, i) => index.add(i, labels));
      // Remove some again, as disconnects do, to exercise the clean-up path.
      for (let i = 0; i < items.length; i += 7) {
        index.remove(i, items[i]);
        items[i] = undefined;
      }
      for (let q = 0; q < 50; q++) {
        const node = randomFilter(r, 0);
        const f = compileFilter(node);
        const scan = items.flatMap((labels, i) => (labels !== undefined && i % 7 !== 0 && matches(f, labels) ? [i] : []));
        const selection = index.select(f);
        if (selection) indexed++;
        const pool = selection ? [...selection.items] : items.map((_, i) => i).filter((i) => i % 7 !== 0 && items[i] !== undefined);
        // Only what the index did not prove is evaluated, as the hub's callers do.
        const rest = selection ? selection.rest : f;
        const viaIndex = pool.filter((i) => rest === undefined || matches(rest, items[i])).sort((a, b) => a - b);
        assert.deepEqual(viaIndex, scan, `round ${round} filter ${JSON.stringify(node)}`);
      }
    }
    assert.ok(indexed > 300, `the index served ${indexed} of 2000 filters`);
  });

  it('gives the same answer as a full scan with bitmaps on every posting, through churn and reused slots', () => {
    const r = seededRandom(20261202);
    for (let round = 0; round < 30; round++) {
      // denseMin 1: every posting that is a 32nd of the slots keeps a bitmap, so and-nodes
      // intersect word by word, or check the smallest posting against bitmaps and sets.
      const index = new LabelIndex<number>(1);
      const items: Array<Record<string, string> | undefined> = [];
      const live = new Set<number>();
      for (let step = 0; step < 600; step++) {
        if (live.size > 0 && r() < 0.35) {
          const victims = [...live];
          const i = victims[Math.floor(r() * victims.length)]!;
          index.remove(i, items[i]);
          live.delete(i);
        } else {
          const i = items.length;
          items.push(randomLabels(r));
          index.add(i, items[i]);
          if (items[i]) live.add(i);
        }
      }
      for (let q = 0; q < 50; q++) {
        const node: FilterNode = { op: 'and', nodes: Array.from({ length: 2 + Math.floor(r() * 2) }, () => randomFilter(r, 2)) };
        const f = compileFilter(node);
        const scan = [...live].filter((i) => matches(f, items[i])).sort((a, b) => a - b);
        const selection = index.select(f);
        const pool = selection ? [...selection.items] : [...live];
        for (const i of pool) assert.ok(live.has(i), `round ${round}: a removed item ${i} is a candidate`);
        const rest = selection ? selection.rest : f;
        const viaIndex = pool.filter((i) => rest === undefined || matches(rest, items[i])).sort((a, b) => a - b);
        assert.deepEqual(viaIndex, scan, `round ${round} filter ${JSON.stringify(node)}`);
      }
    }
  });

  it('intersects the indexed branches of an and', () => {
    for (const denseMin of [1, 1024]) {
      const index = new LabelIndex<number>(denseMin);
      for (let i = 0; i < 100; i++) index.add(i, { region: `r${i % 10}`, tier: `t${Math.floor(i / 10) % 10}` });
      const and = compileFilter({ op: 'and', nodes: [{ key: 'region', cmp: 'eq', val: 'r3' }, { key: 'tier', cmp: 'eq', val: 't7' }] });
      const selection = index.select(and)!;
      assert.deepEqual([...selection.items], [73], `denseMin ${denseMin}`);
      assert.equal(selection.rest, undefined, 'eq leaves are exact: nothing is left to evaluate');
    }
  });

  it('intersects the indexed branches of an and, leaves the rest to the caller and not to a scan', () => {
    const index = new LabelIndex<string>();
    index.add('a', { region: 'eu', tier: 'pro' });
    index.add('b', { region: 'eu', tier: 'free' });
    index.add('c', { region: 'us', tier: 'pro' });
    const and = compileFilter({ op: 'and', nodes: [{ key: 'region', cmp: 'eq', val: 'eu' }, { key: 'tier', cmp: 'eq', val: 'pro' }] });
    assert.deepEqual([...index.select(and)!.items], ['a']);
    assert.deepEqual([...index.select(compileFilter({ key: 'tier', cmp: 'in', vals: ['pro', 'gold'] }))!.items].sort(), ['a', 'c']);
    assert.equal(index.select(compileFilter({ op: 'not', nodes: [{ key: 'tier', cmp: 'ex' }] })), undefined);
    assert.equal(index.select(compileFilter({ key: 'tier', cmp: 'sw', val: 'p' })), undefined);
    const withSwNode: FilterNode = { op: 'and', nodes: [{ key: 'region', cmp: 'eq', val: 'eu' }, { key: 'tier', cmp: 'sw', val: 'p' }] };
    const withSw = compileFilter(withSwNode);
    const selection = index.select(withSw)!;
    assert.equal([...selection.items].length, 2, 'a superset: the caller evaluates the rest');
    assert.deepEqual(selection.rest, { kind: 'leaf', key: 'tier', cmp: 'sw', val: 'p', vals: new Set() }, 'the rest is the branch the index cannot answer');
    const orWithSw = compileFilter({ op: 'or', nodes: [{ key: 'region', cmp: 'eq', val: 'us' }, withSwNode] });
    assert.equal(index.select(orWithSw)!.rest, orWithSw, 'an or with an unproven branch is left whole');
    index.remove('a', { region: 'eu', tier: 'pro' });
    assert.equal([...index.select(and)!.items].length, 0);
  });

  it('agrees with a scan on keys only the prototype has', () => {
    const index = new LabelIndex<string>();
    index.add('a', { region: 'eu' });
    for (const key of ['toString', '__proto__', 'constructor']) {
      for (const cmp of ['ex', 'nex', 'neq']) {
        const f = compileFilter(cmp === 'neq' ? { key, cmp, val: 'x' } : { key, cmp });
        const scan = matches(f, { region: 'eu' }) ? ['a'] : [];
        const selection = index.select(f);
        const viaIndex = selection ? [...selection.items].filter(() => selection.rest === undefined || matches(selection.rest, { region: 'eu' })) : scan;
        assert.deepEqual(viaIndex, scan, `${key} ${cmp}`);
        assert.equal(matches(f, { region: 'eu' }), cmp !== 'ex', `${key} ${cmp}: not a label`);
      }
    }
  });
});

describe('compileFilter', () => {
  const refused = (node: unknown, message: RegExp) => assert.throws(() => compileFilter(node), (e: unknown) => e instanceof FilterError && message.test(e.message));

  it('names the bad node', () => {
    refused({ op: 'xor', nodes: [] }, /^filter: unknown op "xor"/);
    refused({ op: 'and', nodes: [{ key: 'a', cmp: 'eq', val: 'x' }, { cmp: 'eq', val: 'x' }] }, /^nodes\[1\]: leaf without key/);
    refused({ key: 'a', cmp: 'like', val: 'x' }, /unknown cmp "like"/);
    refused({ key: 'a', cmp: 'in' }, /"in" needs vals/);
    refused({ key: 'a', cmp: 'eq' }, /"eq" needs val/);
    refused({ key: 'a', cmp: 'in', vals: [1] }, /vals: expected an array of strings/);
    refused({ op: 'not', nodes: [] }, /"not" needs exactly one node/);
    refused('region=eu', /expected an object/);
  });

  it('refuses nesting beyond the limit without exhausting the stack', () => {
    let node: FilterNode = { key: 'a', cmp: 'ex' };
    for (let i = 0; i < 100_000; i++) node = { op: 'not', nodes: [node] };
    refused(node, new RegExp(`nested deeper than ${MAX_FILTER_DEPTH}`));
  });

  it('compares numbers numerically and versions as strings', () => {
    const f = (cmp: string, val: string) => compileFilter({ key: 'v', cmp, val });
    assert.ok(matches(f('gt', '9'), { v: '10' }));
    assert.ok(matches(f('lt', '3.0.0'), { v: '10.0.0' }), 'dotted versions compare as strings');
  });
});
