import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket, type ClientOptions } from 'ws';
import { Parsec } from '../../src/app.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { selfSigned } from '../helpers/tls.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const KEY = 'tls-api-key-0123456789';

interface Answer {
  status: number;
  body: string;
}

/** One HTTPS request trusting `ca`, optionally presenting a client certificate. */
function https(url: string, opts: RequestOptions & { body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: opts.body ? 'POST' : 'GET', ...opts }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A WebSocket class for the SDK that trusts a private CA. */
function trusting(ca: string): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[], options?: ClientOptions) {
      super(url, protocols, { ...options, ca });
    }
  } as typeof WebSocket;
}

/**
 * `http_server.tls` (PEM text, file or base64; a client CA for mTLS) and
 * `http_server.internal_port`: the SDK over wss:// with a CA made for this run, the server
 * API and health apart on the internal port.
 */
describe('TLS and the internal port', () => {
  const serverCert = selfSigned();
  let server: TestServer;
  let publicUrl: string;
  let internalUrl: string;
  const clients: Sdk[] = [];

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.channel.withoutNamespace.allowSubscribeForClient = true;
        c.httpServer.tls = { enabled: true, certPem: serverCert.cert, keyPem: Buffer.from(serverCert.key).toString('base64'), clientCaPem: '' };
        c.httpServer.internalPort = 0;
      }),
    );
    publicUrl = `https://127.0.0.1:${server.app.address().port}`;
    internalUrl = `https://127.0.0.1:${server.app.internalAddress()!.port}`;
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
  });

  it('serves the SDK over wss:// and the server API on the internal port', async () => {
    const c = sdk('json', `${publicUrl.replace(/^https/, 'wss')}/connection/websocket`, { token: await connToken('tls-user'), websocket: trusting(serverCert.cert) });
    clients.push(c);
    const sub = c.newSubscription('secure');
    const got: unknown[] = [];
    sub.on('publication', (ctx) => got.push(ctx.data));
    sub.subscribe();
    c.connect();
    await once(sub, 'subscribed');
    const published = await https(`${internalUrl}/api/publish`, { ca: serverCert.cert, headers: { 'X-API-Key': KEY }, body: JSON.stringify({ channel: 'secure', data: { ok: true } }) });
    assert.equal(published.status, 200, published.body);
    await until(() => got.length === 1);
    assert.deepEqual(got, [{ ok: true }]);
  });

  it('keeps the server API and health off the public port, and client endpoints off the internal one', async () => {
    const ca = serverCert.cert;
    assert.equal((await https(`${publicUrl}/api/publish`, { ca, headers: { 'X-API-Key': KEY }, body: '{"channel":"x","data":1}' })).status, 404);
    assert.equal((await https(`${publicUrl}/health`, { ca })).status, 404);
    assert.equal((await https(`${internalUrl}/health`, { ca })).status, 200);
    const upgrade = new WebSocket(`${internalUrl.replace(/^https/, 'wss')}/connection/websocket`, { ca });
    const status = await new Promise<number>((resolve) => {
      upgrade.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      upgrade.on('open', () => resolve(101));
      upgrade.on('error', () => resolve(-1));
    });
    upgrade.terminate();
    assert.equal(status, 404);
  });

  it('refuses a client that does not trust the certificate', async () => {
    await assert.rejects(https(`${internalUrl}/health`), /self[- ]signed|unable to verify/i);
  });
});

describe('mTLS, certificate files and tls_external', () => {
  const serverCert = selfSigned();
  const clientCert = selfSigned();
  let server: TestServer;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parsec-tls-files-'));
    writeFileSync(join(dir, 'cert.pem'), serverCert.cert);
    writeFileSync(join(dir, 'key.pem'), serverCert.key);
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.httpServer.tls = { enabled: true, certPem: join(dir, 'cert.pem'), keyPem: join(dir, 'key.pem'), clientCaPem: clientCert.cert };
        c.httpServer.tlsExternal = true;
        c.httpServer.internalPort = 0;
      }),
    );
  });

  after(() => server.close());

  it('asks every client for a certificate the client CA signed', async () => {
    const url = `https://127.0.0.1:${server.app.address().port}/connection/websocket`;
    const refused = await https(url, { ca: serverCert.cert }).then(
      (a) => `HTTP ${a.status}`,
      (err: Error) => err.message,
    );
    assert.doesNotMatch(refused, /^HTTP/, 'a client without a certificate gets no HTTP answer');
    const accepted = await https(url, { ca: serverCert.cert, cert: clientCert.cert, key: clientCert.key });
    // Past the TLS handshake: the WebSocket endpoint answers a plain GET itself.
    assert.ok(accepted.status >= 400 && accepted.status < 500, String(accepted.status));
  });

  it('with tls_external, the internal port speaks plain HTTP', async () => {
    const res = await fetch(`http://127.0.0.1:${server.app.internalAddress()!.port}/health`);
    assert.equal(res.status, 200);
  });
});

describe('internal_tls: the internal port with a certificate of its own', () => {
  const publicCert = selfSigned();
  const internalCert = selfSigned();
  const operatorCert = selfSigned();
  let server: TestServer;

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.httpServer.tls = { enabled: true, certPem: publicCert.cert, keyPem: publicCert.key, clientCaPem: '' };
        // Wins over tls_external, as in Centrifugo; its client CA makes the internal port mutual TLS.
        c.httpServer.tlsExternal = true;
        c.httpServer.internalTls = { enabled: true, certPem: internalCert.cert, keyPem: internalCert.key, clientCaPem: operatorCert.cert };
        c.httpServer.internalPort = 0;
      }),
    );
  });

  after(() => server.close());

  it('serves health and the API over the internal certificate to clients with the operator certificate only', async () => {
    const base = `https://127.0.0.1:${server.app.internalAddress()!.port}`;
    const health = await https(`${base}/health`, { ca: internalCert.cert, cert: operatorCert.cert, key: operatorCert.key });
    assert.equal(health.status, 200);
    const info = await https(`${base}/api/info`, { ca: internalCert.cert, cert: operatorCert.cert, key: operatorCert.key, headers: { 'X-API-Key': KEY }, body: '{}' });
    assert.equal(info.status, 200);
    const outcome = (p: Promise<Answer>) => p.then((a) => `HTTP ${a.status}`, (err: Error) => err.message);
    assert.doesNotMatch(await outcome(https(`${base}/health`, { ca: internalCert.cert })), /^HTTP/, 'no client certificate, no answer');
    assert.doesNotMatch(await outcome(https(`${base}/health`, { ca: publicCert.cert, cert: operatorCert.cert, key: operatorCert.key })), /^HTTP/, 'the public certificate is not the internal one');
    // The public port keeps its own certificate and asks for none.
    const pub = await https(`https://127.0.0.1:${server.app.address().port}/connection/websocket`, { ca: publicCert.cert });
    assert.ok(pub.status >= 400 && pub.status < 500, String(pub.status));
  });

  it('an unreadable internal certificate stops the start naming http_server.internal_tls', async () => {
    const config = testConfig((c) => {
      c.httpServer.internalPort = 0;
      c.httpServer.internalTls = { enabled: true, certPem: '/no/such/internal.pem', keyPem: 'missing', clientCaPem: '' };
    });
    await assert.rejects(Parsec.start({ config }), (err: Error & { key?: string }) => err.key === 'http_server.internal_tls.cert_pem');
  });
});

describe('TLS configuration errors', () => {
  it('a certificate that is neither PEM, a file nor base64 stops the start naming the key', async () => {
    const config = testConfig((c) => {
      c.httpServer.tls = { enabled: true, certPem: '/no/such/cert.pem', keyPem: 'also-missing', clientCaPem: '' };
    });
    await assert.rejects(Parsec.start({ config }), (err: Error & { key?: string }) => err.key === 'http_server.tls.cert_pem');
  });

  it('an internal port in use ends the start naming http_server.internal_port', async () => {
    const blocker = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const config = testConfig((c) => {
        c.httpServer.internalPort = (blocker.address() as AddressInfo).port;
      });
      await assert.rejects(Parsec.start({ config }), (err: Error & { key?: string }) => err.key === 'http_server.internal_port' && /already in use/.test(err.message));
    } finally {
      blocker.close();
    }
  });
});
