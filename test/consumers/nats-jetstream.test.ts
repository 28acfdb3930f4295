import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, headers, type JetStreamManager, type NatsConnection } from 'nats';
import type { ConsumerConfig } from '../../src/config/index.js';
import { OwnRedis } from '../helpers/redis-server.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { natsUrl, randomPrefix, skipWithout } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { consumer, consumerCount, consumerServer, subscriber } from './helpers.js';

const skip = await skipWithout('NATS', natsUrl);

describe('NATS JetStream consumer', { skip: skip || undefined }, () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const streams: string[] = [];
  const servers: TestServer[] = [];
  before(async () => {
    nc = await connect({ servers: natsUrl });
    jsm = await nc.jetstreamManager();
  });
  after(async () => {
    for (const s of servers) await s.close();
    for (const name of streams) await jsm.streams.delete(name).catch(() => undefined);
    await nc.close();
  });

  /** A fresh stream over `<subject>.>`; JetStream stream names may not contain '.', '*' or '>'. */
  const freshStream = async (): Promise<{ name: string; subject: string }> => {
    const subject = randomPrefix('js').replaceAll('-', '_');
    const name = subject.toUpperCase();
    streams.push(name);
    await jsm.streams.add({ name, subjects: [`${subject}.>`] });
    return { name, subject };
  };

  const jetstream = (stream: string, extra: Record<string, unknown> = {}): ConsumerConfig =>
    consumer({ name: 'jetstream', type: 'nats_jetstream', nats_jetstream: { url: natsUrl, stream_name: stream, durable_consumer_name: 'parsec', ...extra } });

  const serve = (c: ConsumerConfig, engine?: OwnRedis): Promise<TestServer> =>
    consumerServer(servers, (cfg) => {
      cfg.consumers = [c];
      if (engine) cfg.engine = { type: 'redis', redis: { ...cfg.engine.redis, address: [engine.url], prefix: randomPrefix('engine') } };
    });

  const publishCommand = async (subject: string, method: string | undefined, body: string): Promise<void> => {
    const h = headers();
    if (method) h.set('centrifugo-method', method);
    await nc.jetstream().publish(subject, new TextEncoder().encode(body), { headers: h });
  };

  it('creates the durable consumer, applies messages in order and acknowledges each; poison is terminated', async () => {
    const { name, subject } = await freshStream();
    const s = await serve(jetstream(name));
    const info = await jsm.consumers.info(name, 'parsec');
    assert.equal(info.config.durable_name, 'parsec');
    const watcher = await subscriber(s.url, ['news']);
    for (let n = 0; n < 10; n++) {
      // The method in a header, or Centrifugo's envelope as the whole message.
      if (n % 2 === 0) await publishCommand(`${subject}.a`, 'publish', JSON.stringify({ channel: 'news', data: { n } }));
      else await publishCommand(`${subject}.b`, undefined, JSON.stringify({ method: 'publish', payload: { channel: 'news', data: { n } } }));
      if (n === 4) {
        await publishCommand(`${subject}.a`, undefined, 'not json');
        await publishCommand(`${subject}.a`, 'publish', JSON.stringify({ channel: 'unknown:ns', data: 1 }));
      }
    }
    await until(() => watcher.total() === 10);
    assert.deepEqual(watcher.byChannel.get('news'), Array.from({ length: 10 }, (_, n) => ({ n })));
    await until(async () => {
      const i = await jsm.consumers.info(name, 'parsec');
      return i.num_ack_pending === 0 && i.num_pending === 0;
    });
    assert.equal(await consumerCount(s.app, 'parsec_consumers_messages_total', { consumer_name: 'jetstream', outcome: 'skipped' }), 2);
    watcher.client.disconnect();
  });

  it('publication data mode: the message is published to the channels its header names', async () => {
    const { name, subject } = await freshStream();
    const s = await serve(jetstream(name, { publication_data_mode: { enabled: true } }));
    const watcher = await subscriber(s.url, ['d1', 'd2']);
    const h = headers();
    h.set('centrifugo-channels', 'd1,d2');
    h.set('centrifugo-tag-source', 'jetstream');
    await nc.jetstream().publish(`${subject}.pub`, new TextEncoder().encode(JSON.stringify({ price: 10 })), { headers: h });
    await until(() => watcher.total() === 2);
    assert.deepEqual(watcher.byChannel.get('d1'), [{ price: 10 }]);
    assert.deepEqual(watcher.byChannel.get('d2'), [{ price: 10 }]);
    watcher.client.disconnect();
  });

  it('resumes from the durable consumer after a restart, with use_existing_consumer', async () => {
    const { name, subject } = await freshStream();
    const first = await serve(jetstream(name, { deliver_policy: 'all' }));
    await first.close();
    // Sent while no server consumes: the durable consumer keeps them.
    await publishCommand(`${subject}.x`, 'publish', JSON.stringify({ channel: 'later', data: 'kept' }));
    const s = await serve(jetstream(name, { use_existing_consumer: true }));
    // Applied at once, before any subscriber could be there: the acknowledgement and the count tell.
    await until(async () => (await jsm.consumers.info(name, 'parsec')).num_pending === 0);
    await until(async () => (await jsm.consumers.info(name, 'parsec')).num_ack_pending === 0);
    assert.equal(await consumerCount(s.app, 'centrifugo_consumers_messages_processed_total', { consumer_name: 'jetstream' }), 1);
  });

  it('stops the start naming the consumer when the stream does not exist', async () => {
    await assert.rejects(
      startServer(testConfig((c) => (c.consumers = [jetstream('PARSEC_NO_SUCH_STREAM')]))),
      (err: Error) => err.message.startsWith('consumer "jetstream"') && /stream not found/i.test(err.message),
    );
  });

  it('negatively acknowledges a command failing while the engine is down; it is delivered again and applied once the engine is back', async () => {
    const engine = await OwnRedis.start();
    try {
      const { name, subject } = await freshStream();
      const s = await serve(jetstream(name), engine);
      await engine.down();
      await publishCommand(`${subject}.x`, 'publish', JSON.stringify({ channel: 'retried', data: 1 }));
      await until(async () => (await jsm.consumers.info(name, 'parsec')).num_redelivered > 0, 10_000);
      assert.equal(await consumerCount(s.app, 'centrifugo_consumers_messages_processed_total', { consumer_name: 'jetstream' }), 0);
      await engine.up();
      await until(async () => (await consumerCount(s.app, 'centrifugo_consumers_messages_processed_total', { consumer_name: 'jetstream' })) === 1, 15_000);
      await until(async () => (await jsm.consumers.info(name, 'parsec')).num_ack_pending === 0);
    } finally {
      await engine.down();
    }
  });

  it('terminates a command still failing after max_attempts deliveries', async () => {
    const engine = await OwnRedis.start();
    try {
      const { name, subject } = await freshStream();
      const s = await serve(consumer({ name: 'jetstream', type: 'nats_jetstream', max_attempts: 2, nats_jetstream: { url: natsUrl, stream_name: name, durable_consumer_name: 'parsec' } }), engine);
      await engine.down();
      await publishCommand(`${subject}.x`, 'publish', JSON.stringify({ channel: 'lost', data: 1 }));
      await until(async () => (await consumerCount(s.app, 'parsec_consumers_messages_total', { consumer_name: 'jetstream', outcome: 'skipped' })) === 1, 10_000);
      assert.equal(await consumerCount(s.app, 'parsec_consumers_messages_total', { consumer_name: 'jetstream', outcome: 'retried' }), 1);
      await until(async () => (await jsm.consumers.info(name, 'parsec')).num_ack_pending === 0);
    } finally {
      await engine.down();
    }
  });
});
