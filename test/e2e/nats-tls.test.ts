import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Parsec, EngineError } from '../../src/app.js';
import type { Config } from '../../src/config/types.js';
import { skipWithoutNatsServer, TlsNats } from '../helpers/nats-server.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { randomPrefix } from '../helpers/services.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'test-api-key-0123456789';

describe('NATS broker over TLS with client certificates', { skip: skipWithoutNatsServer() || undefined }, () => {
  let nats: TlsNats;

  const config = (tls: Partial<Config['broker']['nats']['tls']>): Config =>
    testConfig((c) => {
      c.httpApi.key = KEY;
      c.channel.withoutNamespace = { ...c.channel.withoutNamespace, allowSubscribeForClient: true };
      c.broker = {
        ...c.broker,
        enabled: true,
        type: 'nats',
        nats: { ...c.broker.nats, url: nats.url, prefix: randomPrefix('tls'), dialTimeout: 2000, tls: { ...c.broker.nats.tls, enabled: true, ...tls } },
      };
    });

  before(async () => {
    nats = await TlsNats.start();
  });
  after(() => nats?.down());

  it('connects with the client certificate and carries publications', async (t) => {
    // The three forms Centrifugo takes: PEM text, a file path and base64 of the text.
    const server: TestServer = await startServer(
      config({
        serverCaPem: join(nats.dir, 'server.pem'),
        certPem: nats.clientCert.cert,
        keyPem: Buffer.from(nats.clientCert.key).toString('base64'),
        // No server_name: the certificate is checked against the IP in the URL.
      }),
    );
    const clients: Sdk[] = [];
    t.after(async () => {
      for (const c of clients) c.disconnect();
      await server.close();
    });
    const c = sdk('json', server.url, { token: await connToken('tls') });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    const sub = c.newSubscription('secure');
    sub.subscribe();
    await sub.ready(3000);
    const got = once<{ data: unknown }>(sub, 'publication');
    const res = await fetch(`${server.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel: 'secure', data: { over: 'tls' } }) });
    assert.deepEqual(await res.json(), { result: {} });
    assert.deepEqual((await got).data, { over: 'tls' });
  });

  it('does not start without the client certificate, and says which key to set', async () => {
    await assert.rejects(Parsec.start({ config: config({ serverCaPem: nats.serverCert.cert }) }), (err: unknown) => {
      assert.ok(err instanceof EngineError, String(err));
      assert.match(err.message, /^broker\.nats\.url: cannot connect to NATS/);
      assert.match(err.message, /broker\.nats\.tls\.cert_pem/);
      return true;
    });
  });

  it('does not start when the server certificate is not trusted, and points at broker.nats.tls', async () => {
    await assert.rejects(Parsec.start({ config: config({ certPem: nats.clientCert.cert, keyPem: nats.clientCert.key }) }), (err: unknown) => {
      assert.ok(err instanceof EngineError, String(err));
      assert.match(err.message, /broker\.nats\.tls \(server_ca_pem, server_name\)/);
      return true;
    });
  });

  it('checks the server certificate against server_name when set', async () => {
    const cfg = config({ serverCaPem: nats.serverCert.cert, certPem: nats.clientCert.cert, keyPem: nats.clientCert.key, serverName: 'nats.example' });
    await assert.rejects(Parsec.start({ config: cfg }), /nats\.example/);
  });

  it('stops the start naming the key when a PEM is neither text, a readable file nor base64 of PEM', async () => {
    await assert.rejects(Parsec.start({ config: config({ serverCaPem: '/nonexistent/ca.pem' }) }), /broker\.nats\.tls\.server_ca_pem/);
  });
});
