import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';
import { WireClient, acceptFor, clientFrame, closePayload } from '../helpers/ws-wire.js';

const TEXT = 1;
const BINARY = 2;
const CONTINUATION = 0;
const CLOSE = 8;
const PING = 9;
const PONG = 10;
const LIMIT = 4096;
const KEY = 'conformance-api-key';

/** RFC 6455 as the server speaks it over its own connection (no compression), frame by frame on a bare socket. */
describe('WebSocket conformance', () => {
  let server: TestServer;
  let port: number;

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.websocket.messageSizeLimit = LIMIT;
        c.httpApi.key = KEY;
        // The session drops a peer that leaves its close frame unanswered this long: far off here.
        c.websocket.writeTimeout = 60_000;
      }),
    );
    port = server.app.address().port;
  });
  after(() => server.close());

  const open = (t: TestContext, opts: Parameters<typeof WireClient.open>[2] = {}): Promise<WireClient> => WireClient.open(t, port, opts);

  async function connectCommand(id = 1, pad = 0): Promise<string> {
    // JSON allows whitespace: padding makes a command as long as a test needs.
    return `{"id":${id},${' '.repeat(pad)}"connect":{"token":"${await connToken(`wire-${id}`)}"}}`;
  }

  /** Reads until the reply with `id` (skipping pushes) and checks it is a connect result. */
  async function expectConnected(c: WireClient, id = 1): Promise<void> {
    for (;;) {
      const replies = await c.json();
      const reply = replies.find((r) => r.id === id);
      if (!reply) continue;
      assert.ok(reply.connect, `connect result expected, got ${JSON.stringify(reply)}`);
      return;
    }
  }

  /** The server's close frame has `code`, and the server ends the connection. */
  async function expectClosedWith(c: WireClient, code: number): Promise<void> {
    assert.equal((await c.closeFrame()).code, code);
    await c.until(() => c.ended, 'the server to end the socket');
  }

  describe('handshake', () => {
    it('answers 101 with the accept value and no subprotocol when none is offered', async (t) => {
      const key = 'dGhlIHNhbXBsZSBub25jZQ==';
      const c = await open(t, { headers: { 'Sec-WebSocket-Key': key } });
      assert.equal(c.status, 101);
      assert.equal(c.header('Sec-WebSocket-Accept'), acceptFor(key));
      assert.equal(c.header('Sec-WebSocket-Accept'), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
      assert.equal(c.header('Sec-WebSocket-Protocol'), undefined);
      assert.equal(c.header('Sec-WebSocket-Extensions'), undefined);
    });

    it('echoes centrifuge-protobuf over centrifuge-json, and neither for unknown ones', async (t) => {
      const both = await open(t, { headers: { 'Sec-WebSocket-Protocol': 'centrifuge-json, centrifuge-protobuf' } });
      assert.equal(both.header('Sec-WebSocket-Protocol'), 'centrifuge-protobuf');
      const json = await open(t, { headers: { 'Sec-WebSocket-Protocol': 'other, centrifuge-json' } });
      assert.equal(json.header('Sec-WebSocket-Protocol'), 'centrifuge-json');
      const unknown = await open(t, { headers: { 'Sec-WebSocket-Protocol': 'mqtt' } });
      assert.equal(unknown.status, 101);
      assert.equal(unknown.header('Sec-WebSocket-Protocol'), undefined);
    });

    it('offers no extension back when compression is off, whatever the client offers', async (t) => {
      const c = await open(t, { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' } });
      assert.equal(c.status, 101);
      assert.equal(c.header('Sec-WebSocket-Extensions'), undefined);
    });

    it('refuses bad requests with the statuses ws gives', async (t) => {
      const cases: Array<[string, Parameters<typeof WireClient.open>[2], number]> = [
        ['POST', { method: 'POST' }, 405],
        ['another Upgrade', { headers: { Upgrade: 'h2c' } }, 400],
        ['no key', { headers: { 'Sec-WebSocket-Key': null } }, 400],
        ['a key of 15 bytes', { headers: { 'Sec-WebSocket-Key': Buffer.alloc(15).toString('base64') } }, 400],
        ['a key that is not base64', { headers: { 'Sec-WebSocket-Key': '!!!!!!!!!!!!!!!!!!!!!!==' } }, 400],
        ['no version', { headers: { 'Sec-WebSocket-Version': null } }, 400],
        ['a duplicated subprotocol', { headers: { 'Sec-WebSocket-Protocol': 'centrifuge-json, centrifuge-json' } }, 400],
        ['an empty subprotocol', { headers: { 'Sec-WebSocket-Protocol': 'a,,b' } }, 400],
      ];
      for (const [what, opts, status] of cases) {
        const c = await open(t, opts);
        assert.equal(c.status, status, what);
        await c.closed;
      }
      const old = await open(t, { headers: { 'Sec-WebSocket-Version': '12' } });
      assert.equal(old.status, 400);
      assert.equal(old.header('Sec-WebSocket-Version'), '13, 8');
    });
  });

  describe('messages', () => {
    it('reads frames that came behind the request, in the same packet', async (t) => {
      const c = await open(t, { after: clientFrame(TEXT, await connectCommand()) });
      assert.equal(c.status, 101);
      await expectConnected(c);
    });

    it('reads a message that arrives byte by byte', async (t) => {
      const c = await open(t);
      await c.sendInPieces(clientFrame(TEXT, await connectCommand(1, 200)), 1);
      await expectConnected(c);
    });

    it('reads 16-bit and 64-bit lengths, and several frames in one chunk', async (t) => {
      const c = await open(t);
      const long = await connectCommand(1, 300);
      assert.ok(long.length > 125);
      c.send(clientFrame(TEXT, long, { lengthBits: 16 }));
      await expectConnected(c);
      const d = await open(t);
      // A non-minimal length encoding is still a length (ws takes it too).
      d.send(clientFrame(TEXT, await connectCommand(1), { lengthBits: 64 }), clientFrame(PING, 'p'));
      await expectConnected(d);
      const big = await open(t);
      const huge = await connectCommand(1, 3000);
      big.send(clientFrame(TEXT, huge, { lengthBits: 64 }));
      await expectConnected(big);
    });

    it('joins a fragmented message, answering a ping sent between its fragments first', async (t) => {
      const c = await open(t);
      const cmd = Buffer.from(await connectCommand());
      const a = cmd.subarray(0, 10);
      const b = cmd.subarray(10, 20);
      const rest = cmd.subarray(20);
      c.send(clientFrame(TEXT, a, { fin: false }), clientFrame(CONTINUATION, b, { fin: false }), clientFrame(PING, 'mid-message'));
      const pong = await c.next('pong');
      assert.equal(pong.opcode, PONG);
      assert.equal(pong.payload.toString(), 'mid-message');
      c.send(clientFrame(CONTINUATION, rest));
      await expectConnected(c);
    });

    it('takes a text message whose UTF-8 character is split between fragments', async (t) => {
      const accented = Buffer.from('é');
      const c = await open(t);
      const withName = Buffer.from(`{"id":1,"connect":{"name":"é","token":"${await connToken('wire-utf8')}"}}`);
      const at = withName.indexOf(accented) + 1;
      c.send(clientFrame(TEXT, withName.subarray(0, at), { fin: false }), clientFrame(CONTINUATION, withName.subarray(at)));
      await expectConnected(c);
    });

    it('answers a ping with its payload and ignores pongs', async (t) => {
      const c = await open(t);
      c.send(clientFrame(PONG, 'unasked'), clientFrame(PING, Buffer.from([1, 2, 3])));
      const pong = await c.next('pong');
      assert.equal(pong.opcode, PONG);
      assert.deepEqual([...pong.payload], [1, 2, 3]);
      c.send(clientFrame(TEXT, await connectCommand()));
      await expectConnected(c);
    });

    it('sends a publication over 64 KiB as one frame with a 64-bit length', async (t) => {
      const c = await open(t);
      c.send(clientFrame(TEXT, `{"id":1,"connect":{"token":"${await connToken('wire-big', { channels: ['big'] })}"}}`));
      await expectConnected(c);
      const data = { text: 'x'.repeat(100_000) };
      const res = await fetch(`${server.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel: 'big', data }) });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      for (;;) {
        const pushes = await c.json();
        const pub = pushes.find((p) => (p.push as { pub?: unknown } | undefined)?.pub);
        if (!pub) continue;
        assert.deepEqual((pub.push as { pub: { data: unknown } }).pub.data, data);
        return;
      }
    });

    it('takes a message of exactly the limit', async (t) => {
      const c = await open(t);
      const cmd = await connectCommand();
      c.send(clientFrame(TEXT, cmd.replace('{"id":1,', `{"id":1,${' '.repeat(LIMIT - cmd.length)}`)));
      await expectConnected(c);
    });
  });

  describe('protocol errors close with ws codes', () => {
    const cases: Array<[string, () => Buffer[], number]> = [
      ['an unmasked frame', () => [clientFrame(TEXT, '{}', { mask: false })], 1002],
      ['RSV1 without compression', () => [clientFrame(TEXT, '{}', { rsv: 0x40 })], 1002],
      ['RSV2', () => [clientFrame(TEXT, '{}', { rsv: 0x20 })], 1002],
      ['RSV3', () => [clientFrame(PING, '', { rsv: 0x10 })], 1002],
      ['a reserved data opcode', () => [clientFrame(3, '{}')], 1002],
      ['a reserved control opcode', () => [clientFrame(0x0b, '')], 1002],
      ['a fragmented ping', () => [clientFrame(PING, 'x', { fin: false })], 1002],
      ['a ping of 126 bytes', () => [clientFrame(PING, Buffer.alloc(126))], 1002],
      ['a close frame of one byte', () => [clientFrame(CLOSE, Buffer.from([3]))], 1002],
      ['a continuation with no message started', () => [clientFrame(CONTINUATION, '{}')], 1002],
      ['a new message inside a fragmented one', () => [clientFrame(TEXT, '{', { fin: false }), clientFrame(BINARY, '}')], 1002],
      ['a close code that may not be sent', () => [clientFrame(CLOSE, closePayload(1005))], 1002],
      ['a close code out of range', () => [clientFrame(CLOSE, closePayload(999))], 1002],
      ['a close code in the unassigned range', () => [clientFrame(CLOSE, closePayload(2000))], 1002],
      ['invalid UTF-8 in a text message', () => [clientFrame(TEXT, Buffer.from([0x7b, 0xff, 0x7d]))], 1007],
      ['invalid UTF-8 across fragments', () => [clientFrame(TEXT, Buffer.from([0x22, 0xc3]), { fin: false }), clientFrame(CONTINUATION, Buffer.from([0x28]))], 1007],
      ['invalid UTF-8 in a close reason', () => [clientFrame(CLOSE, closePayload(1000, Buffer.from([0xff])))], 1007],
      ['a frame over the limit, told by its header alone', () => [clientFrame(BINARY, Buffer.alloc(0), { lengthBits: 16, declaredLength: LIMIT + 1 })], 1009],
      ['fragments over the limit together', () => [clientFrame(BINARY, Buffer.alloc(LIMIT - 10), { fin: false }), clientFrame(CONTINUATION, Buffer.alloc(11))], 1009],
      ['more fragments than ws takes (16384)', () => [clientFrame(TEXT, '{', { fin: false }), ...Array.from({ length: 16_384 }, () => clientFrame(CONTINUATION, '', { fin: false }))], 1008],
      ['a 64-bit length past 2^53 - 1', () => [clientFrame(BINARY, Buffer.alloc(0), { lengthBits: 64, declaredLength: 2n ** 53n })], 1009],
    ];
    for (const [what, frames, code] of cases) {
      it(`${code} for ${what}`, async (t) => {
        const c = await open(t);
        c.send(...frames());
        await expectClosedWith(c, code);
      });
    }

    it('closes a connected session the same way, and reads nothing after the error', async (t) => {
      const c = await open(t);
      c.send(clientFrame(TEXT, await connectCommand()));
      await expectConnected(c);
      c.send(clientFrame(TEXT, '{}', { mask: false }), clientFrame(PING, 'after'));
      await expectClosedWith(c, 1002);
      assert.ok(!c.frames.some((f) => f.opcode === PONG), 'no pong after the error');
    });
  });

  describe('closing handshake', () => {
    it('echoes the peer close code and reason, then ends the socket', async (t) => {
      const c = await open(t);
      c.send(clientFrame(TEXT, await connectCommand()));
      await expectConnected(c);
      c.send(clientFrame(CLOSE, closePayload(4001, 'done here')), clientFrame(PING, 'after close'));
      assert.deepEqual(await c.closeFrame(), { code: 4001, reason: 'done here' });
      await c.until(() => c.ended, 'the server to end the socket');
      assert.ok(!c.frames.some((f) => f.opcode === PONG), 'nothing read after the close frame');
    });

    it('echoes an empty close frame empty', async (t) => {
      const c = await open(t);
      c.send(clientFrame(CLOSE, Buffer.alloc(0)));
      const f = await c.next('close frame');
      assert.equal(f.opcode, CLOSE);
      assert.equal(f.payload.length, 0);
      await c.until(() => c.ended, 'the server to end the socket');
    });

    it('waits for the peer to answer its own close frame before ending', async (t) => {
      const c = await open(t);
      // A command before connect is a bad request: the server closes with 3501.
      c.send(clientFrame(TEXT, '{"id":1,"rpc":{}}'));
      assert.equal((await c.closeFrame()).code, 3501);
      // Another connection's whole handshake is time enough for an end that would have come.
      await open(t);
      assert.equal(c.ended, false, 'the server waits for the close frame');
      c.send(clientFrame(CLOSE, closePayload(3501)));
      await c.until(() => c.ended, 'the server to end the socket');
      await c.closed;
    });

    it('ends its side when the peer ends without a close frame', async (t) => {
      const c = await open(t);
      c.send(clientFrame(TEXT, await connectCommand()));
      await expectConnected(c);
      c.socket.end();
      await c.closed;
      assert.equal(c.ended, true);
    });
  });
});

/** uni_websocket runs over the same connection: its ping frames and the peer's pongs. */
describe('uni_websocket ping frames over the lean connection', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.uniWebsocket = { ...c.uniWebsocket, enabled: true };
        c.client.pingInterval = 600;
        c.client.pongTimeout = 300;
      }),
    );
  });
  after(() => server.close());

  async function nextPing(c: WireClient): Promise<Buffer> {
    for (;;) {
      const f = await c.next('a ping frame');
      if (f.opcode === PING) return f.payload;
    }
  }

  it('keeps a peer that answers ping frames and drops one that stops', async (t) => {
    const connect = encodeURIComponent(JSON.stringify({ token: await connToken('uni-wire') }));
    const c = await WireClient.open(t, server.app.address().port, { path: `/connection/uni_websocket?cf_connect=${connect}` });
    assert.equal(c.status, 101);
    const first = await nextPing(c);
    c.send(clientFrame(PONG, first));
    // A second ping means the first pong counted: without it the socket would be gone by now.
    await nextPing(c);
    assert.equal(c.ended, false);
    await c.closed;
  });
});
