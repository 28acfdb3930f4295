import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { RawClient } from '../helpers/raw.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken, nowSec, sign } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

/** Error paths over bare WebSocket frames: what a broken or hostile client gets. */
describe('client protocol error paths', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  const open = async (opts?: Parameters<typeof RawClient.open>[1]): Promise<RawClient> => {
    const r = await RawClient.open(server.url, opts);
    raws.push(r);
    return r;
  };
  const connectedRaw = async (user = 'u1'): Promise<RawClient> => {
    const r = await open();
    r.send({ id: 1, connect: { token: await connToken(user) } });
    const reply = await r.reply(1);
    assert.ok(reply.connect, JSON.stringify(reply));
    return r;
  };

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.websocket.messageSizeLimit = 1024;
        c.client.channelLimit = 2;
        c.client.allowedOrigins = ['https://*.example.com'];
        c.client.staleCloseDelay = 500;
        c.channel.namespaces = [
          namespace('open', { allowSubscribeForClient: true, historySize: 5, historyTtl: 60_000 }),
          namespace('closed', {}),
        ];
      }),
    );
  });

  after(async () => {
    for (const r of raws) r.close();
    await server.close();
  });

  it('replies to connect with client, version, ping and pong', async () => {
    const r = await open();
    r.send({ id: 1, connect: { token: await connToken('u1', { exp: nowSec() + 100 }) } });
    const reply = (await r.reply(1)).connect as Record<string, unknown>;
    assert.equal(typeof reply.client, 'string');
    assert.equal(typeof reply.version, 'string');
    assert.equal(reply.ping, 25);
    assert.equal(reply.pong, true);
    assert.equal(reply.expires, true);
    assert.ok((reply.ttl as number) > 90 && (reply.ttl as number) <= 100);
  });

  it('disconnects 3501 on malformed JSON', async () => {
    const r = await open();
    r.send('{not json');
    assert.equal((await r.closeCode()).code, 3501);
  });

  it('disconnects 3501 on a command before connect', async () => {
    const r = await open();
    r.send({ id: 1, subscribe: { channel: 'open:x' } });
    assert.equal((await r.closeCode()).code, 3501);
  });

  it('disconnects 3501 on a command with no known method', async () => {
    const r = await connectedRaw();
    r.send({ id: 2, frobnicate: {} });
    assert.equal((await r.closeCode()).code, 3501);
  });

  it('disconnects 3501 on a wrongly typed field', async () => {
    const r = await connectedRaw();
    r.send({ id: 2, subscribe: { channel: 42 } });
    assert.equal((await r.closeCode()).code, 3501);
  });

  it('closes with 1009 on an oversized frame', async () => {
    const r = await open();
    r.send({ id: 1, connect: { token: 'x'.repeat(2000) } });
    assert.equal((await r.closeCode()).code, 1009);
  });

  it('keeps other clients undisturbed when one misbehaves', async () => {
    const good = await connectedRaw('good');
    const bad = await open();
    bad.send('garbage');
    await bad.closeCode();
    good.send({ id: 2, subscribe: { channel: 'open:still-fine' } });
    assert.ok((await good.reply(2)).subscribe);
  });

  it('answers 102 for an unknown namespace and 103 for no permission', async () => {
    const r = await connectedRaw();
    r.send({ id: 2, subscribe: { channel: 'missing:x' } }, { id: 3, subscribe: { channel: 'closed:x' } });
    assert.deepEqual((await r.reply(2)).error, { code: 102, message: 'unknown channel' });
    assert.deepEqual((await r.reply(3)).error, { code: 103, message: 'permission denied' });
  });

  it('answers 105 for a second subscribe and 106 over the channel limit', async () => {
    const r = await connectedRaw();
    r.send({ id: 2, subscribe: { channel: 'open:a' } }, { id: 3, subscribe: { channel: 'open:a' } }, { id: 4, subscribe: { channel: 'open:b' } }, { id: 5, subscribe: { channel: 'open:c' } });
    assert.ok((await r.reply(2)).subscribe);
    assert.equal((await r.reply(3)).error && ((await r.reply(3)).error as { code: number }).code, 105);
    assert.ok((await r.reply(4)).subscribe);
    assert.equal(((await r.reply(5)).error as { code: number }).code, 106);
  });

  it('answers 107 for a channel name over the max length', async () => {
    const r = await connectedRaw();
    r.send({ id: 2, subscribe: { channel: 'open:' + 'x'.repeat(300) } });
    assert.equal(((await r.reply(2)).error as { code: number }).code, 107);
  });

  it('answers 109 for an expired token and 3500 for a bad signature', async () => {
    const r = await open();
    r.send({ id: 1, connect: { token: await sign({ sub: 'u', exp: nowSec() - 5 }) } });
    assert.deepEqual((await r.reply(1)).error, { code: 109, message: 'token expired' });
    // After a failed connect, the connection is unusable.
    r.send({ id: 2, subscribe: { channel: 'open:x' } });
    assert.equal((await r.closeCode()).code, 3501);

    const bad = await open();
    bad.send({ id: 1, connect: { token: await sign({ sub: 'u' }, 'another-secret-another-secret-xx') } });
    const closed = await bad.closeCode();
    assert.equal(closed.code, 3500);
    assert.equal(closed.reason, 'invalid token');
  });

  it('refuses alg none and a connection token with a channel claim', async () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    const r = await open();
    r.send({ id: 1, connect: { token: none } });
    assert.equal((await r.closeCode()).code, 3500);
    const r2 = await open();
    r2.send({ id: 1, connect: { token: await sign({ sub: 'x', channel: 'open:x' }) } });
    assert.equal((await r2.closeCode()).code, 3500);
  });

  it('disconnects 3501 without a token when anonymous connect is off', async () => {
    const r = await open();
    r.send({ id: 1, connect: {} });
    assert.equal((await r.closeCode()).code, 3501);
  });

  it('disconnects 3502 when connect never comes', async () => {
    const r = await open();
    assert.equal((await r.closeCode(3000)).code, 3502);
  });

  it('rejects the upgrade with 403 for a foreign origin', async () => {
    await assert.rejects(RawClient.open(server.url, { headers: { Origin: 'https://evil.test' } }), /HTTP 403/);
    const ok = await open({ headers: { Origin: 'https://app.example.com' } });
    assert.equal(ok.ws.readyState, WebSocket.OPEN);
  });

  it('answers an unexpected pong with 3501', async () => {
    const r = await connectedRaw();
    r.send({});
    assert.equal((await r.closeCode()).code, 3501);
  });

  it('answers 3508 to an async message without a handler', async () => {
    const r = await connectedRaw();
    r.send({ send: { data: { x: 1 } } });
    assert.equal((await r.closeCode()).code, 3508);
  });

  it('serves /health', async () => {
    const res = await fetch(`${server.httpUrl}/health`);
    assert.equal(res.status, 200);
    const other = await fetch(`${server.httpUrl}/nope`);
    assert.equal(other.status, 404);
  });
});

describe('keepalive and limits', () => {
  it('pings, and disconnects 3012 when no pong comes', async (t) => {
    const server = await startServer(
      testConfig((c) => {
        c.client.pingInterval = 600;
        c.client.pongTimeout = 300;
      }),
    );
    t.after(() => server.close());
    const r = await RawClient.open(server.url);
    t.after(() => r.close());
    r.send({ id: 1, connect: { token: await connToken('p') } });
    await r.reply(1);
    const closed = await r.closeCode(3000);
    assert.equal(closed.code, 3012);
    assert.ok(r.messages.some((m) => JSON.stringify(m) === '{}'), 'a ping was sent');
  });

  it('stays connected when pongs come back', async (t) => {
    const server = await startServer(
      testConfig((c) => {
        c.client.pingInterval = 400;
        c.client.pongTimeout = 200;
      }),
    );
    t.after(() => server.close());
    const r = await RawClient.open(server.url);
    t.after(() => r.close());
    r.ws.on('message', (d: Buffer) => {
      if (d.toString() === '{}') r.send({});
    });
    r.send({ id: 1, connect: { token: await connToken('p') } });
    await r.reply(1);
    // A missed pong closes the socket (3012) before the next ping is due: a third ping
    // shows that two rounds of pongs were accepted.
    const pings = () => r.messages.filter((m) => JSON.stringify(m) === '{}').length;
    await until(() => pings() >= 3 || r.ws.readyState !== WebSocket.OPEN, 10_000);
    assert.equal(r.ws.readyState, WebSocket.OPEN);
    assert.ok(pings() >= 3);
  });

  it('ends a session at its token expiry when the deadline is several pings away (3005)', async (t) => {
    const server = await startServer(
      testConfig((c) => {
        c.client.pingInterval = 300;
        c.client.pongTimeout = 200;
        c.client.expiredCloseDelay = 0;
      }),
    );
    t.after(() => server.close());
    const r = await RawClient.open(server.url);
    t.after(() => r.close());
    r.ws.on('message', (d: Buffer) => {
      if (d.toString() === '{}') r.send({});
    });
    const exp = nowSec() + 2;
    r.send({ id: 1, connect: { token: await connToken('p', { exp }) } });
    await r.reply(1);
    const closed = await r.closeCode(4000);
    assert.equal(closed.code, 3005);
    assert.ok(Date.now() >= exp * 1000, 'not before the token expired');
    assert.ok(Date.now() < exp * 1000 + 1000, 'at the expiry, not pings later');
  });

  it('disconnects 3504 over the node connection limit', async (t) => {
    const server = await startServer(testConfig((c) => (c.client.connectionLimit = 1)));
    t.after(() => server.close());
    const first = await RawClient.open(server.url);
    t.after(() => first.close());
    first.send({ id: 1, connect: { token: await connToken('a') } });
    await first.reply(1);
    const second = await RawClient.open(server.url);
    t.after(() => second.close());
    second.send({ id: 1, connect: { token: await connToken('b') } });
    assert.equal((await second.closeCode()).code, 3504);
  });

  it('disconnects a slow consumer with 3008', async (t) => {
    const server = await startServer(
      testConfig((c) => {
        c.client.queueMaxSize = 64 * 1024;
        c.websocket.messageSizeLimit = 1 << 20;
        c.channel.withoutNamespace.allowSubscribeForClient = true;
        c.channel.withoutNamespace.allowPublishForClient = true;
      }),
    );
    t.after(() => server.close());
    const slow = await RawClient.open(server.url);
    t.after(() => slow.close());
    slow.send({ id: 1, connect: { token: await connToken('slow') } }, { id: 2, subscribe: { channel: 'firehose' } });
    await slow.reply(2);
    // Stop reading: the socket buffers fill and the server-side queue overflows.
    slow.ws.pause();
    const pub = await RawClient.open(server.url);
    t.after(() => pub.close());
    pub.send({ id: 1, connect: { token: await connToken('pub') } });
    await pub.reply(1);
    const big = { blob: 'x'.repeat(4000) };
    let id = 2;
    const closed = slow.closed;
    let code = 0;
    void closed.then((c) => (code = c.code));
    for (let round = 0; round < 200 && code === 0; round++) {
      const batch = [];
      for (let i = 0; i < 50; i++) batch.push({ id: id++, publish: { channel: 'firehose', data: big } });
      pub.send(...batch);
      await pub.reply(id - 1);
    }
    slow.ws.resume();
    assert.equal((await slow.closeCode()).code, 3008);
  });
});

describe('graceful shutdown', () => {
  it('disconnects clients with 3001 and stops', async () => {
    const server = await startServer(testConfig());
    const r = await RawClient.open(server.url);
    r.send({ id: 1, connect: { token: await connToken('s') } });
    await r.reply(1);
    const closing = server.close();
    const closed = await r.closeCode();
    assert.equal(closed.code, 3001);
    assert.equal(closed.reason, 'shutdown');
    await closing;
  });
});
