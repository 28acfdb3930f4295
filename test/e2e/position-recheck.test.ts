import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { EngineError, EngineErrorCode } from '../../src/engine/errors.js';
import type { Broker } from '../../src/engine/types.js';
import { collect, once, sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'recheck-api-key';

it('after an interruption, checks again (well before the periodic check) the channels whose position check failed; the gap it finds resyncs the subscriber', async (t) => {
  const s = await startServer(
    testConfig((c) => {
      c.httpApi.key = KEY;
      c.channel.namespaces = [namespace('feed', { historySize: 10, historyTtl: 300_000, forceRecovery: true, allowSubscribeForClient: true })];
    }),
  );
  const client = sdk('json', s.url, { token: await connToken('reader') });
  t.after(async () => {
    client.disconnect();
    await s.close();
  });
  client.connect();
  await client.ready(3000);
  const channel = `feed:${randomUUID()}`;
  const sub = client.newSubscription(channel);
  sub.subscribe();
  await sub.ready(3000);

  const node = s.app.node;
  // One publication lost on its way to this node, as an interruption loses them.
  const deliver = node.handlePublication.bind(node);
  let seen = 0;
  node.handlePublication = (ch, pub, position) => {
    if (ch === channel && seen++ === 0) return;
    deliver(ch, pub, position);
  };
  const res = await fetch(`${s.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel, data: { n: 1 } }) });
  assert.equal(((await res.json()) as { result?: { offset?: number } }).result?.offset, 1);

  // The engine answers again only in part at first: the first two reads of the channel's stream top fail.
  const broker: Broker = node.deps.broker;
  const history = broker.history.bind(broker);
  let reads = 0;
  broker.history = async (ch, query) => {
    if (ch === channel && ++reads <= 2) throw new EngineError(EngineErrorCode.unavailable, 'not connected yet');
    return history(ch, query);
  };
  const resync = once<{ code: number }>(sub, 'subscribing', 5000);
  const recovered = collect<{ data: { n: number } }>(sub, 'publication', 1, 8000);
  const started = performance.now();
  node.handleDeliveryResumed();
  assert.equal((await resync).code, 2500);
  const after = performance.now() - started;
  assert.deepEqual((await recovered).map((p) => p.data.n), [1]);
  assert.ok(reads >= 3, `the stream top read ${reads} times`);
  // Rechecks after 0.5 s and 1 s: the periodic check would have come after 40 s.
  assert.ok(after < 4000, `resynced after ${after.toFixed(0)} ms`);
});
