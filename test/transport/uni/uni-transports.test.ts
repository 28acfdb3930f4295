import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import EventSource from 'eventsource';
import { WebSocket } from 'ws';
import { namespace, startServer, testConfig, type TestServer } from '../../helpers/server.js';
import { connToken, nowSec, sign } from '../../helpers/tokens.js';
import {
  nextMatching,
  openGrpc,
  openHttpStream,
  openSse,
  openWebSocket,
  uniTransports,
  type PushJson,
  type UniSession,
  type UniTransport,
} from './uni-clients.js';

const KEY = 'uni-api-key-0123456789';
const SERVICE_KEY = 'uni-service-key-0123456789';

/**
 * The unidirectional transports end to end, each through a client with no SDK: the connect
 * push, server-side subscriptions (token channels, the personal channel, API subscribe),
 * keepalive pings, recovery from a position, refused connects and revocation.
 */
describe('unidirectional transports', () => {
  let server: TestServer;
  const sessions: UniSession[] = [];

  const api = async (method: string, body: object): Promise<Record<string, unknown>> => {
    const res = await fetch(`${server.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    const out = (await res.json()) as { result?: Record<string, unknown>; error?: unknown };
    assert.equal(out.error, undefined, `${method}: ${JSON.stringify(out.error)}`);
    return out.result ?? {};
  };

  const open = async (t: UniTransport, connect: { token?: string; subs?: Record<string, { recover: boolean; epoch: string; offset: number }> }): Promise<UniSession> => {
    let s: UniSession;
    if (t === 'uni_sse') s = await openSse(server.httpUrl, connect);
    else if (t === 'uni_http_stream') s = await openHttpStream(server.httpUrl, connect);
    else if (t === 'uni_websocket') s = openWebSocket(server.httpUrl, connect);
    else s = openGrpc(server.app.uniGrpcPort!, connect);
    sessions.push(s);
    return s;
  };

  const isPing = (p: PushJson): boolean => Object.keys(p).length === 0;

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.uniWebsocket.enabled = true;
        c.uniSse.enabled = true;
        c.uniHttpStream.enabled = true;
        c.uniHttpStream.maxRequestBodySize = 2048;
        c.uniGrpc = { ...c.uniGrpc, enabled: true, address: '127.0.0.1', port: 0 };
        c.client.pingInterval = 1000;
        c.client.pongTimeout = 500;
        c.client.subscribeToUserPersonalChannel = { enabled: true, personalChannelNamespace: 'personal', singleConnection: false };
        c.channel.namespaces = [namespace('news', { historySize: 10, historyTtl: 60_000, forceRecovery: true }), namespace('personal', {})];
        c.client.connectCodeToUnidirectionalDisconnect = { enabled: true, transforms: [{ code: 109, to: { code: 4509, reason: 'token expired, get another' } }] };
        c.uniSse.connectCodeToHttpResponse = { enabled: true, transforms: [{ code: 109, to: { statusCode: 401, body: '' } }] };
        const tb = c.parsec.tokenBroker;
        tb.enabled = true;
        tb.authenticator = { ...tb.authenticator, type: 'api_keys', apiKeys: { svc: SERVICE_KEY } };
      }),
    );
  });

  after(async () => {
    for (const s of sessions) s.close();
    await server.close();
  });

  for (const t of uniTransports) {
    describe(t, () => {
      it('sends the connect push, then publications of token channels, the personal channel and API subscriptions', async () => {
        const user = `u-${t}`;
        const s = await open(t, { token: await connToken(user, { channels: [`news:${t}`] }) });
        const { connect } = await s.next();
        assert.ok(connect, 'the first push is the connect push');
        assert.match(connect.client, /^[0-9a-f-]{36}$/);
        assert.deepEqual(Object.keys(connect.subs ?? {}).sort(), [`news:${t}`, `personal:#${user}`]);
        assert.equal(connect.pong, undefined, 'a unidirectional client answers no pings');
        assert.ok(connect.session, 'the session id comes with the connect push');
        // gRPC streams have HTTP/2 keepalive; the others get a `{}` push every ping interval.
        assert.equal(connect.ping, t === 'uni_grpc' ? undefined : 1);

        await api('publish', { channel: `news:${t}`, data: { n: 1 } });
        const pub = await nextMatching(s, (p) => p.channel === `news:${t}`);
        assert.deepEqual(pub.pub?.data, { n: 1 });
        assert.equal(pub.pub?.offset, 1);

        await api('publish', { channel: `personal:#${user}`, data: { to: 'me' } });
        assert.deepEqual((await nextMatching(s, (p) => p.channel === `personal:#${user}`)).pub?.data, { to: 'me' });

        await api('subscribe', { user, channel: `news:extra-${t}` });
        const sub = await nextMatching(s, (p) => p.channel === `news:extra-${t}`);
        assert.ok(sub.subscribe, 'an API subscription arrives as a subscribe push');
        await api('publish', { channel: `news:extra-${t}`, data: { n: 2 } });
        assert.deepEqual((await nextMatching(s, (p) => p.channel === `news:extra-${t}`)).pub?.data, { n: 2 });

        if (t !== 'uni_grpc') await nextMatching(s, isPing, 3000);
      });

      it('recovers publications missed since the position in the connect request', async () => {
        const channel = `news:rec-${t}`;
        for (let n = 1; n <= 3; n++) await api('publish', { channel, data: { n } });
        const history = await api('history', { channel, limit: 0 });
        const epoch = String(history.epoch);
        const s = await open(t, { token: await connToken(`r-${t}`, { channels: [channel] }), subs: { [channel]: { recover: true, epoch, offset: 1 } } });
        const { connect } = await s.next();
        const result = connect?.subs?.[channel];
        assert.ok(result);
        assert.equal(result.recovered, true);
        assert.equal(result.epoch, epoch);
        assert.deepEqual(
          result.publications?.map((p) => [p.offset, p.data]),
          [
            [2, { n: 2 }],
            [3, { n: 3 }],
          ],
        );
      });

      it('ends a connect with an invalid token with disconnect 3500', async () => {
        const token = await sign({ sub: 'x', exp: nowSec() + 60 }, 'another-secret-entirely-0123456789');
        if (t === 'uni_sse') {
          // With connect_code_to_http_response on, a code it does not list is a 500, as in Centrifugo.
          const res = await fetch(`${server.httpUrl}/connection/uni_sse?cf_connect=${encodeURIComponent(JSON.stringify({ token }))}`);
          assert.equal(res.status, 500);
          await res.text();
          return;
        }
        const s = await open(t, { token });
        const { disconnect } = await s.next();
        assert.deepEqual(disconnect && { code: disconnect.code, reason: disconnect.reason }, { code: 3500, reason: 'invalid token' });
        const code = await s.ended();
        if (t === 'uni_websocket') assert.equal(code, 3500);
      });

      it('turns an expired token into the configured disconnect (or HTTP status)', async () => {
        const token = await connToken('late', { exp: nowSec() - 10 });
        if (t === 'uni_sse') {
          const res = await fetch(`${server.httpUrl}/connection/uni_sse?cf_connect=${encodeURIComponent(JSON.stringify({ token }))}`);
          assert.equal(res.status, 401);
          assert.match(await res.text(), /token expired/);
          return;
        }
        const s = await open(t, { token });
        const { disconnect } = await s.next();
        assert.deepEqual(disconnect && { code: disconnect.code, reason: disconnect.reason }, { code: 4509, reason: 'token expired, get another' });
        const code = await s.ended();
        if (t === 'uni_websocket') assert.equal(code, 4509);
      });

      it('takes labels from its token: a fleet disconnect by label reaches it', async () => {
        const s = await open(t, { token: await connToken(`lb-${t}`, { labels: { fleet: `uni-${t}` } }) });
        assert.ok((await s.next()).connect);
        const result = await api('disconnect', { all_users: true, label_filter: { key: 'fleet', cmp: 'eq', val: `uni-${t}` }, disconnect: { code: 4000, reason: 'maintenance' } });
        assert.equal(result.affected, 1);
        const { disconnect } = await nextMatching(s, (p) => p.disconnect !== undefined);
        assert.deepEqual(disconnect && { code: disconnect.code, reason: disconnect.reason }, { code: 4000, reason: 'maintenance' });
        await s.ended();
      });

      it('disconnects a session whose token is revoked', async () => {
        const jti = `tid-${t}`;
        const s = await open(t, { token: await connToken(`rv-${t}`, { jti }) });
        assert.ok((await s.next()).connect);
        const res = await fetch(`${server.httpUrl}/parsec/revoke`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ token_id: jti }) });
        assert.equal(res.status, 200, await res.text());
        const { disconnect } = await nextMatching(s, (p) => p.disconnect !== undefined);
        assert.deepEqual(disconnect && { code: disconnect.code, reason: disconnect.reason }, { code: 3500, reason: 'token revoked' });
        await s.ended();
      });
    });
  }

  it('uni_grpc: a session dropped as a slow consumer ends its call with UNAVAILABLE', async () => {
    const s = openGrpc(server.app.uniGrpcPort!, { token: await connToken('slow-grpc') });
    sessions.push(s);
    assert.ok((await s.next()).connect);
    const [client] = server.app.node.hub.userClients('slow-grpc');
    assert.ok(client);
    client.onWriteTimeout();
    assert.equal(await s.ended(), 14);
    assert.equal(server.app.node.hub.userClients('slow-grpc').size, 0);
  });

  it('uni_sse: a plain EventSource gets the connect push and publications', async () => {
    const token = await connToken('es-user', { channels: ['news:es'] });
    const es = new EventSource(`${server.httpUrl}/connection/uni_sse?cf_connect=${encodeURIComponent(JSON.stringify({ token }))}`);
    const got: PushJson[] = [];
    es.onmessage = (e: MessageEvent<string>) => got.push(JSON.parse(e.data) as PushJson);
    try {
      const deadline = Date.now() + 3000;
      while (!got.some((p) => p.connect) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(got[0]?.connect);
      await api('publish', { channel: 'news:es', data: 'hello' });
      while (!got.some((p) => p.pub) && Date.now() < deadline + 3000) await new Promise((r) => setTimeout(r, 20));
      assert.equal(got.find((p) => p.pub)?.pub?.data, 'hello');
    } finally {
      es.close();
    }
  });

  it('uni_sse and uni_http_stream answer a malformed connect request with 400, an oversized one with 413', async () => {
    const sse = await fetch(`${server.httpUrl}/connection/uni_sse?cf_connect=${encodeURIComponent('{"token":')}`);
    assert.equal(sse.status, 400);
    assert.match(await sse.text(), /invalid connect request in cf_connect/);
    const typed = await fetch(`${server.httpUrl}/connection/uni_http_stream`, { method: 'POST', body: '{"token":42}' });
    assert.equal(typed.status, 400);
    assert.match(await typed.text(), /connect request\.token: expected string/);
    const big = await fetch(`${server.httpUrl}/connection/uni_http_stream`, { method: 'POST', body: JSON.stringify({ token: 'x'.repeat(4096) }) });
    assert.equal(big.status, 413);
    assert.match(await big.text(), /uni_http_stream\.max_request_body_size/);
    const get = await fetch(`${server.httpUrl}/connection/uni_http_stream`);
    assert.equal(get.status, 405);
  });

  it('uni_websocket: the connect request may be the first message; a malformed one closes with 3501', async () => {
    const token = await connToken('first-msg', { channels: ['news:fm'] });
    const s = openWebSocket(server.httpUrl, { token }, { firstMessage: true });
    sessions.push(s);
    assert.ok((await s.next()).connect);
    await api('publish', { channel: 'news:fm', data: [1] });
    assert.deepEqual((await nextMatching(s, (p) => p.channel === 'news:fm')).pub?.data, [1]);

    const bad = openWebSocket(server.httpUrl, 'not json', { firstMessage: true });
    sessions.push(bad);
    assert.equal(await bad.ended(), 3501);
  });

  it('uni_websocket: a malformed cf_connect is refused with 400 before the upgrade', async () => {
    const ws = new WebSocket(`${server.httpUrl.replace(/^http/, 'ws')}/connection/uni_websocket?cf_connect=%7B`);
    const status = await new Promise<number>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('upgraded')));
      ws.on('error', () => {});
    });
    assert.equal(status, 400);
  });

  it('uni_websocket: the server sends WebSocket ping frames, which the client answers', async () => {
    const s = openWebSocket(server.httpUrl, { token: await connToken('pinged') });
    sessions.push(s);
    assert.ok((await s.next()).connect);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ping frame')), 3000);
      s.ws.once('ping', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  });
});

describe('uni_websocket options', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.uniWebsocket = { ...c.uniWebsocket, enabled: true, joinPushMessages: true, disableDisconnectPush: true };
      }),
    );
  });

  after(() => server.close());

  /** Raw frames of a uni_websocket session, and its close code. */
  const frames = (token: string): { ws: WebSocket; got: string[]; closed: Promise<number> } => {
    const ws = new WebSocket(`${server.httpUrl.replace(/^http/, 'ws')}/connection/uni_websocket?cf_connect=${encodeURIComponent(JSON.stringify({ token }))}`);
    const got: string[] = [];
    ws.on('message', (d: Buffer) => got.push(d.toString('utf8')));
    return { ws, got, closed: new Promise((resolve) => ws.on('close', (code: number) => resolve(code))) };
  };

  it('join_push_messages: the pushes of one turn share a frame, one JSON per line', async () => {
    const { ws, got } = frames(await connToken('joined', { channels: ['batch'] }));
    try {
      const deadline = Date.now() + 3000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const commands = Array.from({ length: 5 }, (_, n) => ({ publish: { channel: 'batch', data: { n } } }));
      const res = await fetch(`${server.httpUrl}/api/batch`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ commands }) });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      const pubs = (): PushJson[] => got.flatMap((f) => f.split('\n').map((l) => JSON.parse(l) as PushJson)).filter((p) => p.pub);
      while (pubs().length < 5 && Date.now() < deadline + 3000) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(pubs().map((p) => p.pub?.data), [0, 1, 2, 3, 4].map((n) => ({ n })));
      assert.ok(got.some((f) => f.includes('\n')), 'one batch, one turn: at least one frame holds several pushes');
    } finally {
      ws.terminate();
    }
  });

  it('disable_disconnect_push: a refused connect is told by the close frame alone', async () => {
    const { got, closed } = frames(await sign({ sub: 'x' }, 'another-secret-entirely-0123456789'));
    assert.equal(await closed, 3500);
    assert.deepEqual(got, []);
  });
});
