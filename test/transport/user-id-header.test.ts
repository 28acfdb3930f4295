import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import type { Config } from '../../src/config/types.js';
import { RawClient } from '../helpers/raw.js';
import { once, sdk } from '../helpers/sdk.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { RawStream } from '../helpers/stream.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'user-header-api-key-0123456789';
const HEADER = 'X-Authenticated-User';

async function server(t: TestContext, edit?: (c: Config) => void): Promise<TestServer> {
  const s = await startServer(
    testConfig((c) => {
      c.client.userIdHttpHeader = HEADER;
      c.httpApi.key = KEY;
      c.httpStream.enabled = true;
      edit?.(c);
    }),
  );
  t.after(() => s.close());
  return s;
}

/** The user the server holds for a client id, from the server API's connection listing. */
async function userOf(s: TestServer, client: string): Promise<string | undefined> {
  const res = await fetch(`${s.httpUrl}/api/connections`, { method: 'POST', body: '{}', headers: { 'X-API-Key': KEY } });
  const body = (await res.json()) as { result: { connections: Record<string, { user: string }> } };
  return body.result.connections[client]?.user;
}

/** Opens a raw WebSocket with these upgrade headers and sends a connect; resolves with the reply. */
async function connect(t: TestContext, s: TestServer, headers: Record<string, string | string[]>, connectCmd: object = {}) {
  // ws hands `headers` to http.request, which sends an array as repeated header lines.
  const c = await RawClient.open(s.url, { headers: headers as Record<string, string> });
  t.after(() => c.close());
  c.send({ id: 1, connect: connectCmd });
  const reply = (await c.reply(1)) as { connect?: { client: string } };
  return { c, reply };
}

describe('client.user_id_http_header', () => {
  it('takes the user from the header when the client sends no token (WebSocket)', async (t) => {
    const s = await server(t);
    const { reply } = await connect(t, s, { [HEADER]: 'alice' });
    assert.ok(reply.connect, JSON.stringify(reply));
    assert.equal(await userOf(s, reply.connect.client), 'alice');
  });

  it('takes the user from the header on an HTTP-streaming connect', async (t) => {
    const s = await server(t);
    const stream = await RawStream.open(s.httpUrl, {}, { headers: { [HEADER]: 'bob' } });
    t.after(() => stream.close());
    const reply = await stream.next();
    assert.ok(reply.connect, JSON.stringify(reply));
    assert.equal(await userOf(s, reply.connect.client), 'bob');
  });

  it('works for an SDK client behind a proxy that adds the header', async (t) => {
    const s = await server(t);
    class ProxiedWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { [HEADER]: 'carol' } });
      }
    }
    const c = sdk('json', s.url, { websocket: ProxiedWebSocket });
    t.after(() => c.disconnect());
    const connected = once<{ client: string }>(c, 'connected');
    c.connect();
    assert.equal(await userOf(s, (await connected).client), 'carol');
  });

  it('keeps the token rules when a token is sent: the token names the user', async (t) => {
    const s = await server(t);
    const { reply } = await connect(t, s, { [HEADER]: 'alice' }, { token: await connToken('token-user') });
    assert.ok(reply.connect, JSON.stringify(reply));
    assert.equal(await userOf(s, reply.connect.client), 'token-user');
  });

  it('refuses a connect with neither header nor token (3501)', async (t) => {
    const s = await server(t);
    const c = await RawClient.open(s.url);
    t.after(() => c.close());
    c.send({ id: 1, connect: {} });
    assert.equal((await c.closeCode()).code, 3501);
  });

  it('believes no one when the header comes twice', async (t) => {
    const s = await server(t);
    const c = await RawClient.open(s.url, { headers: { [HEADER]: ['mallory', 'alice'] } as unknown as Record<string, string> });
    t.after(() => c.close());
    c.send({ id: 1, connect: {} });
    assert.equal((await c.closeCode()).code, 3501);
  });

  it('connects anonymously when anonymous access is on, as Centrifugo does', async (t) => {
    const s = await server(t, (c) => (c.client.allowAnonymousConnectWithoutToken = true));
    const { reply } = await connect(t, s, { [HEADER]: 'alice' });
    assert.ok(reply.connect, JSON.stringify(reply));
    assert.equal(await userOf(s, reply.connect.client), '');
  });

  it('ignores the header from a peer outside parsec.trusted_proxies', async (t) => {
    const s = await server(t, (c) => (c.parsec.trustedProxies = ['10.0.0.0/8']));
    const c = await RawClient.open(s.url, { headers: { [HEADER]: 'alice' } });
    t.after(() => c.close());
    c.send({ id: 1, connect: {} });
    assert.equal((await c.closeCode()).code, 3501);
  });

  it('believes the header from a peer in parsec.trusted_proxies', async (t) => {
    const s = await server(t, (c) => (c.parsec.trustedProxies = ['10.0.0.0/8', '127.0.0.1']));
    const { reply } = await connect(t, s, { [HEADER]: 'alice' });
    assert.ok(reply.connect, JSON.stringify(reply));
    assert.equal(await userOf(s, reply.connect.client), 'alice');
  });
});
