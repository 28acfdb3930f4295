import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { RawClient } from '../helpers/raw.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'compression-api-key';
/** Compressible and over compression_min_size. */
const BIG = { text: 'the quick brown fox jumps over the lazy dog '.repeat(50) };
const SMALL = { n: 1 };

interface Push {
  push?: { channel: string; pub?: { data: unknown } };
}

const pubs = (c: RawClient, channel: string): unknown[] =>
  (c.messages as Push[]).filter((m) => m.push?.channel === channel && m.push.pub).map((m) => m.push!.pub!.data);

/** Bytes the client's socket has read: what went over the wire, compressed or not. */
const wireBytes = (ws: WebSocket): number => (ws as unknown as { _socket: Socket })._socket.bytesRead;

/**
 * permessage-deflate on `websocket` (and `uni_websocket`): negotiated only with clients that
 * offer it, compressing per connection above compression_min_size, while clients that do not
 * offer it keep getting the frames shared across the fan-out, in the same broadcast.
 */
describe('WebSocket compression', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  const sdks: Sdk[] = [];

  const publish = async (channel: string, data: unknown): Promise<void> => {
    const res = await fetch(`${server.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel, data }) });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  };

  const raw = async (user: string, channel: string, deflate: boolean): Promise<RawClient> => {
    const c = await RawClient.open(server.url, { deflate });
    raws.push(c);
    c.send({ id: 1, connect: { token: await connToken(user) } }, { id: 2, subscribe: { channel } });
    await c.reply(2);
    return c;
  };

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.channel.withoutNamespace.allowSubscribeForClient = true;
        c.websocket = { ...c.websocket, compression: true, compressionMinSize: 128, compressionLevel: 1 };
        c.uniWebsocket = { ...c.uniWebsocket, enabled: true, compression: true, compressionMinSize: 128 };
      }),
    );
  });

  after(async () => {
    for (const c of raws) c.close();
    for (const s of sdks) s.disconnect();
    await server.close();
  });

  it('is negotiated only with a client that offers it', async () => {
    const offering = await raw('a', 'neg', true);
    const plain = await raw('b', 'neg', false);
    assert.match(offering.ws.extensions, /permessage-deflate/);
    assert.equal(plain.ws.extensions, '');
  });

  it('delivers one broadcast to compressing and plain clients alike, fewer bytes to the compressing ones', async () => {
    const deflating = await Promise.all([0, 1, 2].map((i) => raw(`d${i}`, 'mixed', true)));
    const plain = await Promise.all([0, 1, 2].map((i) => raw(`p${i}`, 'mixed', false)));
    const before = [...deflating, ...plain].map((c) => wireBytes(c.ws));
    for (let i = 0; i < 5; i++) {
      await publish('mixed', BIG);
      await publish('mixed', SMALL);
    }
    const all = [...deflating, ...plain];
    await until(() => all.every((c) => pubs(c, 'mixed').length === 10));
    for (const c of all) assert.deepEqual(pubs(c, 'mixed'), Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? BIG : SMALL)));
    const read = all.map((c, i) => wireBytes(c.ws) - before[i]!);
    const maxDeflated = Math.max(...read.slice(0, 3));
    const minPlain = Math.min(...read.slice(3));
    assert.ok(maxDeflated * 4 < minPlain, `compressed ${maxDeflated} bytes vs plain ${minPlain}`);
  });

  for (const protocol of ['json', 'protobuf'] as const) {
    it(`an SDK client (${protocol}) over a compressing connection subscribes and receives`, async () => {
      const c = sdk(protocol, server.url, { token: await connToken(`sdk-${protocol}`) });
      sdks.push(c);
      const sub = c.newSubscription(`sdk-${protocol}`);
      const got: unknown[] = [];
      // Protobuf SDKs hand payloads over as bytes.
      sub.on('publication', (ctx) => got.push(ctx.data instanceof Uint8Array ? JSON.parse(Buffer.from(ctx.data).toString('utf8')) : ctx.data));
      sub.subscribe();
      c.connect();
      await once(sub, 'subscribed');
      await publish(`sdk-${protocol}`, BIG);
      await publish(`sdk-${protocol}`, SMALL);
      await until(() => got.length === 2);
      assert.deepEqual(got, [BIG, SMALL]);
    });
  }

  it('compresses uni_websocket pushes for a client that offers it', async () => {
    const token = await connToken('uni-z', { channels: ['uni-z'] });
    const ws = new WebSocket(`${server.httpUrl.replace(/^http/, 'ws')}/connection/uni_websocket?cf_connect=${encodeURIComponent(JSON.stringify({ token }))}`);
    const got: Array<{ connect?: unknown; pub?: { data: unknown } }> = [];
    ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString('utf8'))));
    try {
      await until(() => got.length > 0);
      assert.match(ws.extensions, /permessage-deflate/);
      const before = wireBytes(ws);
      await publish('uni-z', BIG);
      await until(() => got.some((p) => p.pub));
      assert.deepEqual(got.find((p) => p.pub)?.pub?.data, BIG);
      assert.ok(wireBytes(ws) - before < JSON.stringify(BIG).length / 4);
    } finally {
      ws.terminate();
    }
  });
});
