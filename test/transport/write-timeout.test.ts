import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { pino } from 'pino';
import { RawClient } from '../helpers/raw.js';
import { rawSocket, readUntilThenStop } from '../helpers/raw-socket.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'write-timeout-api-key';
const WRITE_TIMEOUT = 500;
// Large enough that the byte bound on the queue never trips: only the time bound can close a client here.
const QUEUE_MAX = 512 * 1024 * 1024;
// Big publications fill the kernel's socket buffers (several MB on loopback) in a few dozen writes.
const PAYLOAD = JSON.stringify({ blob: 'x'.repeat(200_000) });

interface LogLine {
  level: number;
  msg: string;
  user?: string;
  client?: string;
  code?: number;
}

/** A server whose log lines the test can read, with short write timeouts and fallback transports on. */
async function serverWithLog(t: TestContext, queueMax = QUEUE_MAX): Promise<{ server: TestServer; logs: LogLine[] }> {
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const server = await startServer(
    testConfig((c) => {
      c.httpApi.key = KEY;
      c.websocket.writeTimeout = WRITE_TIMEOUT;
      c.client.queueMaxSize = queueMax;
      c.sse.enabled = true;
    }),
    pino({ level: 'warn' }, sink),
  );
  t.after(() => server.close());
  return { server, logs };
}

async function publish(server: TestServer, channel: string): Promise<void> {
  const res = await fetch(`${server.httpUrl}/api/publish`, {
    method: 'POST',
    headers: { 'X-API-Key': KEY },
    body: `{"channel":${JSON.stringify(channel)},"data":${PAYLOAD}}`,
  });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
}

interface DropTimes {
  /** From the first publication to the session's end. */
  total: number;
  /** From when the server's socket last began holding bytes back (sampled every 10 ms) to the session's end. */
  backedUp: number;
  published: number;
}

/**
 * Publishes big messages one after another until `user`'s only session is gone, sampling how
 * much its socket holds back meanwhile; fails after `limitMs`.
 */
async function publishUntilDropped(server: TestServer, channel: string, user: string, limitMs: number): Promise<DropTimes> {
  const { node } = server.app;
  const [client] = node.hub.userClients(user);
  assert.ok(client, `no session of ${user}`);
  const start = performance.now();
  let backedUpSince: number | undefined;
  let droppedAt: number | undefined;
  const sampler = setInterval(() => {
    if (!node.hub.userClients(user).has(client)) {
      droppedAt ??= performance.now();
      return;
    }
    if (client.transport.bufferedAmount() === 0) backedUpSince = undefined;
    else backedUpSince ??= performance.now();
  }, 10);
  let published = 0;
  try {
    while (droppedAt === undefined) {
      assert.ok(performance.now() - start < limitMs, `${user} still connected after ${limitMs} ms`);
      await publish(server, channel);
      published++;
    }
  } finally {
    clearInterval(sampler);
  }
  assert.ok(backedUpSince !== undefined, 'the socket never held bytes back');
  return { total: Math.round(droppedAt - start), backedUp: Math.round(droppedAt - backedUpSince), published };
}

/** Publications of `channel` a raw client has received. */
const received = (c: RawClient, channel: string): number =>
  (c.messages as Array<{ push?: { channel?: string; pub?: unknown } }>).filter((m) => m.push?.channel === channel && m.push.pub).length;

/** A WebSocket session of `user` subscribed to `news` whose socket stops reading once connected; resolves with the server's side of it. */
async function stuckWebSocket(t: TestContext, server: TestServer, user: string): Promise<Socket> {
  const accepted = new Promise<Socket>((resolve) => server.app.server.once('connection', resolve));
  // A hand-made upgrade: the socket is ours, so the test can stop reading it for good.
  const token = await connToken(user, { channels: ['news'] });
  const stuck = await rawSocket(
    t,
    server.app.address().port,
    'GET /connection/websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const serverSide = await accepted;
  const upgraded = readUntilThenStop(stuck, '"connect"');
  // A masked text frame with the connect command (client frames must be masked; a zero mask keeps it readable).
  const command = Buffer.from(JSON.stringify({ id: 1, connect: { token } }));
  stuck.write(Buffer.concat([Buffer.from([0x81, 0x80 | 126, command.length >> 8, command.length & 0xff, 0, 0, 0, 0]), command]));
  await upgraded;
  return serverSide;
}

describe('websocket.write_timeout', () => {
  it('drops a WebSocket client that stopped reading, and only that one', async (t) => {
    const { server, logs } = await serverWithLog(t);
    const reader = await RawClient.open(server.url);
    t.after(() => reader.close());
    reader.send({ id: 1, connect: { token: await connToken('reader', { channels: ['news'] }) } });
    await reader.reply(1);

    await stuckWebSocket(t, server, 'stuck');
    assert.equal(server.app.node.numSessions, 2);

    const times = await publishUntilDropped(server, 'news', 'stuck', 15_000);
    assert.equal(server.app.node.numSessions, 1);
    const timedOut = logs.filter((l) => l.msg === 'slow consumer disconnected: write timed out');
    assert.equal(timedOut.length, 1);
    assert.equal(timedOut[0]!.user, 'stuck');
    assert.equal(timedOut[0]!.level, 40);
    assert.ok(times.backedUp < 5000, `dropped ${times.backedUp} ms after its socket backed up`);
    t.diagnostic(`stuck WebSocket: ${JSON.stringify(times)} (ms; ${PAYLOAD.length}-byte publications, write_timeout ${WRITE_TIMEOUT} ms)`);

    // The reading client saw every publication and is still connected.
    await until(() => received(reader, 'news') === times.published);
    reader.send({ id: 2, rpc: { method: 'nothing' } });
    assert.ok(await reader.reply(2));
  });

  it('drops the socket of a slow consumer that no longer reads, instead of waiting for its close handshake', async (t) => {
    // A small queue: the byte bound trips first (3008), and the close frame cannot reach the peer.
    const { server, logs } = await serverWithLog(t, 256 * 1024);
    const serverSide = await stuckWebSocket(t, server, 'slow');
    // Whether the close frame then sits in the socket or in the peer's unread buffer, the peer never answers it.
    for (let published = 0; server.app.node.hub.userClients('slow').size > 0; published++) {
      assert.ok(published < 500, 'slow is still connected');
      await publish(server, 'news');
    }
    assert.equal(logs.filter((l) => l.msg === 'slow consumer disconnected' && l.user === 'slow').length, 1);
    // ws alone would keep the socket 30 s for a close frame that never comes back.
    await until(() => serverSide.destroyed, 5000);
  });

  it('drops an SSE stream that is no longer read', async (t) => {
    const { server, logs } = await serverWithLog(t);
    const command = encodeURIComponent(JSON.stringify({ id: 1, connect: { token: await connToken('stuck-sse', { channels: ['news'] }) } }));
    const stuck = await rawSocket(t, server.app.address().port, `GET /connection/sse?cf_connect=${command} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    await readUntilThenStop(stuck, '"connect"');
    assert.equal(server.app.node.numSessions, 1);

    const times = await publishUntilDropped(server, 'news', 'stuck-sse', 15_000);
    assert.equal(server.app.node.numSessions, 0);
    assert.equal(logs.filter((l) => l.msg === 'slow consumer disconnected: write timed out' && l.user === 'stuck-sse').length, 1);
    assert.ok(times.backedUp < 5000, `dropped ${times.backedUp} ms after its socket backed up`);
    t.diagnostic(`stuck SSE stream: ${JSON.stringify(times)} (ms, write_timeout ${WRITE_TIMEOUT} ms)`);
  });
});
