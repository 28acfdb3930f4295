import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import { ConfigError, defaultConfig, type ProxyConfig, type ProxyTlsConfig } from '../../src/config/index.js';
import { Metrics } from '../../src/metrics/index.js';
import { ClientError, ErrorCode } from '../../src/protocol/index.js';
import { Proxies } from '../../src/proxy/index.js';
import { transportFor } from '../../src/proxy/registry.js';
import { endpointTo, testCaller, testProxyConfig, type BackendKind, type BackendTls } from '../helpers/proxy-backend.js';
import { TestCa } from '../helpers/tls.js';

/*
 * `http.tls` and `grpc.tls` against real HTTPS and gRPC-over-TLS backends whose certificates
 * a CA made for this run signed; the mutual-TLS backends refuse a handshake without a client
 * certificate that CA signed.
 */

const ca = TestCa.create('Backend CA');
const otherCa = TestCa.create('Other CA');
const loopback = ca.server('127.0.0.1');
const named = ca.server('backend.internal');
const parsecCert = ca.client('parsec');
const mutual: BackendTls = { cert: loopback.cert, key: loopback.key, clientCa: ca.cert };

const defaults = testProxyConfig('');

function tls(edit: Partial<ProxyTlsConfig>): ProxyTlsConfig {
  return { enabled: true, certPem: '', keyPem: '', serverCaPem: '', serverName: '', insecureSkipVerify: false, ...edit };
}

const withTls = (kind: BackendKind, t: ProxyTlsConfig): Partial<ProxyConfig> =>
  kind === 'http' ? { http: { ...defaults.http, tls: t } } : { grpc: { ...defaults.grpc, tls: t } };

/** A logger whose lines the test reads. */
function recorded(level = 'error'): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level }, sink), lines };
}

const UNTRUSTED = /self-signed certificate in certificate chain/;

const connectAs = (user: string) => ({ connect: () => ({ result: { user } }) });

/**
 * A connect through `kind` that the TLS handshake must refuse for `reason`: error 100 for the
 * client, a log line saying why, nothing reached the backend.
 */
async function refused(t: TestContext, kind: BackendKind, proxyTls: ProxyTlsConfig, backendTls: BackendTls, reason: RegExp): Promise<void> {
  const { log, lines } = recorded();
  const { backend, endpoint } = await endpointTo(t, kind, 'connect', connectAs('alice'), withTls(kind, proxyTls), { tls: backendTls, log });
  await assert.rejects(endpoint.connect(testCaller({ user: '' }), {}), (err) => err instanceof ClientError && err.code === ErrorCode.internal && err.temporary);
  assert.equal(backend.calls.length, 0);
  const line = lines.find((l) => l.msg === 'proxy call failed');
  assert.ok(line, 'the failure is logged');
  assert.equal(line.code, 'PARSEC_PROXY_UNREACHABLE');
  assert.equal(line.proxy, 'connect');
  assert.match(String(line.reason), reason);
}

for (const kind of ['http', 'grpc'] as const) {
  test(`${kind}: with the backend's CA and a client certificate, calls reach a backend that requires one`, async (t) => {
    // The three forms Centrifugo takes: a file path, PEM text, base64 of PEM text.
    const proxyTls = tls({ serverCaPem: ca.certFile, certPem: parsecCert.cert, keyPem: Buffer.from(parsecCert.key).toString('base64') });
    const { backend, endpoint } = await endpointTo(t, kind, 'connect', connectAs('alice'), withTls(kind, proxyTls), { tls: mutual });
    const out = await endpoint.connect(testCaller({ user: '' }), {});
    assert.equal(out?.user, 'alice');
    assert.equal(backend.calls.length, 1);
  });

  test(`${kind}: without a client certificate the backend refuses the handshake: error 100, logged as unreachable`, async (t) => {
    await refused(t, kind, tls({ serverCaPem: ca.cert }), mutual, /certificate required/);
  });

  test(`${kind}: a backend whose certificate another CA signed is refused`, async (t) => {
    await refused(t, kind, tls({ serverCaPem: otherCa.cert, certPem: parsecCert.cert, keyPem: parsecCert.key }), mutual, UNTRUSTED);
  });

  test(`${kind}: without server_ca_pem the system's CAs do not know a private CA`, async (t) => {
    await refused(t, kind, tls({ certPem: parsecCert.cert, keyPem: parsecCert.key }), mutual, UNTRUSTED);
  });

  test(`${kind}: server_name is the name checked in the certificate when it differs from the endpoint's address`, async (t) => {
    const backendTls = { cert: named.cert, key: named.key };
    await refused(t, kind, tls({ serverCaPem: ca.cert }), backendTls, /IP: 127\.0\.0\.1 is not in the cert's list/);
    const { endpoint } = await endpointTo(t, kind, 'connect', connectAs('bob'), withTls(kind, tls({ serverCaPem: ca.cert, serverName: 'backend.internal' })), { tls: backendTls });
    assert.equal((await endpoint.connect(testCaller({ user: '' }), {}))?.user, 'bob');
    await refused(t, kind, tls({ serverCaPem: ca.cert, serverName: 'other.internal' }), backendTls, /other\.internal\. is not in the cert's altnames/);
  });

  test(`${kind}: insecure_skip_verify accepts a certificate no configured CA signed, for any name`, async (t) => {
    const proxyTls = tls({ serverCaPem: otherCa.cert, insecureSkipVerify: true, certPem: parsecCert.cert, keyPem: parsecCert.key });
    const { endpoint } = await endpointTo(t, kind, 'connect', connectAs('carol'), withTls(kind, proxyTls), { tls: { ...mutual, cert: named.cert, key: named.key } });
    assert.equal((await endpoint.connect(testCaller({ user: '' }), {}))?.user, 'carol');
  });
}

test('a PEM that is neither text, a readable file nor base64 of PEM stops the start naming its key', () => {
  const http = testProxyConfig('https://127.0.0.1:1/connect', { http: { ...defaults.http, tls: tls({ serverCaPem: '/nonexistent/ca.pem' }) } });
  assert.throws(
    () => transportFor(http, 'proxies[2]'),
    (err) => err instanceof ConfigError && err.key === 'proxies[2].http.tls.server_ca_pem',
  );
  const grpc = testProxyConfig('grpc://127.0.0.1:1', { grpc: { ...defaults.grpc, tls: tls({ certPem: 'not a pem', keyPem: parsecCert.key }) } });
  assert.throws(
    () => transportFor(grpc, 'client.proxy.connect'),
    (err) => err instanceof ConfigError && err.key === 'client.proxy.connect.grpc.tls.cert_pem',
  );
});

test('http.tls is not used by a gRPC endpoint, nor grpc.tls by an HTTP one', async (t) => {
  // Each transport reads its own block, as in Centrifugo: a plain backend stays reachable.
  const { endpoint } = await endpointTo(t, 'grpc', 'connect', connectAs('dave'), withTls('http', tls({ serverCaPem: '/nonexistent/ca.pem' })));
  assert.equal((await endpoint.connect(testCaller({ user: '' }), {}))?.user, 'dave');
});

test('the registry names the proxy key of an unreadable PEM, and warns of TLS set up for an http:// endpoint', () => {
  const metrics = new Metrics({ enabled: false, version: 'test' });
  const config = structuredClone(defaultConfig());
  config.proxies = [{ name: 'plain', ...testProxyConfig('http://127.0.0.1:1/rpc', { http: { ...defaults.http, tls: tls({ serverCaPem: ca.cert }) } }) }];
  const { log, lines } = recorded('warn');
  new Proxies(config, log, metrics).close();
  assert.deepEqual(
    lines.filter((l) => l.level === 40).map((l) => [l.msg, l.key]),
    [['TLS is configured but the endpoint is http://: calls go unencrypted', 'proxies[0].http.tls']],
  );
  config.rpc.proxy = testProxyConfig('grpc://127.0.0.1:1', { grpc: { ...defaults.grpc, tls: tls({ serverCaPem: '/nonexistent/ca.pem' }) } });
  config.rpc.withoutNamespace.proxyEnabled = true;
  assert.throws(
    () => new Proxies(config, log, metrics),
    (err) => err instanceof ConfigError && err.key === 'rpc.proxy.grpc.tls.server_ca_pem',
  );
});

test("a damaged CA or a key that is not the certificate's stops the start naming the key", () => {
  const other = ca.client('someone-else');
  const mismatched = testProxyConfig('https://127.0.0.1:1/connect', { http: { ...defaults.http, tls: tls({ certPem: parsecCert.cert, keyPem: other.key }) } });
  assert.throws(
    () => transportFor(mismatched, 'client.proxy.connect'),
    (err) => err instanceof ConfigError && err.key === 'client.proxy.connect.http.tls.cert_pem' && /not usable for TLS/.test(err.message),
  );
  const damaged = ca.cert.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!');
  const bad = testProxyConfig('grpc://127.0.0.1:1', { grpc: { ...defaults.grpc, tls: tls({ serverCaPem: damaged }) } });
  assert.throws(
    () => transportFor(bad, 'proxies[1]'),
    (err) => err instanceof ConfigError && err.key === 'proxies[1].grpc.tls.server_ca_pem',
  );
});
