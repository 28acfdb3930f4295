import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MemoryBroker, MemoryPresenceManager } from '../../src/engine/memory/index.js';
import type { Clock } from '../../src/lib/index.js';
import { systemClock } from '../../src/lib/index.js';
import { runEngineSuite } from './conformance.js';

runEngineSuite('memory', async () => {
  const broker = new MemoryBroker({ clock: systemClock });
  return { broker, presence: new MemoryPresenceManager(), close: () => broker.close() };
});

it('memory history expires data after history_ttl but keeps the position until the meta ttl', async () => {
  let now = 1_000_000;
  const clock: Clock = { now: () => now };
  const broker = new MemoryBroker({ clock });
  const opts = { historySize: 10, historyTtl: 1000, historyMetaTtl: 5000 };
  const q = { limit: -1, reverse: false, historyMetaTtl: 5000 };
  const first = await broker.publish('c', Buffer.from('1'), opts);
  now += 1500;
  const page = await broker.history('c', q);
  assert.equal(page.publications.length, 0);
  assert.deepEqual(page.position, first);
  now += 10_000;
  const fresh = await broker.history('c', q);
  assert.notEqual(fresh.position.epoch, first.epoch);
  assert.equal(fresh.position.offset, 0);
  await broker.close();
});
