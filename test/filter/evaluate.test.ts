import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter, matches, type FilterNode } from '../../src/filter/index.js';

/**
 * Each comparison against a hand-written truth table: the answers are those of
 * Centrifugo's FilterNode evaluation (centrifuge internal/filter `Match`), so a wrong
 * operator fails here even where the label index and `matches()` agree with each other.
 * A missing key reads as absent, never as an empty value.
 */

type Labels = Record<string, string> | undefined;

interface Row {
  filter: FilterNode;
  labels: Labels;
  want: boolean;
}

const leaf = (cmp: string, arg?: string | string[]): FilterNode =>
  arg === undefined ? { key: 'k', cmp } : Array.isArray(arg) ? { key: 'k', cmp, vals: arg } : { key: 'k', cmp, val: arg };

const has = (v: string): Labels => ({ k: v, other: 'x' });
const MISSING: Labels = { other: 'x' };
const NONE: Labels = undefined;

function show(r: Row): string {
  const f = r.filter;
  const arg = f.vals ? JSON.stringify(f.vals) : f.val !== undefined ? JSON.stringify(f.val) : '';
  const what = f.op ? JSON.stringify(f) : `${f.cmp} ${arg}`.trim();
  const on = r.labels === undefined ? 'no labels' : r.labels.k === undefined ? 'k missing' : `k=${JSON.stringify(r.labels.k)}`;
  return `${what} on ${on} is ${r.want}`;
}

function table(name: string, rows: Row[]): void {
  describe(name, () => {
    for (const r of rows) {
      it(show(r), () => {
        assert.equal(matches(compileFilter(r.filter), r.labels), r.want);
      });
    }
  });
}

const row = (filter: FilterNode, labels: Labels, want: boolean): Row => ({ filter, labels, want });

table('eq', [
  row(leaf('eq', 'pro'), has('pro'), true),
  row(leaf('eq', 'pro'), has('free'), false),
  row(leaf('eq', 'pro'), has('Pro'), false),
  row(leaf('eq', 'pro'), has('pro '), false),
  // eq compares text: equal numbers written differently are different values.
  row(leaf('eq', '1.0'), has('1'), false),
  row(leaf('eq', 'pro'), MISSING, false),
  row(leaf('eq', 'pro'), NONE, false),
]);

table('neq', [
  row(leaf('neq', 'pro'), has('pro'), false),
  row(leaf('neq', 'pro'), has('free'), true),
  row(leaf('neq', 'pro'), has(''), true),
  row(leaf('neq', 'pro'), MISSING, true),
  row(leaf('neq', 'pro'), NONE, true),
]);

table('in', [
  row(leaf('in', ['pro', 'free']), has('pro'), true),
  row(leaf('in', ['pro', 'free']), has('free'), true),
  row(leaf('in', ['pro', 'free']), has('basic'), false),
  row(leaf('in', ['pro', 'free']), has('pr'), false),
  row(leaf('in', ['pro', 'free']), MISSING, false),
  row(leaf('in', ['pro', 'free']), NONE, false),
]);

table('nin', [
  row(leaf('nin', ['pro', 'free']), has('pro'), false),
  row(leaf('nin', ['pro', 'free']), has('free'), false),
  row(leaf('nin', ['pro', 'free']), has('basic'), true),
  row(leaf('nin', ['pro', 'free']), MISSING, true),
  row(leaf('nin', ['pro', 'free']), NONE, true),
]);

table('ex', [
  row(leaf('ex'), has('pro'), true),
  // An empty value is still a present key.
  row(leaf('ex'), has(''), true),
  row(leaf('ex'), MISSING, false),
  row(leaf('ex'), NONE, false),
]);

table('nex', [
  row(leaf('nex'), has('pro'), false),
  row(leaf('nex'), has(''), false),
  row(leaf('nex'), MISSING, true),
  row(leaf('nex'), NONE, true),
]);

table('sw', [
  row(leaf('sw', 'pr'), has('pro'), true),
  row(leaf('sw', 'pr'), has('pr'), true),
  row(leaf('sw', 'pr'), has('apro'), false),
  row(leaf('sw', 'ro'), has('pro'), false),
  row(leaf('sw', 'pr'), MISSING, false),
  row(leaf('sw', 'pr'), NONE, false),
]);

table('ew', [
  row(leaf('ew', 'ro'), has('pro'), true),
  row(leaf('ew', 'ro'), has('ro'), true),
  row(leaf('ew', 'ro'), has('rope'), false),
  row(leaf('ew', 'pr'), has('pro'), false),
  row(leaf('ew', 'ro'), MISSING, false),
  row(leaf('ew', 'ro'), NONE, false),
]);

table('ct', [
  row(leaf('ct', 'r'), has('pro'), true),
  row(leaf('ct', 'pr'), has('pro'), true),
  row(leaf('ct', 'ro'), has('pro'), true),
  row(leaf('ct', 'pro'), has('pro'), true),
  row(leaf('ct', 'or'), has('pro'), false),
  row(leaf('ct', 'pros'), has('pro'), false),
  row(leaf('ct', 'r'), MISSING, false),
  row(leaf('ct', 'r'), NONE, false),
]);

table('gt', [
  // Numeric order: as text, "10" sorts before "9".
  row(leaf('gt', '9'), has('10'), true),
  row(leaf('gt', '9'), has('9'), false),
  row(leaf('gt', '9'), has('9.0'), false),
  row(leaf('gt', '9'), has('8.5'), false),
  row(leaf('gt', '9'), has('9.01'), true),
  row(leaf('gt', '-1'), has('0'), true),
  row(leaf('gt', '-1'), has('-2'), false),
  row(leaf('gt', '9'), MISSING, false),
  row(leaf('gt', '9'), NONE, false),
]);

table('gte', [
  row(leaf('gte', '9'), has('9'), true),
  row(leaf('gte', '9'), has('9.0'), true),
  row(leaf('gte', '9'), has('10'), true),
  row(leaf('gte', '9'), has('8.99'), false),
  row(leaf('gte', '-1.5'), has('-1.5'), true),
  row(leaf('gte', '9'), MISSING, false),
  row(leaf('gte', '9'), NONE, false),
]);

table('lt', [
  row(leaf('lt', '10'), has('9'), true),
  row(leaf('lt', '10'), has('10'), false),
  row(leaf('lt', '10'), has('10.0'), false),
  row(leaf('lt', '10'), has('11'), false),
  row(leaf('lt', '10'), has('100'), false),
  row(leaf('lt', '-1.5'), has('-2'), true),
  row(leaf('lt', '10'), MISSING, false),
  row(leaf('lt', '10'), NONE, false),
]);

table('lte', [
  row(leaf('lte', '10'), has('10'), true),
  row(leaf('lte', '10'), has('10.00'), true),
  row(leaf('lte', '10'), has('9'), true),
  row(leaf('lte', '10'), has('11'), false),
  row(leaf('lte', '10'), has('100'), false),
  row(leaf('lte', '10'), MISSING, false),
  row(leaf('lte', '10'), NONE, false),
]);

const A: FilterNode = { key: 'a', cmp: 'ex' };
const B: FilterNode = { key: 'b', cmp: 'ex' };
const C: FilterNode = { key: 'c', cmp: 'ex' };
const both: Labels = { a: '1', b: '1' };
const onlyA: Labels = { a: '1' };
const onlyB: Labels = { b: '1' };
const neither: Labels = {};

describe('and, or, not', () => {
  const cases: Array<[string, FilterNode, Labels, boolean]> = [
    ['and of two, both hold', { op: 'and', nodes: [A, B] }, both, true],
    ['and of two, first fails', { op: 'and', nodes: [A, B] }, onlyB, false],
    ['and of two, second fails', { op: 'and', nodes: [A, B] }, onlyA, false],
    ['and of two, neither', { op: 'and', nodes: [A, B] }, neither, false],
    ['and of one', { op: 'and', nodes: [A] }, onlyA, true],
    ['and of three, third fails', { op: 'and', nodes: [A, B, C] }, both, false],
    ['or of two, both hold', { op: 'or', nodes: [A, B] }, both, true],
    ['or of two, only first', { op: 'or', nodes: [A, B] }, onlyA, true],
    ['or of two, only second', { op: 'or', nodes: [A, B] }, onlyB, true],
    ['or of two, neither', { op: 'or', nodes: [A, B] }, neither, false],
    ['or of three, only last', { op: 'or', nodes: [C, A, B] }, onlyB, true],
    ['not of a holding leaf', { op: 'not', nodes: [A] }, onlyA, false],
    ['not of a failing leaf', { op: 'not', nodes: [A] }, onlyB, true],
    // Missing key: eq fails, so its negation holds; neq holds, so its negation fails.
    ['not eq, key missing', { op: 'not', nodes: [{ key: 'a', cmp: 'eq', val: '1' }] }, neither, true],
    ['not neq, key missing', { op: 'not', nodes: [{ key: 'a', cmp: 'neq', val: '1' }] }, neither, false],
    ['not of not', { op: 'not', nodes: [{ op: 'not', nodes: [A] }] }, onlyA, true],
    ['not of and', { op: 'not', nodes: [{ op: 'and', nodes: [A, B] }] }, onlyA, true],
    ['and of or and not', { op: 'and', nodes: [{ op: 'or', nodes: [A, C] }, { op: 'not', nodes: [B] }] }, onlyA, true],
    ['and of or and not, not fails', { op: 'and', nodes: [{ op: 'or', nodes: [A, C] }, { op: 'not', nodes: [B] }] }, both, false],
    ['or with no labels at all', { op: 'or', nodes: [A, { key: 'a', cmp: 'nex' }] }, undefined, true],
  ];
  for (const [name, filter, labels, want] of cases) {
    it(`${name} is ${want}`, () => {
      assert.equal(matches(compileFilter(filter), labels), want);
    });
  }
});

/*
 * Centrifugo's in/nin look up a missing key as the empty string, and so does Parsec.
 * Centrifugo's gt/gte/lt/lte parse both sides as decimals and never match otherwise;
 * Parsec orders text too (so version labels compare), a documented difference.
 */
describe('in/nin on a missing key, and the ordering of text', () => {
  const cases: Row[] = [
    row(leaf('in', ['', 'pro']), MISSING, true),
    row(leaf('nin', ['', 'pro']), MISSING, false),
    row(leaf('gt', 'm'), has('z'), true),
    row(leaf('lt', 'm'), has('a'), true),
    row(leaf('gt', '10'), has('abc'), true),
    row(leaf('lt', '3.0.0'), has('2.5.0'), true),
  ];
  for (const r of cases) {
    it(show(r), () => {
      assert.equal(matches(compileFilter(r.filter), r.labels), r.want);
    });
  }
});
