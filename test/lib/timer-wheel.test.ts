import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimerWheel, systemClock } from '../../src/lib/index.js';

describe('TimerWheel', () => {
  it('runs callbacks no earlier than their delay, and in bulk', async () => {
    const wheel = new TimerWheel({ clock: systemClock, resolution: 20 });
    const start = Date.now();
    const fired: number[] = [];
    for (let i = 0; i < 1000; i++) wheel.schedule(50, () => fired.push(Date.now() - start));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(fired.length, 1000);
    assert.ok(fired.every((d) => d >= 50));
    assert.equal(wheel.pending, 0);
    wheel.close();
  });

  it('cancels timers, idempotently', async () => {
    const wheel = new TimerWheel({ clock: systemClock, resolution: 10 });
    let ran = false;
    const t = wheel.schedule(20, () => (ran = true));
    t.cancel();
    t.cancel();
    assert.equal(wheel.pending, 0);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(ran, false);
    wheel.close();
  });

  it('keeps running the bucket when one callback throws', async () => {
    const errors: unknown[] = [];
    const wheel = new TimerWheel({ clock: systemClock, resolution: 10, onError: (e) => errors.push(e) });
    let ran = 0;
    wheel.schedule(10, () => {
      throw new Error('boom');
    });
    wheel.schedule(10, () => ran++);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(ran, 1);
    assert.equal(errors.length, 1);
    wheel.close();
  });
});
