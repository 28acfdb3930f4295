import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { RawClient } from '../helpers/raw.js';
import { closedByPeer, rawSocket, readUntilThenStop } from '../helpers/raw-socket.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { RawStream } from '../helpers/stream.js';
import { connToken } from '../helpers/tokens.js';
import { within } from '../helpers/until.js';

const HEADER_TIMEOUT = 500;
const READ_TIMEOUT = 1000;
/** How long a test waits for the server to close a socket before it fails: far beyond either bound. */
const GIVE_UP = 15_000;

async function server(t: TestContext): Promise<TestServer> {
  const s = await startServer(
    testConfig((c) => {
      c.parsec.httpServer = { readHeaderTimeout: HEADER_TIMEOUT, readTimeout: READ_TIMEOUT };
      c.sse.enabled = true;
      c.httpStream.enabled = true;
      c.httpApi.key = 'http-timeouts-key';
    }),
  );
  t.after(() => s.close());
  return s;
}

/**
 * How long after `start` the server closed `socket`, and what it said first. Node checks the
 * bounds on a timer of its own, so only the lower bound is exact; the upper one is GIVE_UP.
 */
async function closedAfter(socket: Socket, start: number): Promise<{ ms: number; said: string }> {
  const said = await within(closedByPeer(socket), GIVE_UP, 'the server closes the socket');
  return { ms: Math.round(performance.now() - start), said };
}

describe('parsec.http_server read bounds', () => {
  it('closes a half-sent WebSocket upgrade within read_header_timeout', async (t) => {
    const s = await server(t);
    const start = performance.now();
    const socket = await rawSocket(t, s.app.address().port, 'GET /connection/websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n');
    const { ms, said } = await closedAfter(socket, start);
    assert.match(said, /^HTTP\/1\.1 408 /);
    assert.ok(ms >= HEADER_TIMEOUT, `closed after ${ms} ms, before the timeout`);
    t.diagnostic(`half-sent upgrade closed after ${ms} ms (read_header_timeout ${HEADER_TIMEOUT} ms)`);
  });

  it('closes a request whose body never completes within read_timeout, and leaves streams, upgraded sockets and idle keep-alive alone', async (t) => {
    const s = await server(t);
    const { port } = s.app.address();
    // Opened first, so by the time the slow request is closed each has lived longer than read_timeout.
    const ws = await RawClient.open(s.url);
    t.after(() => ws.close());
    ws.send({ id: 1, connect: { token: await connToken('alice') } });
    await ws.reply(1);
    const sse = await RawStream.open(s.httpUrl, { token: await connToken('bob') }, { sse: true });
    t.after(() => sse.close());
    assert.equal(sse.res.status, 200);
    // A POST whose response streams: its request ended with the connect body.
    const stream = await RawStream.open(s.httpUrl, { token: await connToken('carol') });
    t.after(() => stream.close());
    assert.equal(stream.res.status, 200);
    const keepAlive = await rawSocket(t, port, 'GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await readUntilThenStop(keepAlive, '\r\n\r\n');

    const start = performance.now();
    const slow = await rawSocket(
      t,
      port,
      'POST /api/publish HTTP/1.1\r\nHost: localhost\r\nX-API-Key: http-timeouts-key\r\nContent-Length: 100\r\n\r\n{"channel":',
    );
    const { ms, said } = await closedAfter(slow, start);
    assert.match(said, /^HTTP\/1\.1 408 /);
    assert.ok(ms >= READ_TIMEOUT, `closed after ${ms} ms, before the timeout`);
    t.diagnostic(`request with a half-sent body closed after ${ms} ms (read_timeout ${READ_TIMEOUT} ms)`);

    assert.equal(s.app.node.numSessions, 3);
    ws.send({ id: 2, rpc: { method: 'anything' } });
    assert.ok(await ws.reply(2));
    assert.equal(sse.ended, false);
    assert.equal(stream.ended, false);
    // Idle time between requests is not header time: the next request on the kept-alive socket is served.
    const next = readUntilThenStop(keepAlive, '\r\n\r\n');
    keepAlive.resume();
    keepAlive.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    assert.match(await next, /HTTP\/1\.1 200 /);
  });
});
