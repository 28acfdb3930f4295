import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import type { Config } from '../../src/config/types.js';
import { loadConfig } from '../../src/config/index.js';
import { RawClient } from '../helpers/raw.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';

/** Who gets in: one connection per user (`single_connection`), new connections per second per node, and no HTTP API when disabled. */

async function server(t: TestContext, edit: (c: Config) => void): Promise<TestServer> {
  const s = await startServer(testConfig(edit));
  t.after(() => s.close());
  return s;
}

async function connected(t: TestContext, s: TestServer, user: string): Promise<Sdk> {
  const c = sdk('json', s.url, { token: await connToken(user) });
  t.after(() => c.disconnect());
  c.connect();
  await c.ready(3000);
  return c;
}

it('single_connection: a user\'s new connection ends the one they had with 3504; other users keep theirs', async (t) => {
  const s = await server(t, (c) => {
    c.channel.namespaces = [namespace('personal', { presence: true })];
    c.client.subscribeToUserPersonalChannel = { enabled: true, personalChannelNamespace: 'personal', singleConnection: true };
  });
  const first = await connected(t, s, 'alice');
  const bob = await connected(t, s, 'bob');
  const ended = once<{ code: number; reason: string }>(first, 'disconnected');
  const second = await connected(t, s, 'alice');
  assert.deepEqual(await ended, { code: 3504, reason: 'connection limit' });
  assert.equal(second.state, 'connected');
  assert.equal(bob.state, 'connected');
});

it('single_connection needs presence on the personal channel\'s namespace', () => {
  assert.throws(
    () => loadConfig({ overrides: { channel: { namespaces: [{ name: 'personal' }] }, client: { subscribe_to_user_personal_channel: { enabled: true, personal_channel_namespace: 'personal', single_connection: true } } } }),
    (err: Error & { key?: string }) => err.key === 'client.subscribe_to_user_personal_channel.single_connection' && /presence/.test(err.message),
  );
});

it('connection_rate_limit: past this second\'s new connections, WebSocket and SSE get 503; the API does not count', async (t) => {
  const s = await server(t, (c) => {
    c.client.connectionRateLimit = 2;
    c.sse.enabled = true;
  });
  const outcomes = await Promise.all(
    Array.from({ length: 4 }, () =>
      RawClient.open(s.url, { deflate: false }).then(
        (c) => {
          c.close();
          return 'open';
        },
        (err: Error) => err.message,
      ),
    ),
  );
  assert.equal(outcomes.filter((o) => o === 'open').length, 2, outcomes.join(','));
  assert.ok(outcomes.includes('HTTP 503'), outcomes.join(','));
  const sse = await fetch(`${s.httpUrl}/connection/sse`);
  assert.equal(sse.status, 503);
  assert.equal(sse.headers.get('retry-after'), '1');
  assert.equal((await fetch(`${s.httpUrl}/health`)).status, 200);
});

it('http_api.disabled: no server API over HTTP', async (t) => {
  const s = await server(t, (c) => {
    c.httpApi.key = 'k';
    c.httpApi.disabled = true;
  });
  const res = await fetch(`${s.httpUrl}/api/info`, { method: 'POST', headers: { 'X-API-Key': 'k' }, body: '{}' });
  assert.equal(res.status, 404);
});
