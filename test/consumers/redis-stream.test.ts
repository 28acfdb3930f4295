import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Config, ConsumerConfig } from '../../src/config/index.js';
import { EngineError } from '../../src/engine/index.js';
import { startOtlpReceiver, SpanKindNumber } from '../helpers/otlp-receiver.js';
import { OwnRedis } from '../helpers/redis-server.js';
import type { TestServer } from '../helpers/server.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { consumer, consumerCount, consumerServer, history, subscriber, withHistory } from './helpers.js';

it("fails to start, naming the consumer's own address key, when its Redis is unreachable", async () => {
  const servers: TestServer[] = [];
  const off = consumer({ name: 'off', enabled: false, type: 'redis_stream' });
  const down = consumer({ name: 'down', type: 'redis_stream', redis_stream: { address: 'redis://127.0.0.1:1', streams: ['s'], consumer_group: 'g' } });
  await assert.rejects(consumerServer(servers, (c) => (c.consumers = [off, down])), (err: unknown) => {
    assert.ok(err instanceof EngineError, String(err));
    assert.match(err.message, /^consumers\[1\]\.redis_stream\.address: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1 for consumer "down": /);
    return true;
  });
  assert.deepEqual(servers, [], 'nothing was left running');
});

const skip = await skipWithout('Redis', redisUrl);

describe('Redis stream consumer', { skip: skip || undefined }, () => {
  let redis: Redis;
  const keys: string[] = [];
  const servers: TestServer[] = [];
  before(() => {
    redis = new Redis(redisUrl);
  });
  after(async () => {
    for (const s of servers) await s.close();
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const stream = (name: string): string => {
    const key = randomPrefix(`stream-${name}`);
    keys.push(key);
    return key;
  };

  const streamConsumer = (streams: string[], extra: Record<string, unknown> = {}): ConsumerConfig =>
    consumer({ name: 'streams', type: 'redis_stream', redis_stream: { address: redisUrl, streams, consumer_group: 'parsec', ...extra } });

  const serve = (edit: (c: Config) => void): Promise<TestServer> => consumerServer(servers, edit);

  /** Entries of the group not yet acknowledged. */
  const pending = async (key: string): Promise<number> => ((await redis.xpending(key, 'parsec')) as [number])[0];

  it('creates the group, applies entries of several streams in order and acknowledges each', async () => {
    const orders = stream('orders');
    const audit = stream('audit');
    const s = await serve((c) => (c.consumers = [streamConsumer([orders, audit])]));
    const groups = (await redis.xinfo('GROUPS', orders)) as unknown[][];
    assert.equal(groups[0]![1], 'parsec', 'the group was created');
    const watcher = await subscriber(s.url, ['orders', 'audit']);
    for (let n = 0; n < 20; n++) {
      // The method in its own field, or Centrifugo's envelope in the payload field alone.
      if (n % 2 === 0) await redis.xadd(orders, '*', 'method', 'publish', 'payload', JSON.stringify({ channel: 'orders', data: { n } }));
      else await redis.xadd(orders, '*', 'payload', JSON.stringify({ method: 'publish', payload: { channel: 'orders', data: { n } } }));
    }
    await redis.xadd(audit, '*', 'method', 'publish', 'payload', JSON.stringify({ channel: 'audit', data: 'a' }));
    await until(() => watcher.total() === 21);
    assert.deepEqual(watcher.byChannel.get('orders'), Array.from({ length: 20 }, (_, n) => ({ n })));
    assert.deepEqual(watcher.byChannel.get('audit'), ['a']);
    await until(async () => (await pending(orders)) === 0 && (await pending(audit)) === 0);
    watcher.client.disconnect();
  });

  it('acknowledges and skips poison entries; later entries still apply', async () => {
    const key = stream('poison');
    const s = await serve((c) => (c.consumers = [streamConsumer([key])]));
    const watcher = await subscriber(s.url, ['feed']);
    await redis.xadd(key, '*', 'payload', '{broken');
    await redis.xadd(key, '*', 'method', 'publish', 'payload', JSON.stringify({ data: 'no channel' }));
    await redis.xadd(key, '*', 'other', 'no payload field');
    await redis.xadd(key, '*', 'method', 'publish', 'payload', JSON.stringify({ channel: 'feed', data: 'after' }));
    await until(() => watcher.total() === 1);
    assert.deepEqual(watcher.byChannel.get('feed'), ['after']);
    await until(async () => (await pending(key)) === 0);
    assert.equal(await consumerCount(s.app, 'parsec_consumers_messages_total', { consumer_name: 'streams', outcome: 'skipped' }), 3);
    watcher.client.disconnect();
  });

  it('publication data mode: the payload is published to the channels a field names, with its options', async () => {
    const key = stream('data-mode');
    const s = await serve((c) => (c.consumers = [streamConsumer([key], { publication_data_mode: { enabled: true } })]));
    const watcher = await subscriber(s.url, ['pd1', 'pd2']);
    const tags: Array<Record<string, string> | undefined> = [];
    watcher.client.getSubscription('pd1')!.on('publication', (ctx) => tags.push(ctx.tags));
    await redis.xadd(key, '*', 'payload', JSON.stringify({ both: true }), 'centrifugo-channels', 'pd1,pd2');
    await redis.xadd(key, '*', 'payload', JSON.stringify({ once: 1 }), 'centrifugo-channels', 'pd1', 'centrifugo-idempotency-key', 'k1', 'centrifugo-tag-kind', 'note');
    await redis.xadd(key, '*', 'payload', JSON.stringify({ once: 2 }), 'centrifugo-channels', 'pd1', 'centrifugo-idempotency-key', 'k1');
    await redis.xadd(key, '*', 'payload', JSON.stringify({ bad: 'version' }), 'centrifugo-channels', 'pd1', 'centrifugo-version', 'soon');
    await redis.xadd(key, '*', 'payload', JSON.stringify({ last: true }), 'centrifugo-channels', 'pd2');
    await until(() => (watcher.byChannel.get('pd2') ?? []).length === 2);
    assert.deepEqual(watcher.byChannel.get('pd1'), [{ both: true }, { once: 1 }], 'the repeated idempotency key is published once, the bad version skipped');
    assert.deepEqual(watcher.byChannel.get('pd2'), [{ both: true }, { last: true }]);
    assert.deepEqual(tags[1], { kind: 'note' });
    await until(async () => (await pending(key)) === 0);
    watcher.client.disconnect();
  });

  it('claims an entry a dead consumer left pending, once idle past the visibility timeout, and applies it', async () => {
    const key = stream('reclaim');
    // A consumer of the group read an entry and died before acknowledging it.
    await redis.xgroup('CREATE', key, 'parsec', '$', 'MKSTREAM');
    await redis.xadd(key, '*', 'method', 'publish', 'payload', JSON.stringify({ channel: 'claimed', data: 'left behind' }));
    const read = (await redis.xreadgroup('GROUP', 'parsec', 'dead-node', 'COUNT', 1, 'STREAMS', key, '>')) as unknown[];
    assert.equal(read.length, 1);
    assert.equal(await pending(key), 1);
    const s = await serve((c) => {
      withHistory(c);
      c.consumers = [streamConsumer([key], { visibility_timeout: '300ms', num_workers: 4 })];
    });
    // Read from history: the claim may come before any subscriber could be there.
    await until(async () => (await pending(key)) === 0, 10_000);
    assert.deepEqual(await history(s, 'claimed'), ['left behind']);
    // Claimed by this node's consumer, then acknowledged.
    const consumers = (await redis.xinfo('CONSUMERS', key, 'parsec')) as unknown[][];
    assert.ok(consumers.some((c) => c[1] === s.app.node.id));
  });

  it('retries a command failing while the engine is down, leaves it pending, and applies it once the engine is back', async () => {
    const engine = await OwnRedis.start();
    try {
      const key = stream('retry');
      const s = await serve((c) => {
        c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [engine.url], prefix: randomPrefix('engine') } };
        withHistory(c);
        c.consumers = [streamConsumer([key], { visibility_timeout: '600ms' })];
      });
      await engine.down();
      await redis.xadd(key, '*', 'method', 'publish', 'payload', JSON.stringify({ channel: 'retried', data: 'eventually' }));
      await until(async () => (await consumerCount(s.app, 'parsec_consumers_messages_total', { consumer_name: 'streams', outcome: 'retried' })) >= 3, 10_000);
      assert.equal(await pending(key), 1, 'not acknowledged while failing');
      await engine.up();
      await until(async () => (await pending(key)) === 0, 15_000);
      assert.deepEqual(await history(s, 'retried'), ['eventually']);
    } finally {
      await engine.down();
    }
  });

  it('with opentelemetry.consuming, each command runs in a consumer span continuing the trace its entry carries', async (t) => {
    const r = await startOtlpReceiver();
    t.after(() => r.close());
    const saved = { endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT, delay: process.env.OTEL_BSP_SCHEDULE_DELAY };
    Object.assign(process.env, { OTEL_EXPORTER_OTLP_ENDPOINT: r.endpoint, OTEL_BSP_SCHEDULE_DELAY: '20' });
    t.after(() => {
      for (const [k, v] of [['OTEL_EXPORTER_OTLP_ENDPOINT', saved.endpoint], ['OTEL_BSP_SCHEDULE_DELAY', saved.delay]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    const key = stream('traced');
    await serve((c) => {
      c.opentelemetry = { enabled: true, api: false, consuming: true };
      c.consumers = [streamConsumer([key])];
    });
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    await redis.xadd(key, '*', 'method', 'publish', 'payload', JSON.stringify({ channel: 'traced', data: 1 }), 'traceparent', `00-${traceId}-${spanId}-01`);
    await until(() => r.spans.some((s) => s.name === 'consume publish'), 10_000);
    const span = r.spans.find((s) => s.name === 'consume publish')!;
    assert.equal(span.kind, SpanKindNumber.consumer);
    assert.equal(span.traceId, traceId);
    assert.equal(span.parentSpanId, spanId);
    assert.equal(span.attributes['parsec.consumer'], 'streams');
    assert.equal(span.attributes['centrifugo.channel'], 'traced');
  });
});
