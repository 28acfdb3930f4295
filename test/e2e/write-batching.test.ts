import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { RawClient } from '../helpers/raw.js';
import { collect, decoded, sdk, type Sdk, type SdkProtocol } from '../helpers/sdk.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'write-batching-api-key';
/** Long enough that sequential publishes from this process land within one delay. */
const DELAY = 1500;
const MAX_IN_FRAME = 3;

/** Messages in one frame: newline-joined JSON, or varint-length-delimited protobuf. */
function messagesIn(frame: Buffer, protocol: SdkProtocol): number {
  if (protocol === 'json') return frame.toString().split('\n').filter(Boolean).length;
  let n = 0;
  for (let at = 0; at < frame.length; n++) {
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      const b = frame[at++]!;
      len |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    at += len;
  }
  return n;
}

/** A `ws` WebSocket that notes how many messages each frame it receives holds. */
function countingSocket(protocol: SdkProtocol, frames: number[]): unknown {
  return class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      // In protobuf mode the SDK asks for ArrayBuffers.
      this.on('message', (data: Buffer | ArrayBuffer) => frames.push(messagesIn(Buffer.from(data as ArrayBuffer), protocol)));
    }
  };
}

async function startBatching(replyWithoutQueue: boolean): Promise<TestServer> {
  return startServer(
    testConfig((c) => {
      c.httpApi.key = KEY;
      c.channel.withoutNamespace.allowSubscribeForClient = true;
      c.channel.withoutNamespace.allowPublishForSubscriber = true;
      c.client.writeDelay = DELAY;
      c.client.maxMessagesInFrame = MAX_IN_FRAME;
      c.client.replyWithoutQueue = replyWithoutQueue;
    }),
  );
}

async function publish(server: TestServer, channel: string, data: unknown): Promise<void> {
  const res = await fetch(`${server.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel, data }) });
  assert.equal(res.status, 200);
}

describe('client.write_delay with the SDK', () => {
  let server: TestServer;
  const clients: Sdk[] = [];

  before(async () => {
    server = await startBatching(true);
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
  });

  for (const protocol of ['json', 'protobuf'] as const) {
    it(`delivers publications in order, several to a frame and at most max_messages_in_frame (${protocol})`, async () => {
      const frames: number[] = [];
      const c = sdk(protocol, server.url, { token: await connToken(`batch-${protocol}`), websocket: countingSocket(protocol, frames) });
      clients.push(c);
      const channel = `batched-${protocol}`;
      const sub = c.newSubscription(channel);
      c.connect();
      sub.subscribe();
      await sub.ready(5000);
      const before = frames.length;
      const got = collect<{ data: unknown }>(sub, 'publication', 7, 10_000);
      // Each publish is its own request, so without the delay each would leave in its own frame.
      for (let n = 0; n < 7; n++) await publish(server, channel, { n });
      const pubs = await got;
      assert.deepEqual(
        pubs.map((p) => decoded<{ n: number }>(protocol, p.data).n),
        [0, 1, 2, 3, 4, 5, 6],
      );
      const pubFrames = frames.slice(before);
      assert.equal(
        pubFrames.reduce((a, b) => a + b, 0),
        7,
      );
      assert.ok(
        pubFrames.every((n) => n <= MAX_IN_FRAME),
        `frames of ${pubFrames.join(', ')} messages`,
      );
      assert.ok(pubFrames.length < 7, `every publication came alone: ${pubFrames.join(', ')}`);
    });
  }
});

describe('client.reply_without_queue', () => {
  const servers: TestServer[] = [];
  const raws: RawClient[] = [];

  after(async () => {
    for (const r of raws) r.close();
    for (const s of servers) await s.close();
  });

  /** A raw JSON client subscribed to `channel`, and the frames it gets as lists of messages. */
  async function subscribed(server: TestServer, channel: string): Promise<{ raw: RawClient; frames: unknown[][] }> {
    const raw = await RawClient.open(server.url, { deflate: false });
    raws.push(raw);
    const frames: unknown[][] = [];
    raw.ws.on('message', (data: Buffer) => frames.push(data.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown)));
    raw.send({ id: 1, connect: { token: await connToken('raw') } }, { id: 2, subscribe: { channel } });
    await raw.reply(2, 3 * DELAY);
    return { raw, frames };
  }

  const isReply = (id: number) => (m: unknown) => (m as { id?: number }).id === id;
  const isPub = (m: unknown) => (m as { push?: { pub?: unknown } }).push?.pub !== undefined;

  it('on: a reply leaves at once and takes the pushes queued before it along, in order', async () => {
    const server = await startBatching(true);
    servers.push(server);
    const { raw, frames } = await subscribed(server, 'urgent');
    await publish(server, 'urgent', { n: 1 });
    raw.send({ id: 3, publish: { channel: 'urgent', data: { n: 2 } } });
    await raw.reply(3, DELAY);
    const frame = frames.find((f) => f.some(isReply(3)))!;
    // The API's publication was waiting for the delay; the reply took it (and the publication
    // of its own command) along, ahead of itself.
    assert.deepEqual(
      frame.filter(isPub).map((m) => (m as { push: { pub: { data: { n: number } } } }).push.pub.data.n),
      [1, 2],
    );
    assert.ok(isReply(3)(frame.at(-1)), JSON.stringify(frame));
  });

  it('off: a reply waits for the delay like a push, and shares its frame', async () => {
    const server = await startBatching(false);
    servers.push(server);
    const { raw, frames } = await subscribed(server, 'queued');
    raw.send({ id: 3, publish: { channel: 'queued', data: { n: 1 } } });
    await raw.reply(3, 3 * DELAY);
    await until(() => frames.flat().filter(isPub).length === 1);
    const frame = frames.find((f) => f.some(isReply(3)))!;
    // The reply and the publication it caused left together, after the delay.
    assert.equal(frame.length, 2, JSON.stringify(frame));
    assert.ok(frame.some(isPub));
  });
});
