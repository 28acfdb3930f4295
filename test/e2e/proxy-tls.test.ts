import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, defaultConfig } from '../../src/config/index.js';
import type { ProxyConfig, ProxyTlsConfig } from '../../src/config/types.js';
import { Status, startBackend, type Backend, type Body } from '../helpers/proxy-backend.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { TestCa } from '../helpers/tls.js';

/**
 * The centrifuge SDK against a server whose connect and RPC proxies call a backend over
 * mutual TLS (HTTPS, or gRPC over TLS with gzip), with the certificates given as files, as
 * a config would; backend HTTP statuses reach the client as the configured error or
 * disconnect.
 */

const ca = TestCa.create('Backend CA');
const serverCert = ca.server('127.0.0.1');
const parsecCert = ca.client('parsec');

const proxyTls: ProxyTlsConfig = {
  enabled: true,
  certPem: parsecCert.certFile,
  keyPem: parsecCert.keyFile,
  serverCaPem: ca.certFile,
  serverName: '',
  insecureSkipVerify: false,
};

function proxyConfig(endpoint: string): ProxyConfig {
  const p = { ...structuredClone(defaultConfig().rpc.proxy), endpoint };
  p.http.tls = proxyTls;
  p.http.statusToCodeTransforms = [
    { statusCode: 401, toError: { code: 0, message: '', temporary: false }, toDisconnect: { code: 4501, reason: 'who are you' } },
    { statusCode: 403, toError: { code: 4403, message: 'forbidden', temporary: false }, toDisconnect: { code: 0, reason: '' } },
  ];
  p.grpc.tls = proxyTls;
  p.grpc.compression = true;
  return p;
}

/** Answers with the HTTP status the data names (`{"status": 403}`), else a result. */
const handlers = {
  connect: (b: Body) => {
    const status = (b.data as { status?: number } | undefined)?.status;
    return status ? new Status(status) : { result: { user: 'alice', data: { over: 'tls' } } };
  },
  rpc: (b: Body) => {
    const status = (b.data as { status?: number } | undefined)?.status;
    return status ? new Status(status) : { result: { data: { user: b.user } } };
  },
};

for (const kind of ['http', 'grpc'] as const) {
  describe(`proxies over mutual TLS: ${kind}`, () => {
    let backend: Backend;
    let server: TestServer;
    const clients: Sdk[] = [];

    before(async () => {
      backend = await startBackend(kind, handlers, { cert: serverCert.cert, key: serverCert.key, clientCa: ca.cert });
      const config = testConfig((c) => {
        c.client.proxy.connect = { enabled: true, ...proxyConfig(backend.endpoint('connect')) };
        c.rpc.proxy = proxyConfig(backend.endpoint('rpc'));
        c.rpc.withoutNamespace = { proxyEnabled: true, proxyName: 'default' };
      });
      server = await startServer(config);
    });

    after(async () => {
      for (const c of clients) c.disconnect();
      await server.close();
      await backend.close();
    });

    const client = (data?: unknown): Sdk => {
      const c = sdk('json', server.url, { data });
      clients.push(c);
      return c;
    };

    it('a client without a token connects as the user the backend names, and its RPC is answered', async () => {
      const c = client();
      const connected = once<{ data: unknown }>(c, 'connected');
      c.connect();
      assert.deepEqual((await connected).data, { over: 'tls' });
      assert.deepEqual((await c.rpc('whoami', {})).data, { user: 'alice' });
      assert.ok(backend.calls.some((k) => k.method === 'connect'));
    });

    if (kind === 'http') {
      it('a 403 from the backend is the configured error of the RPC', async () => {
        const c = client();
        c.connect();
        await once(c, 'connected');
        await assert.rejects(c.rpc('x', { status: 403 }), (err: { code: number; message: string }) => {
          assert.deepEqual([err.code, err.message], [4403, 'forbidden']);
          return true;
        });
        assert.equal(c.state, 'connected');
      });

      it('a 401 from the connect proxy is the configured disconnect (a terminal code: the SDK stays away)', async () => {
        const c = client({ status: 401 });
        const gone = once<{ code: number; reason: string }>(c, 'disconnected');
        c.connect();
        assert.deepEqual({ ...(await gone) }, { code: 4501, reason: 'who are you' });
      });

      it('a status without a rule stays error 100, which the SDK retries', async () => {
        const c = client({ status: 502 });
        const failed = once<{ error: { code: number; temporary: boolean } }>(c, 'error');
        c.connect();
        const { error } = await failed;
        assert.deepEqual([error.code, error.temporary], [100, true]);
        c.disconnect();
      });
    }
  });
}

describe('proxy TLS files at start', () => {
  it('an unreadable certificate stops the start with an error naming its key', async () => {
    const config = testConfig((c) => {
      c.client.proxy.connect = { enabled: true, ...proxyConfig('https://127.0.0.1:1/connect') };
      c.client.proxy.connect.http.tls = { ...proxyTls, certPem: '/nonexistent/client.pem' };
    });
    await assert.rejects(startServer(config), (err) => err instanceof ConfigError && err.key === 'client.proxy.connect.http.tls.cert_pem');
  });
});
