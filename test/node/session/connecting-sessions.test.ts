import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimerWheel } from '../../../src/lib/index.js';
import { ConnectingSessions } from '../../../src/node/session/connecting-sessions.js';
import { ManualClock } from '../../helpers/clock.js';
import { until } from '../../helpers/until.js';

/** A session that records being ended as stale. */
class Pending {
  stale = false;
  constructor(readonly name: string) {}
  closeIfStale(): void {
    this.stale = true;
  }
}

describe('ConnectingSessions', () => {
  it('ends each session that is still waiting once its own delay has passed, oldest first', async () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel({ clock, resolution: 10 });
    const queue = new ConnectingSessions<Pending>(wheel, clock, 100);
    const start = clock.now();
    const a = new Pending('a');
    queue.add(a);
    clock.t = start + 50;
    const b = new Pending('b');
    const placeB = queue.add(b);
    const c = new Pending('c');
    queue.add(c);
    // b connects: its place empties and it is never ended.
    queue.remove(placeB, b);
    clock.t = start + 120;
    await until(() => a.stale);
    assert.equal(c.stale, false, 'c has waited 70 ms of its 100');
    assert.deepEqual([...queue.waiting()].map((s) => s.name), ['c']);
    clock.t = start + 160;
    await until(() => c.stale);
    assert.equal(b.stale, false);
    assert.deepEqual([...queue.waiting()], []);
    assert.equal(wheel.pending, 0, 'no timer left once nothing waits');
    wheel.close();
  });

  it('keeps the numbers it gave valid when its arrays are compacted', async () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel({ clock, resolution: 10 });
    const queue = new ConnectingSessions<Pending>(wheel, clock, 100);
    const start = clock.now();
    const early = Array.from({ length: 3000 }, (_, i) => new Pending(`e${i}`));
    for (const s of early) queue.add(s);
    clock.t = start + 60;
    const late = Array.from({ length: 1000 }, (_, i) => new Pending(`l${i}`));
    const places = late.map((s) => queue.add(s));
    clock.t = start + 110;
    await until(() => early.every((s) => s.stale));
    // Past the compaction: a late session that connects still leaves the right place.
    queue.remove(places[500]!, late[500]!);
    assert.equal([...queue.waiting()].length, 999);
    clock.t = start + 170;
    await until(() => late.filter((s) => s.stale).length === 999);
    assert.equal(late[500]!.stale, false);
    wheel.close();
  });
});
