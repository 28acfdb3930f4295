import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, headers, type NatsConnection } from 'nats';
import { ConfigError, type ConsumerConfig } from '../../src/config/index.js';
import { skipWithoutNatsServer, TlsNats } from '../helpers/nats-server.js';
import type { TestServer } from '../helpers/server.js';
import { randomPrefix } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { consumer, consumerServer, subscriber } from './helpers.js';

/*
 * A `nats_jetstream` consumer reading from a NATS server of its own that speaks TLS only
 * and verifies clients: the consumer's `tls` block carries the server's CA and the client
 * certificate, as in Centrifugo's consumer config.
 */
describe('NATS JetStream consumer over TLS with a client certificate', { skip: skipWithoutNatsServer() || undefined }, () => {
  let nats: TlsNats;
  let writer: NatsConnection;
  const servers: TestServer[] = [];

  before(async () => {
    nats = await TlsNats.start({ jetstream: true });
    writer = await connect({ servers: nats.url, tls: nats.clientTls });
  });
  after(async () => {
    for (const s of servers) await s.close();
    await writer?.close();
    nats?.down();
  });

  /** A fresh stream over `<subject>.>`, and a consumer of it whose `tls` block is the full client identity (PEM text) plus `extra`. */
  const fresh = async (tls: Record<string, unknown> = {}): Promise<{ subject: string; config: ConsumerConfig }> => {
    const subject = randomPrefix('js').replaceAll('-', '_');
    const stream = subject.toUpperCase();
    await (await writer.jetstreamManager()).streams.add({ name: stream, subjects: [`${subject}.>`] });
    const config = consumer({
      name: 'secure',
      type: 'nats_jetstream',
      nats_jetstream: {
        url: nats.url,
        stream_name: stream,
        durable_consumer_name: 'parsec',
        tls: { enabled: true, server_ca_pem: nats.serverCert.cert, cert_pem: nats.clientCert.cert, key_pem: nats.clientCert.key, ...tls },
      },
    });
    return { subject, config };
  };

  const publishCommand = async (subject: string, n: number): Promise<void> => {
    const h = headers();
    h.set('centrifugo-method', 'publish');
    await writer.jetstream().publish(`${subject}.cmd`, new TextEncoder().encode(JSON.stringify({ channel: 'secure', data: { n } })), { headers: h });
  };

  it('applies commands read with the client certificate, the server checked against the IP in the URL', async () => {
    const { subject, config } = await fresh();
    const s = await consumerServer(servers, (c) => (c.consumers = [config]));
    const watcher = await subscriber(s.url, ['secure']);
    await publishCommand(subject, 1);
    await until(() => watcher.total() === 1);
    assert.deepEqual(watcher.byChannel.get('secure'), [{ n: 1 }]);
    watcher.client.disconnect();
  });

  it('takes PEM files by path and base64, and insecure_skip_verify in place of the CA', async () => {
    // client-ca.pem: the client certificate, which the server takes as its CA of clients.
    const { subject, config } = await fresh({ server_ca_pem: '', insecure_skip_verify: true, cert_pem: join(nats.dir, 'client-ca.pem'), key_pem: Buffer.from(nats.clientCert.key).toString('base64') });
    const s = await consumerServer(servers, (c) => (c.consumers = [config]));
    const watcher = await subscriber(s.url, ['secure']);
    await publishCommand(subject, 2);
    await until(() => watcher.total() === 1);
    watcher.client.disconnect();
  });

  it("fails to start, naming the consumer and its tls key, without a client certificate, with an untrusted server or the wrong server_name", async () => {
    for (const tls of [{ cert_pem: '', key_pem: '' }, { server_ca_pem: '' }, { server_name: 'nats.example' }]) {
      const { config } = await fresh(tls);
      await assert.rejects(consumerServer(servers, (c) => (c.consumers = [config])), (err: Error) => {
        assert.match(err.message, /^consumer "secure": /, JSON.stringify(tls));
        assert.match(err.message, /check consumers\[0\]\.nats_jetstream\.tls \(server_ca_pem, server_name, and cert_pem\/key_pem/);
        return true;
      });
    }
  });

  it("names the consumer's key of a certificate it cannot read", async () => {
    const { config } = await fresh({ cert_pem: '/nonexistent/client.pem' });
    await assert.rejects(consumerServer(servers, (c) => (c.consumers = [config])), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.key, 'consumers[0].nats_jetstream.tls.cert_pem');
      return true;
    });
  });
});
