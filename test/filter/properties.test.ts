import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileFilter, matches, type FilterNode } from '../../src/filter/index.js';
import { checkProperty } from '../helpers/property.js';

/**
 * Filters against a reference evaluator written from the documented semantics (README,
 * architecture.md), over the raw FilterNode rather than the compiled form, so a wrong
 * operator, a wrong missing-key rule or a wrong ordering shows as a counterexample.
 */

type Labels = Record<string, string> | undefined;

const KEYS = ['a', 'b', 'c'];
// Small alphabets so that prefixes, suffixes, equal values and numbers collide often.
const VALUES = ['', 'x', 'xy', 'yx', 'xyx', '1', '2', '10', '-1', '1.5', '01', '1.0.0', '9'];

const isNumber = (s: string): boolean => /^-?[0-9]+(\.[0-9]+)?$/.test(s);

/** -1/0/1: numbers by value when both sides are numbers, otherwise by UTF-16 code units. */
function compare(a: string, b: string): number {
  if (isNumber(a) && isNumber(b)) return Math.sign(parseFloat(a) - parseFloat(b));
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return Math.sign(d);
  }
  return Math.sign(a.length - b.length);
}

/** Whether `s` holds `part` at some position (the empty string is held everywhere). */
function contains(s: string, part: string): boolean {
  for (let i = 0; i + part.length <= s.length; i++) if (s.slice(i, i + part.length) === part) return true;
  return false;
}

function reference(node: FilterNode, labels: Labels): boolean {
  const kids = node.nodes ?? [];
  if (node.op === 'and') return kids.reduce<boolean>((acc, n) => reference(n, labels) && acc, true);
  if (node.op === 'or') return kids.reduce<boolean>((acc, n) => reference(n, labels) || acc, false);
  if (node.op === 'not') return !reference(kids[0]!, labels);
  const present = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, node.key!);
  const v = present ? labels![node.key!]! : undefined;
  const val = node.val ?? '';
  const vals = node.vals ?? [];
  switch (node.cmp) {
    case 'ex': return present;
    case 'nex': return !present;
    case 'eq': return present && v === val;
    case 'neq': return !present || v !== val;
    // Centrifugo reads a missing key as the empty string for set membership.
    case 'in': return vals.indexOf(v ?? '') >= 0;
    case 'nin': return vals.indexOf(v ?? '') < 0;
    case 'sw': return present && v!.slice(0, val.length) === val;
    case 'ew': return present && v!.length >= val.length && v!.slice(v!.length - val.length) === val;
    case 'ct': return present && contains(v!, val);
    case 'gt': return present && compare(v!, val) > 0;
    case 'gte': return present && compare(v!, val) >= 0;
    case 'lt': return present && compare(v!, val) < 0;
    case 'lte': return present && compare(v!, val) <= 0;
    default: throw new Error(`reference: unknown cmp ${String(node.cmp)}`);
  }
}

const value = fc.constantFrom(...VALUES);
const key = fc.constantFrom(...KEYS);

const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
  fc.record({ key, cmp: fc.constantFrom('ex', 'nex') }),
  fc.record({ key, cmp: fc.constantFrom('in', 'nin'), vals: fc.array(value, { minLength: 1, maxLength: 3 }) }),
  fc.record({ key, cmp: fc.constantFrom('eq', 'neq', 'sw', 'ew', 'ct', 'gt', 'gte', 'lt', 'lte'), val: value }),
);

const filter: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ op: fc.constantFrom('and', 'or'), nodes: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ op: fc.constant('not'), nodes: fc.tuple(tie('node')).map((t) => [...t]) }),
  ),
})).node;

const labels: fc.Arbitrary<Labels> = fc.option(fc.dictionary(key, value, { maxKeys: 3 }), { nil: undefined, freq: 8 });

describe('filter properties', () => {
  it('matches() agrees with the reference evaluator', () =>
    checkProperty(
      fc.property(filter, labels, (node, l) => {
        assert.equal(matches(compileFilter(node), l), reference(node, l), JSON.stringify({ node, labels: l }));
      }),
      2000,
    ));

  it('every comparison is decided on every kind of value (leaf by leaf)', () =>
    checkProperty(
      fc.property(leaf, labels, (node, l) => {
        assert.equal(matches(compileFilter(node), l), reference(node, l), JSON.stringify({ node, labels: l }));
      }),
      3000,
    ));

  it('not(not f) is f, and De Morgan holds', () =>
    checkProperty(
      fc.property(filter, filter, labels, (f, g, l) => {
        const m = (n: FilterNode): boolean => matches(compileFilter(n), l);
        assert.equal(m({ op: 'not', nodes: [{ op: 'not', nodes: [f] }] }), m(f));
        assert.equal(m({ op: 'not', nodes: [{ op: 'and', nodes: [f, g] }] }), m({ op: 'or', nodes: [{ op: 'not', nodes: [f] }, { op: 'not', nodes: [g] }] }));
      }),
      1000,
    ));

  it('a filter survives a JSON round trip unchanged in meaning', () =>
    checkProperty(
      fc.property(filter, labels, (node, l) => {
        const again = JSON.parse(JSON.stringify(node)) as unknown;
        assert.equal(matches(compileFilter(again), l), matches(compileFilter(node), l));
      }),
    ));
});
