import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Parsec, EngineError } from '../../src/app.js';
import type { Config } from '../../src/config/types.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { randomPrefix } from '../helpers/services.js';
import { selfSigned } from '../helpers/tls.js';
import { connToken } from '../helpers/tokens.js';

const NATS_SERVER = '/usr/sbin/nats-server';
const KEY = 'test-api-key-0123456789';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

async function listening(port: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => resolve(true)).once('error', () => resolve(false));
      s.connect(port, '127.0.0.1');
    }).catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('NATS broker over TLS with client certificates', { skip: existsSync(NATS_SERVER) ? false : `${NATS_SERVER} not installed` }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'parsec-nats-tls-'));
  // Self-signed for 127.0.0.1: each certificate is its own CA.
  const serverCert = selfSigned();
  const clientCert = selfSigned();
  let nats: ChildProcess | undefined;
  let url = '';

  const config = (tls: Partial<Config['broker']['nats']['tls']>): Config =>
    testConfig((c) => {
      c.httpApi.key = KEY;
      c.channel.withoutNamespace = { ...c.channel.withoutNamespace, allowSubscribeForClient: true };
      c.broker = {
        ...c.broker,
        enabled: true,
        type: 'nats',
        nats: { ...c.broker.nats, url, prefix: randomPrefix('tls'), dialTimeout: 2000, tls: { ...c.broker.nats.tls, enabled: true, ...tls } },
      };
    });

  before(async () => {
    const file = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const port = await freePort();
    url = `nats://127.0.0.1:${port}`;
    const conf = file(
      'nats.conf',
      [
        `listen: "127.0.0.1:${port}"`,
        'tls {',
        `  cert_file: "${file('server.pem', serverCert.cert)}"`,
        `  key_file: "${file('server-key.pem', serverCert.key)}"`,
        `  ca_file: "${file('client-ca.pem', clientCert.cert)}"`,
        '  verify: true',
        '  timeout: 2',
        '}',
      ].join('\n'),
    );
    nats = spawn(NATS_SERVER, ['-c', conf], { stdio: 'ignore' });
    await listening(port);
  });

  after(() => {
    nats?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the client certificate and carries publications', async (t) => {
    // The three forms Centrifugo takes: PEM text, a file path and base64 of the text.
    const server: TestServer = await startServer(
      config({
        serverCaPem: join(dir, 'server.pem'),
        certPem: clientCert.cert,
        keyPem: Buffer.from(clientCert.key).toString('base64'),
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
    await assert.rejects(Parsec.start({ config: config({ serverCaPem: serverCert.cert }) }), (err: unknown) => {
      assert.ok(err instanceof EngineError, String(err));
      assert.match(err.message, /^broker\.nats\.url: cannot connect to NATS/);
      assert.match(err.message, /broker\.nats\.tls\.cert_pem/);
      return true;
    });
  });

  it('does not start when the server certificate is not trusted, and points at broker.nats.tls', async () => {
    await assert.rejects(Parsec.start({ config: config({ certPem: clientCert.cert, keyPem: clientCert.key }) }), (err: unknown) => {
      assert.ok(err instanceof EngineError, String(err));
      assert.match(err.message, /broker\.nats\.tls \(server_ca_pem, server_name\)/);
      return true;
    });
  });

  it('checks the server certificate against server_name when set', async () => {
    const cfg = config({ serverCaPem: serverCert.cert, certPem: clientCert.cert, keyPem: clientCert.key, serverName: 'nats.example' });
    await assert.rejects(Parsec.start({ config: cfg }), /nats\.example/);
  });

  it('stops the start naming the key when a PEM is neither text, a readable file nor base64 of PEM', async () => {
    await assert.rejects(Parsec.start({ config: config({ serverCaPem: '/nonexistent/ca.pem' }) }), /broker\.nats\.tls\.server_ca_pem/);
  });
});
