import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { tempConfig } from './helpers.js';

function refused(t: TestContext, config: object): ConfigError {
  const file = tempConfig(t, 'config.json', JSON.stringify(config));
  try {
    loadConfig({ file });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.file, file);
    return err;
  }
  assert.fail('config was accepted');
}

test('Centrifugo v6 proxy keys load into the typed config', (t) => {
  const file = tempConfig(
    t,
    'config.json',
    JSON.stringify({
      client: { proxy: { connect: { enabled: true, endpoint: 'http://127.0.0.1:3000/connect', timeout: '3s', http_headers: ['Cookie', 'Authorization'] } } },
      channel: {
        proxy: { subscribe: { endpoint: 'grpc://127.0.0.1:12000' } },
        namespaces: [{ name: 'chat', subscribe_proxy_enabled: true, publish_proxy_enabled: true, publish_proxy_name: 'moderation' }],
      },
      rpc: { without_namespace: { proxy_enabled: true, proxy_name: 'moderation' }, namespaces: [{ name: 'billing', proxy_enabled: true, proxy_name: 'moderation' }] },
      proxies: [{ name: 'moderation', endpoint: 'https://backend.example/centrifugo', emulated_headers: ['X-Token'], grpc: { credentials_key: 'k' } }],
      parsec: { trusted_proxies: ['10.0.0.0/8', '::1'] },
    }),
  );
  const { config, warnings } = loadConfig({ file });
  assert.deepEqual(warnings, []);
  assert.equal(config.client.proxy.connect.timeout, 3000);
  assert.deepEqual(config.client.proxy.connect.httpHeaders, ['Cookie', 'Authorization']);
  assert.equal(config.channel.proxy.subscribe.endpoint, 'grpc://127.0.0.1:12000');
  assert.equal(config.channel.namespaces[0]!.publishProxyName, 'moderation');
  assert.equal(config.channel.namespaces[0]!.subscribeProxyName, 'default');
  assert.deepEqual(config.rpc.namespaces, [{ name: 'billing', proxyEnabled: true, proxyName: 'moderation' }]);
  assert.equal(config.proxies[0]!.grpc.credentialsKey, 'k');
  assert.deepEqual(config.parsec.trustedProxies, ['10.0.0.0/8', '::1']);
});

test('a reference to a proxy name that no proxies[] entry has names the key and the file', (t) => {
  const err = refused(t, { channel: { namespaces: [{ name: 'chat', subscribe_proxy_enabled: true, subscribe_proxy_name: 'nope' }] } });
  assert.equal(err.key, 'channel.namespaces[0].subscribe_proxy_name');
  assert.match(err.message, /no proxy named "nope" in proxies\[\]/);
  const rpc = refused(t, { rpc: { namespaces: [{ name: 'billing', proxy_enabled: true, proxy_name: 'nope' }] } });
  assert.equal(rpc.key, 'rpc.namespaces[0].proxy_name');
});

test('an option that uses its section proxy needs that proxy configured', (t) => {
  const err = refused(t, { channel: { without_namespace: { publish_proxy_enabled: true } } });
  assert.equal(err.key, 'channel.proxy.publish.endpoint');
  assert.match(err.message, /an endpoint is required/);
  assert.equal(refused(t, { client: { proxy: { refresh: { enabled: true } } } }).key, 'client.proxy.refresh.endpoint');
});

test('endpoints must be http(s):// or grpc://host:port', (t) => {
  for (const endpoint of ['ftp://x/y', 'localhost:3000', 'grpc://hostonly']) {
    const err = refused(t, { proxies: [{ name: 'p', endpoint }] });
    assert.equal(err.key, 'proxies[0].endpoint');
    assert.match(err.message, /expected/);
  }
});

test('proxy names are unique and "default" is reserved', (t) => {
  const twice = refused(t, { proxies: [{ name: 'p', endpoint: 'http://a' }, { name: 'p', endpoint: 'http://b' }] });
  assert.equal(twice.key, 'proxies[1].name');
  assert.equal(refused(t, { proxies: [{ name: 'default', endpoint: 'http://a' }] }).key, 'proxies[0].name');
});

test('parsec.trusted_proxies takes addresses and CIDR ranges only', (t) => {
  for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.1/8/1']) {
    const err = refused(t, { parsec: { trusted_proxies: ['127.0.0.1', bad] } });
    assert.equal(err.key, 'parsec.trusted_proxies[1]');
  }
});

test('http.tls, grpc.tls, status_to_code_transforms and grpc.compression load as Centrifugo writes them', (t) => {
  const tls = { enabled: true, cert_pem: '/etc/parsec/client.pem', key_pem: '/etc/parsec/client.key', server_ca_pem: 'LS0tLS1CRUdJTg==', server_name: 'backend.internal' };
  const file = tempConfig(
    t,
    'config.json',
    JSON.stringify({
      client: {
        proxy: {
          connect: {
            enabled: true,
            endpoint: 'https://127.0.0.1:3000/connect',
            http: { tls, status_to_code_transforms: [{ status_code: 403, to_disconnect: { code: 4501, reason: 'forbidden' } }] },
          },
        },
      },
      proxies: [{ name: 'grpc', endpoint: 'grpc://127.0.0.1:12000', grpc: { tls: { ...tls, insecure_skip_verify: true }, compression: true } }],
    }),
  );
  const { config, warnings } = loadConfig({ file });
  assert.deepEqual(warnings, []);
  const expected = { enabled: true, certPem: '/etc/parsec/client.pem', keyPem: '/etc/parsec/client.key', serverCaPem: 'LS0tLS1CRUdJTg==', serverName: 'backend.internal', insecureSkipVerify: false };
  assert.deepEqual(config.client.proxy.connect.http.tls, expected);
  assert.deepEqual(config.client.proxy.connect.http.statusToCodeTransforms, [
    { statusCode: 403, toError: { code: 0, message: '', temporary: false }, toDisconnect: { code: 4501, reason: 'forbidden' } },
  ]);
  assert.deepEqual(config.proxies[0]!.grpc.tls, { ...expected, insecureSkipVerify: true });
  assert.equal(config.proxies[0]!.grpc.compression, true);
  assert.equal(config.client.proxy.connect.grpc.compression, false);
});

test('status_to_code_transforms are checked as Centrifugo checks them, naming the entry', (t) => {
  const at = 'client.proxy.connect.http.status_to_code_transforms[0]';
  const cases: Array<[object, string, RegExp]> = [
    [{ to_error: { code: 4403 } }, `${at}.status_code`, /expected an HTTP status code/],
    [{ status_code: 403 }, at, /expected to_error.code or to_disconnect.code/],
    [{ status_code: 403, to_error: { code: 4403 }, to_disconnect: { code: 4501 } }, at, /not both/],
    [{ status_code: 403, to_disconnect: { code: 1000 } }, `${at}.to_disconnect.code`, /from 3000 to 4999/],
    [{ status_code: 403, to_error: { code: 4403, message: 'défendu' } }, `${at}.to_error.message`, /must be ASCII/],
    [{ status_code: 403, to_disconnect: { code: 4501, reason: 'x'.repeat(124) } }, `${at}.to_disconnect.reason`, /at most 123 characters/],
  ];
  for (const [transform, key, message] of cases) {
    const err = refused(t, { client: { proxy: { connect: { enabled: true, endpoint: 'http://a/connect', http: { status_to_code_transforms: [transform] } } } } });
    assert.equal(err.key, key, JSON.stringify(transform));
    assert.match(err.message, message);
  }
});

test('a client certificate needs its key, and a key its certificate', (t) => {
  const half = refused(t, { proxies: [{ name: 'p', endpoint: 'https://a', http: { tls: { enabled: true, cert_pem: 'client.pem' } } }] });
  assert.equal(half.key, 'proxies[0].http.tls.key_pem');
  const other = refused(t, { rpc: { proxy: { endpoint: 'grpc://a:1', grpc: { tls: { enabled: true, key_pem: 'client.key' } } }, without_namespace: { proxy_enabled: true } } });
  assert.equal(other.key, 'rpc.proxy.grpc.tls.cert_pem');
});
