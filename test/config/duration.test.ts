import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseDuration } from '../../src/config/index.js';

test('parseDuration reads Go durations into milliseconds', () => {
  const cases: Array<[string, number]> = [
    ['25s', 25_000],
    ['1m30s', 90_000],
    ['720h', 2_592_000_000],
    ['100ms', 100],
    ['1.5s', 1500],
    ['.5s', 500],
    ['1h2m3s4ms', 3_723_004],
    ['0', 0],
    ['0s', 0],
    ['1500us', 2],
    ['1500µs', 2],
    [' 10s ', 10_000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

test('parseDuration reads plain numbers as seconds, as Centrifugo v5 did', () => {
  assert.equal(parseDuration(25), 25_000);
  assert.equal(parseDuration(0), 0);
  assert.equal(parseDuration(1.5), 1500);
  assert.equal(parseDuration('30'), 30_000);
});

test('parseDuration keeps a tiny non-zero duration above 0, which would mean "off"', () => {
  assert.equal(parseDuration('1ns'), 1);
});

test('parseDuration rejects negatives and garbage', () => {
  for (const bad of ['-1s', '-5', -1, '', ' ', 'abc', '42x', '1h-1s', '1 s', 's', '1.2.3s', 'Infinity', '9'.repeat(400), 1e308, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => parseDuration(bad),
      (err: unknown) => err instanceof ConfigError && err.code === 'PARSEC_CONFIG_INVALID' && err.message.includes('expected a duration like "25s"'),
      String(bad),
    );
  }
});

test('parseDuration names the bad value', () => {
  assert.throws(() => parseDuration('42x'), { message: 'expected a duration like "25s", got 42x' });
});
