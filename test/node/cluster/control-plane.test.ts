import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pino } from 'pino';
import { Parsec } from '../../../src/app.js';
import type { Config } from '../../../src/config/types.js';
import { NODE_EXPIRY_MS } from '../../../src/node/cluster/control-plane.js';
import { startServer, testConfig } from '../../helpers/server.js';
import { randomPrefix, redisUrl, skipWithout } from '../../helpers/services.js';
import { until } from '../../helpers/until.js';

const skip = await skipWithout('Redis', redisUrl);
const KEY = 'control-plane-key';

const redisConfig = (prefix: string): Config =>
  testConfig((c) => {
    c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redisUrl], prefix } };
    c.httpApi.key = KEY;
  });

async function nodeNames(httpUrl: string): Promise<string[]> {
  const res = await fetch(`${httpUrl}/api/info`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: '{}' });
  const body = (await res.json()) as { result: { nodes: Array<{ uid: string }> } };
  return body.result.nodes.map((n) => n.uid);
}

it('a node that stops announcing itself leaves info after the expiry', { skip }, async (t) => {
  const prefix = randomPrefix('control');
  // The other node starts first and its heartbeat is stopped: the only announcement the
  // watcher then gets from it is the one answering the watcher's own, so none is still
  // on its way when the clock jumps (one arriving after the jump would count as fresh).
  const other = await startServer(redisConfig(prefix));
  other.app.node.control.stop();
  // The watching node runs on a clock the test moves, so the expiry needs no real wait.
  let now = Date.now();
  const watcher = await Parsec.start({ config: redisConfig(prefix), logger: pino({ level: 'silent' }), clock: { now: () => now } });
  t.after(async () => {
    await watcher.close();
    await other.close();
  });
  const watcherUrl = `http://127.0.0.1:${watcher.address().port}`;
  const otherId = other.app.node.id;

  await until(async () => (await nodeNames(watcherUrl)).includes(otherId));
  await other.close();
  now += NODE_EXPIRY_MS - 1000;
  assert.ok((await nodeNames(watcherUrl)).includes(otherId), 'still listed before the expiry');
  now += 2000;
  assert.deepEqual(await nodeNames(watcherUrl), [watcher.node.id]);
});
