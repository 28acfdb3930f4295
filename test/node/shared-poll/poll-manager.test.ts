import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { SharedPollManager } from '../../../src/node/shared-poll/poll-manager.js';
import { TrackedKeys } from '../../../src/node/shared-poll/tracked-keys.js';
import type { ItemUpdate, KeyTracker } from '../../../src/node/shared-poll/types.js';
import type { SharedPollRefreshCall, SharedPollRefreshOutcome, SharedPollRefreshedItem } from '../../../src/proxy/index.js';
import { ManualClock, ManualTimers, settle } from '../../helpers/clock.js';
import { pollOptions } from '../../helpers/shared-poll.js';

const bytes = (v: unknown): Uint8Array => new Uint8Array(Buffer.from(JSON.stringify(v)));
const text = (b: Uint8Array): unknown => JSON.parse(Buffer.from(b).toString('utf8'));

/** The application backend as the loop sees it: items by key, every call recorded. */
class Backend {
  readonly items = new Map<string, Omit<SharedPollRefreshedItem, 'key'>>();
  readonly calls: SharedPollRefreshCall[] = [];
  epoch = '';
  inFlight = 0;
  maxInFlight = 0;
  /** Calls wait for this before answering, when set. */
  gate: Promise<void> | undefined;

  set(key: string, data: unknown, version = 0): void {
    this.items.set(key, { data: bytes(data), version, removed: false });
  }

  async sharedPollRefresh(call: SharedPollRefreshCall): Promise<SharedPollRefreshOutcome> {
    this.calls.push(structuredClone(call));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gate) await this.gate;
      const items = call.items.flatMap((i) => {
        const it = this.items.get(i.key);
        return it ? [{ key: i.key, ...it }] : [];
      });
      return { items, epoch: this.epoch };
    } finally {
      this.inFlight--;
    }
  }
}

class Tracker implements KeyTracker {
  readonly updates: ItemUpdate[] = [];
  readonly removals: string[] = [];
  resets = 0;
  deliverUpdate(u: ItemUpdate): void {
    this.updates.push(u);
  }
  deliverRemoval(key: string): void {
    this.removals.push(key);
  }
  resetEpoch(): void {
    this.resets++;
  }
  seen(): Array<[string, number, unknown]> {
    return this.updates.map((u) => [u.key, u.version, text(u.data)]);
  }
}

const options = pollOptions;

function setup(concurrencyLimit = 64) {
  const clock = new ManualClock();
  const timers = new ManualTimers(clock);
  const backend = new Backend();
  const manager = new SharedPollManager({
    refreshProxy: (name) => (name === 'default' ? backend : undefined),
    concurrencyLimit,
    timers,
    clock,
    log: pino({ level: 'silent' }),
  });
  return { clock, timers, backend, manager };
}

test('keys new to the node are polled at once, in one call per track, then every interval', async () => {
  const { timers, backend, manager } = setup();
  backend.set('a', { v: 1 }, 3);
  backend.set('b', { v: 2 }, 1);
  const t = new Tracker();
  manager.track('poll:x', options(), t, [
    { key: 'a', version: 0 },
    { key: 'b', version: 0 },
    { key: 'c', version: 0 },
  ]);
  await settle();
  assert.equal(backend.calls.length, 1);
  assert.deepEqual(backend.calls[0], { channel: 'poll:x', items: [{ key: 'a', version: 0 }, { key: 'b', version: 0 }, { key: 'c', version: 0 }] });
  assert.deepEqual(t.seen(), [
    ['a', 3, { v: 1 }],
    ['b', 1, { v: 2 }],
  ]);
  // The timed poll sends what the node holds; unchanged versions reach nobody.
  await timers.advance(1000);
  assert.equal(backend.calls.length, 2);
  assert.deepEqual(backend.calls[1]!.items, [{ key: 'a', version: 3 }, { key: 'b', version: 1 }, { key: 'c', version: 0 }]);
  assert.equal(t.updates.length, 2);
  backend.set('a', { v: 9 }, 4);
  await timers.advance(1000);
  assert.deepEqual(t.seen().at(-1), ['a', 4, { v: 9 }]);
  assert.equal(backend.calls.length, 3);
});

test('a key tracked with a version is not polled at once: the timed poll finds it', async () => {
  const { timers, backend, manager } = setup();
  backend.set('a', { v: 5 }, 5);
  manager.track('poll:x', options(), new Tracker(), [{ key: 'a', version: 5 }]);
  await settle();
  assert.equal(backend.calls.length, 0);
  await timers.advance(1000);
  assert.equal(backend.calls.length, 1);
});

test('a second connection joining a key without data gets the current version on an immediate poll', async () => {
  const { backend, manager } = setup();
  backend.set('a', { v: 1 }, 7);
  const first = new Tracker();
  manager.track('poll:x', options(), first, [{ key: 'a', version: 0 }]);
  await settle();
  const second = new Tracker();
  manager.track('poll:x', options(), second, [{ key: 'a', version: 0 }]);
  await settle();
  assert.equal(backend.calls.length, 2);
  // Asked as version 0 so the backend answers with the data.
  assert.deepEqual(backend.calls[1]!.items, [{ key: 'a', version: 0 }]);
  assert.deepEqual(second.seen(), [['a', 7, { v: 1 }]]);
  // The hub hands it to every tracker; connections already at 7 filter it themselves.
  assert.deepEqual(first.seen(), [
    ['a', 7, { v: 1 }],
    ['a', 7, { v: 1 }],
  ]);
  // Many joiners in one wave cost one call.
  const more = [new Tracker(), new Tracker(), new Tracker()];
  for (const t of more) manager.track('poll:x', options(), t, [{ key: 'a', version: 0 }]);
  await settle();
  assert.equal(backend.calls.length, 3);
});

test('versionless: the node numbers changes of the data and ignores polls that change nothing', async () => {
  const { timers, backend, manager } = setup();
  backend.set('a', { v: 1 });
  const t = new Tracker();
  const opts = options({ mode: 'versionless' });
  assert.equal(manager.epoch('poll:vl', opts).length, 8);
  manager.track('poll:vl', opts, t, [{ key: 'a', version: 0 }]);
  const epoch = manager.get('poll:vl')!.epoch;
  assert.equal(epoch.length, 8);
  assert.equal(manager.epoch('poll:vl', opts), epoch);
  await settle();
  // No versions go to the backend in this mode.
  assert.deepEqual(backend.calls[0]!.items, [{ key: 'a', version: 0 }]);
  await timers.advance(1000);
  await timers.advance(1000);
  assert.deepEqual(t.seen(), [['a', 1, { v: 1 }]]);
  backend.set('a', { v: 2 });
  await timers.advance(1000);
  assert.deepEqual(t.seen(), [
    ['a', 1, { v: 1 }],
    ['a', 2, { v: 2 }],
  ]);
  assert.equal(t.updates[1]!.prevVersion, 1);
  assert.equal(manager.epoch('poll:vl', options()), epoch);
  assert.equal(manager.epoch('other', options()), '');
});

test('a removal reaches the trackers and the key leaves the poll set', async () => {
  const { timers, backend, manager } = setup();
  backend.set('a', { v: 1 }, 1);
  backend.set('b', { v: 1 }, 1);
  const t = new Tracker();
  manager.track('poll:x', options(), t, [
    { key: 'a', version: 0 },
    { key: 'b', version: 0 },
  ]);
  await settle();
  backend.items.set('a', { version: 0, removed: true });
  await timers.advance(1000);
  assert.deepEqual(t.removals, ['a']);
  assert.equal(manager.get('poll:x')!.versionOf('a'), undefined);
  await timers.advance(1000);
  assert.deepEqual(backend.calls.at(-1)!.items, [{ key: 'b', version: 1 }]);
});

test('polling stops when the last tracker leaves, after the shutdown delay; a new track starts over', async () => {
  const { timers, backend, manager } = setup();
  backend.set('a', 1, 1);
  const t1 = new Tracker();
  const t2 = new Tracker();
  const opts = options({ mode: 'versionless' });
  manager.track('poll:x', opts, t1, [{ key: 'a', version: 0 }]);
  manager.track('poll:x', opts, t2, [{ key: 'a', version: 0 }]);
  const first = manager.get('poll:x')!;
  await settle();
  manager.untrack('poll:x', t1, ['a']);
  await timers.advance(1000);
  assert.deepEqual(manager.stats(), { channels: 1, keys: 1 });
  manager.untrack('poll:x', t2, ['a']);
  assert.deepEqual(manager.stats(), { channels: 1, keys: 0 });
  const calls = backend.calls.length;
  await timers.advance(1000);
  assert.deepEqual(manager.stats(), { channels: 0, keys: 0 });
  await timers.advance(5000);
  assert.equal(backend.calls.length, calls, 'no poll after the last tracker left');
  assert.equal(timers.pending, 0);
  // Tracking again within the delay keeps the state; after it, a fresh one with a new epoch.
  manager.track('poll:x', opts, t1, [{ key: 'a', version: 0 }]);
  const second = manager.get('poll:x')!;
  assert.notEqual(second, first);
  assert.notEqual(second.epoch, first.epoch);
  manager.untrack('poll:x', t1, ['a']);
  await timers.advance(500);
  manager.track('poll:x', opts, t1, [{ key: 'a', version: 0 }]);
  await timers.advance(1000);
  assert.equal(manager.get('poll:x'), second);
});

test('a zero shutdown delay (-1 in the config) drops the state at once', () => {
  const { manager } = setup();
  const t = new Tracker();
  manager.track('poll:x', options({ channelShutdownDelay: 0 }), t, [{ key: 'a', version: 3 }]);
  manager.untrack('poll:x', t, ['a']);
  assert.equal(manager.get('poll:x'), undefined);
});

test('a large poll set goes in batches spread over the interval', async () => {
  const { clock, timers, backend, manager } = setup();
  const t = new Tracker();
  const keys = Array.from({ length: 250 }, (_, i) => ({ key: `k${String(i).padStart(3, '0')}`, version: 1 }));
  manager.track('poll:x', options({ refreshBatchSize: 100 }), t, keys);
  const start = clock.now();
  const at: number[] = [];
  const original = backend.sharedPollRefresh.bind(backend);
  backend.sharedPollRefresh = (call) => {
    at.push(clock.now() - start);
    return original(call);
  };
  await timers.advance(1999);
  assert.deepEqual(
    backend.calls.map((c) => c.items.length),
    [100, 100, 50],
  );
  assert.deepEqual(at.slice(0, 3), [1000, 1333, 1666]);
  assert.equal(backend.calls[0]!.items[0]!.key, 'k000');
});

test('backend calls across channels stay within the concurrency limit', async () => {
  const { backend, manager } = setup(2);
  let open!: () => void;
  backend.gate = new Promise((resolve) => (open = resolve));
  for (let i = 0; i < 6; i++) manager.track(`poll:${i}`, options(), new Tracker(), [{ key: 'a', version: 0 }]);
  await settle();
  assert.equal(backend.inFlight, 2);
  open();
  await settle();
  assert.equal(backend.calls.length, 6);
  assert.equal(backend.maxInFlight, 2);
});

test('versioned: a new backend epoch tells every tracker to start over and forgets the versions', async () => {
  const { timers, backend, manager } = setup();
  backend.set('a', 1, 5);
  const t = new Tracker();
  manager.track('poll:x', options(), t, [{ key: 'a', version: 0 }]);
  await settle();
  assert.equal(t.resets, 0);
  backend.epoch = 'e2';
  await timers.advance(1000);
  assert.equal(t.resets, 1);
  assert.equal(manager.get('poll:x')!.epoch, 'e2');
  // The same response's items apply under the new epoch.
  assert.equal(manager.get('poll:x')!.versionOf('a'), 5);
});

test('a publish newer than the node version is delivered and the next timed poll skips the key once', async () => {
  const { timers, backend, manager } = setup();
  backend.set('a', 1, 1);
  const t = new Tracker();
  manager.track('poll:x', options(), t, [
    { key: 'a', version: 0 },
    { key: 'b', version: 2 },
  ]);
  await settle();
  manager.publish('poll:x', 'a', 1, '', bytes('old'));
  manager.publish('poll:x', 'a', 2, '', bytes('new'));
  manager.publish('poll:x', 'zz', 9, '', bytes('untracked'));
  manager.publish('nobody', 'a', 9, '', bytes('no state'));
  assert.deepEqual(t.seen(), [
    ['a', 1, 1],
    ['a', 2, 'new'],
  ]);
  await timers.advance(1000);
  assert.deepEqual(backend.calls.at(-1)!.items, [{ key: 'b', version: 0 }]);
  await timers.advance(1000);
  assert.deepEqual(backend.calls.at(-1)!.items, [{ key: 'a', version: 2 }, { key: 'b', version: 0 }]);
});

test('a failing backend leaves the state as it was and the loop going', async () => {
  const { timers, backend, manager } = setup();
  backend.set('a', 1, 1);
  const t = new Tracker();
  const original = backend.sharedPollRefresh.bind(backend);
  backend.sharedPollRefresh = () => Promise.reject(new Error('down'));
  manager.track('poll:x', options(), t, [{ key: 'a', version: 0 }]);
  await timers.advance(1000);
  assert.equal(t.updates.length, 0);
  backend.sharedPollRefresh = original;
  await timers.advance(1000);
  assert.deepEqual(t.seen(), [['a', 1, 1]]);
});

test('close stops every loop', async () => {
  const { timers, backend, manager } = setup();
  manager.track('poll:x', options(), new Tracker(), [{ key: 'a', version: 1 }]);
  manager.close();
  await timers.advance(5000);
  assert.equal(backend.calls.length, 0);
  manager.track('poll:x', options(), new Tracker(), [{ key: 'a', version: 1 }]);
  assert.equal(manager.get('poll:x'), undefined);
});

test('tracked keys: slots count new distinct keys net of inline untracks; expiry drops keys past the grace', () => {
  const keys = new TrackedKeys();
  keys.commit([
    { key: 'a', version: 1, expireAt: 100 },
    { key: 'b', version: 0, expireAt: 0 },
  ]);
  assert.equal(keys.countAfter(['a', 'c', 'c', 'd'], new Set(['d'])), 3);
  assert.equal(keys.countAfter(['c'], new Set(['a', 'b'])), 1);
  assert.deepEqual(keys.expire(120, 25), []);
  keys.commit([{ key: 'c', version: 0, expireAt: 200 }]);
  assert.deepEqual(keys.expire(126, 25), ['a']);
  assert.deepEqual(keys.expire(200, 25), []);
  assert.deepEqual(keys.expire(226, 25), ['c']);
  assert.deepEqual([...keys.keys()], ['b']);
  assert.deepEqual(keys.remove(['b', 'zz']), ['b']);
  assert.equal(keys.size, 0);
});
