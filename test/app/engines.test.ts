import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { buildEngines } from '../../src/app/engines.js';
import { isCloser } from '../../src/engine/index.js';
import { MemoryBroker, MemoryPresenceManager } from '../../src/engine/memory/index.js';
import { systemClock } from '../../src/lib/index.js';
import { testConfig } from '../helpers/server.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';

const log = pino({ level: 'silent' });
const skip = await skipWithout('Redis', redisUrl);

test('with both the broker and the presence manager enabled the engine is not started, as in Centrifugo', async () => {
  const config = testConfig((c) => {
    // An engine that could not connect: starting it would fail.
    c.engine = { type: 'redis', redis: { ...c.engine.redis, address: ['redis://127.0.0.1:1'], connectTimeout: 300 } };
    c.broker.enabled = true;
    c.presenceManager.enabled = true;
  });
  const engines = await buildEngines(config, systemClock, log);
  assert.ok(engines.broker instanceof MemoryBroker);
  assert.ok(engines.presence instanceof MemoryPresenceManager);
  assert.equal(engines.parts.length, 3, 'broker, presence manager, map broker');
});

test("a Redis presence manager beside the engine's broker: its health is the readiness check", { skip: skip || undefined }, async (t) => {
  const config = testConfig((c) => {
    c.presenceManager = { enabled: true, type: 'redis', redis: { ...c.presenceManager.redis, address: [redisUrl], prefix: randomPrefix('pm') } };
  });
  const engines = await buildEngines(config, systemClock, log);
  t.after(async () => {
    for (const p of engines.parts) if (isCloser(p)) await p.close();
  });
  assert.ok(engines.broker instanceof MemoryBroker);
  assert.equal(engines.presenceHealth, engines.presence);
  assert.equal(engines.presenceHealth?.unhealthyReason(), undefined);
  await engines.presence.addPresence('ch', 'c1', { client: 'c1', user: 'u1' });
  assert.deepEqual(await engines.presence.presenceStats('ch'), { numClients: 1, numUsers: 1 });
  await engines.presence.removePresence('ch', 'c1', 'u1');
  assert.deepEqual(await engines.presence.presence('ch'), {});
});

test('a Redis presence manager that cannot connect closes what was started before it', { skip: skip || undefined }, async () => {
  const config = testConfig((c) => {
    c.broker = { ...c.broker, enabled: true, type: 'redis', redis: { ...c.broker.redis, address: [redisUrl], prefix: randomPrefix('br') } };
    c.presenceManager = { enabled: true, type: 'redis', redis: { ...c.presenceManager.redis, address: ['redis://127.0.0.1:1'], connectTimeout: 300 } };
  });
  // The broker's connections would keep the process (and this test file) alive if left open.
  await assert.rejects(buildEngines(config, systemClock, log), /^EngineError: presence_manager\.redis\.address: cannot connect/);
});
