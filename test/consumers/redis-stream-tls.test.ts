import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { ConfigError, type ConsumerConfig } from '../../src/config/index.js';
import { EngineError } from '../../src/engine/index.js';
import { startTlsRedis, skipWithoutTlsRedis, type OwnRedis } from '../helpers/redis-server.js';
import type { TestServer } from '../helpers/server.js';
import { randomPrefix } from '../helpers/services.js';
import type { Issued, TestCa } from '../helpers/tls.js';
import { until } from '../helpers/until.js';
import { consumer, consumerServer, subscriber } from './helpers.js';

/*
 * A `redis_stream` consumer reading from a Redis that speaks TLS only, asks for a client
 * certificate (`tls-auth-clients yes`) and has a server certificate for a DNS name only: the
 * consumer's own `tls` block carries the certificate, the CA and `server_name`, as in
 * Centrifugo's consumer config.
 */

const SERVER_NAME = 'redis.parsec.test';
const skip = skipWithoutTlsRedis();

describe('Redis stream consumer over TLS with a client certificate', { skip: skip || undefined }, () => {
  let ca: TestCa;
  let client: Issued;
  let redis: OwnRedis;
  let writer: Redis;
  const servers: TestServer[] = [];

  before(async () => {
    ({ ca, client, redis } = await startTlsRedis(SERVER_NAME));
    writer = new Redis({ port: redis.port, host: '127.0.0.1', tls: { ca: ca.cert, cert: client.cert, key: client.key, servername: SERVER_NAME } });
  });
  after(async () => {
    for (const s of servers) await s.close();
    writer?.disconnect();
    await redis?.down();
  });

  /** A consumer of `stream` on the TLS Redis, its `tls` block over the full client identity as PEM text. */
  const tlsConsumer = (stream: string, tls: Record<string, unknown> = {}): ConsumerConfig =>
    consumer({
      name: 'secure',
      type: 'redis_stream',
      redis_stream: {
        address: redis.url,
        connect_timeout: '2s',
        streams: [stream],
        consumer_group: 'parsec',
        tls: { enabled: true, cert_pem: client.cert, key_pem: client.key, server_ca_pem: ca.cert, server_name: SERVER_NAME, ...tls },
      },
    });

  it('reads and applies entries with the certificate, the key and the CA as PEM text, checking server_name', async () => {
    const stream = randomPrefix('tls-stream');
    const s = await consumerServer(servers, (c) => (c.consumers = [tlsConsumer(stream)]));
    const watcher = await subscriber(s.url, ['secure']);
    await writer.xadd(stream, '*', 'method', 'publish', 'payload', JSON.stringify({ channel: 'secure', data: { n: 1 } }));
    await until(() => watcher.total() === 1);
    assert.deepEqual(watcher.byChannel.get('secure'), [{ n: 1 }]);
    watcher.client.disconnect();
  });

  it('takes PEM files by path, and insecure_skip_verify in place of server_name', async () => {
    const stream = randomPrefix('tls-stream');
    const s = await consumerServer(servers, (c) => {
      c.consumers = [tlsConsumer(stream, { cert_pem: client.certFile, key_pem: client.keyFile, server_ca_pem: '', server_name: '', insecure_skip_verify: true })];
    });
    const watcher = await subscriber(s.url, ['secure']);
    await writer.xadd(stream, '*', 'method', 'publish', 'payload', JSON.stringify({ channel: 'secure', data: { n: 2 } }));
    await until(() => watcher.total() === 1);
    watcher.client.disconnect();
  });

  it("fails to start, naming the consumer's address key, without a client certificate or with the wrong server_name", async () => {
    for (const tls of [{ cert_pem: '', key_pem: '' }, { server_name: 'other.parsec.test' }]) {
      const disabled = consumer({ name: 'off', enabled: false, type: 'redis_stream' });
      await assert.rejects(
        consumerServer(servers, (c) => (c.consumers = [disabled, tlsConsumer(randomPrefix('tls-stream'), tls)])),
        (err: unknown) => {
          assert.ok(err instanceof EngineError, String(err));
          assert.match(err.message, /^consumers\[1\]\.redis_stream\.address: cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+ for consumer "secure"/);
          return true;
        },
        JSON.stringify(tls),
      );
    }
  });

  it("names the consumer's key of a certificate it cannot read", async () => {
    await assert.rejects(
      consumerServer(servers, (c) => (c.consumers = [tlsConsumer(randomPrefix('tls-stream'), { cert_pem: '/nonexistent/client.pem' })])),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(err.key, 'consumers[0].redis_stream.tls.cert_pem');
        return true;
      },
    );
  });
});
