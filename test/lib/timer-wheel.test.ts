import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimerWheel, type WheelEntry } from '../../src/lib/index.js';
import { ManualClock } from '../helpers/clock.js';
import { until } from '../helpers/until.js';

/*
 * The wheel reads the time from a clock that stands still until the test moves it, so its
 * ticks run only what is due at the time the test set. A marker timer due earlier than the
 * timers under test shows that the wheel has looked at the clock since it was moved.
 */
describe('TimerWheel', () => {
  it('runs callbacks no earlier than their delay, and in bulk', async () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel({ clock, resolution: 20 });
    const start = clock.now();
    const fired: number[] = [];
    for (let i = 0; i < 1000; i++) wheel.schedule(50, () => fired.push(clock.now() - start));
    let marked = false;
    wheel.schedule(30, () => (marked = true));
    clock.t = start + 40;
    await until(() => marked);
    assert.deepEqual(fired, [], 'nothing ran 40 ms in');
    clock.t = start + 60;
    await until(() => fired.length === 1000);
    assert.ok(fired.every((d) => d >= 50));
    assert.equal(wheel.pending, 0);
    wheel.close();
  });

  it('runs a rescheduled timer again, once per reschedule, and moves a pending one', async () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel({ clock, resolution: 10 });
    const runs: number[] = [];
    const start = clock.now();
    const t = wheel.schedule(20, () => {
      runs.push(clock.now() - start);
      if (runs.length < 3) wheel.reschedule(t, 20);
    });
    for (const at of [30, 60, 90]) {
      clock.t = start + at;
      await until(() => runs.length === at / 30);
    }
    assert.deepEqual(runs, [30, 60, 90]);
    assert.equal(wheel.pending, 0);
    // A pending timer moves rather than running twice.
    let moved = 0;
    const p = wheel.schedule(20, () => moved++);
    wheel.reschedule(p, 50);
    assert.equal(wheel.pending, 1);
    let marked = false;
    wheel.schedule(30, () => (marked = true));
    clock.t += 40;
    await until(() => marked);
    assert.equal(moved, 0);
    clock.t += 30;
    await until(() => moved === 1);
    p.cancel();
    assert.equal(wheel.pending, 0);
    wheel.close();
  });

  it('cancels timers, idempotently', async () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel({ clock, resolution: 10 });
    let ran = false;
    const t = wheel.schedule(20, () => (ran = true));
    t.cancel();
    t.cancel();
    assert.equal(wheel.pending, 0);
    let marked = false;
    wheel.schedule(20, () => (marked = true));
    clock.t += 60;
    await until(() => marked);
    assert.equal(ran, false);
    wheel.close();
  });

  it('keeps running the bucket when one callback throws', async () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    const wheel = new TimerWheel({ clock, resolution: 10, onError: (e) => errors.push(e) });
    let ran = 0;
    wheel.schedule(10, () => {
      throw new Error('boom');
    });
    wheel.schedule(10, () => ran++);
    clock.t += 60;
    await until(() => wheel.pending === 0);
    assert.equal(ran, 1);
    assert.equal(errors.length, 1);
    wheel.close();
  });
  it('runs an object that is its own timer, moves it when armed again, and forgets it when disarmed', async () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel({ clock, resolution: 10 });
    const start = clock.now();
    const runs: number[] = [];
    const entry: WheelEntry = {
      wheelTick: -1,
      onWheel: () => {
        runs.push(clock.now() - start);
        if (runs.length < 2) wheel.arm(entry, 20);
      },
    };
    wheel.arm(entry, 20);
    // Armed again while pending: it moves, it does not run twice.
    wheel.arm(entry, 30);
    assert.equal(wheel.pending, 1);
    clock.t = start + 30;
    await until(() => runs.length === 1);
    clock.t = start + 60;
    await until(() => runs.length === 2);
    assert.deepEqual(runs, [30, 60]);
    wheel.arm(entry, 20);
    wheel.disarm(entry);
    wheel.disarm(entry);
    assert.equal(wheel.pending, 0);
    wheel.close();
  });
});
