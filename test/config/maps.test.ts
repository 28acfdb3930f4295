import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { configError, tempConfig } from './helpers.js';

/*
 * Map-valued keys in both of Centrifugo's forms, in each file format: an object (connect)
 * and a list of {"key", "value"} (refresh, proxies[0], gRPC metadata, the broker's api_keys).
 */

const json = JSON.stringify({
  client: {
    proxy: {
      connect: { http: { static_headers: { 'X-Static': 'a' } } },
      refresh: { http: { static_headers: [{ key: 'X-Tenant', value: 'id-${CENTRIFUGO_VAR_TENANT}' }, { key: 'X.Dotted', value: 'b' }] } },
    },
  },
  proxies: [{ name: 'backend', endpoint: 'grpc://127.0.0.1:1', grpc: { static_metadata: [{ key: 'authorization', value: 'Bearer ${CENTRIFUGO_VAR_TOKEN}' }] } }],
  parsec: { token_broker: { authenticator: { api_keys: [{ key: 'billing', value: '${CENTRIFUGO_VAR_BILLING_KEY}' }] } } },
});

const yaml = `
client:
  proxy:
    connect:
      http:
        static_headers:
          X-Static: a
    refresh:
      http:
        static_headers:
          - key: X-Tenant
            value: id-\${CENTRIFUGO_VAR_TENANT}
          - key: X.Dotted
            value: b
proxies:
  - name: backend
    endpoint: grpc://127.0.0.1:1
    grpc:
      static_metadata:
        - key: authorization
          value: Bearer \${CENTRIFUGO_VAR_TOKEN}
parsec:
  token_broker:
    authenticator:
      api_keys:
        - key: billing
          value: \${CENTRIFUGO_VAR_BILLING_KEY}
`;

const toml = `
[client.proxy.connect.http.static_headers]
X-Static = "a"

[[client.proxy.refresh.http.static_headers]]
key = "X-Tenant"
value = "id-\${CENTRIFUGO_VAR_TENANT}"

[[client.proxy.refresh.http.static_headers]]
key = "X.Dotted"
value = "b"

[[proxies]]
name = "backend"
endpoint = "grpc://127.0.0.1:1"

[[proxies.grpc.static_metadata]]
key = "authorization"
value = "Bearer \${CENTRIFUGO_VAR_TOKEN}"

[[parsec.token_broker.authenticator.api_keys]]
key = "billing"
value = "\${CENTRIFUGO_VAR_BILLING_KEY}"
`;

const env = { CENTRIFUGO_VAR_TENANT: 't1', CENTRIFUGO_VAR_TOKEN: 'secret', CENTRIFUGO_VAR_BILLING_KEY: 'a-long-billing-service-key' };

for (const [name, text] of [['config.json', json], ['config.yaml', yaml], ['config.toml', toml]] as const) {
  test(`${name}: maps load from an object or a key/value list, CENTRIFUGO_VAR_ expanded`, (t) => {
    const { config, warnings } = loadConfig({ file: tempConfig(t, name, text), env });
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.client.proxy.connect.http.staticHeaders, { 'X-Static': 'a' });
    assert.deepEqual(config.client.proxy.refresh.http.staticHeaders, { 'X-Tenant': 'id-t1', 'X.Dotted': 'b' });
    assert.deepEqual(config.proxies[0]!.grpc.staticMetadata, { authorization: 'Bearer secret' });
    assert.deepEqual(config.parsec.tokenBroker.authenticator.apiKeys, { billing: 'a-long-billing-service-key' });
  });
}

test('maps of lists take the key/value form too', (t) => {
  const file = tempConfig(t, 'config.json', JSON.stringify({ parsec: { token_broker: { authorizer: { roles: [{ key: 'admin', value: ['admin:*'] }] } } } }));
  assert.deepEqual(loadConfig({ file }).config.parsec.tokenBroker.authorizer.roles, { admin: ['admin:*'] });
});

test('only ${CENTRIFUGO_VAR_…} in values is expanded, every occurrence, as Centrifugo does', (t) => {
  const headers = { '${CENTRIFUGO_VAR_A}': 'key stays', B: '${CENTRIFUGO_VAR_A}-${CENTRIFUGO_VAR_A}', C: '${HOME} ${PARSEC_VAR_A} $CENTRIFUGO_VAR_A', D: '${CENTRIFUGO_VAR_EMPTY}' };
  const file = tempConfig(t, 'config.json', JSON.stringify({ client: { proxy: { connect: { http: { static_headers: headers } } } } }));
  const { config } = loadConfig({ file, env: { CENTRIFUGO_VAR_A: 'x', CENTRIFUGO_VAR_EMPTY: '', HOME: '/root', PARSEC_VAR_A: 'y' } });
  assert.deepEqual(config.client.proxy.connect.http.staticHeaders, {
    '${CENTRIFUGO_VAR_A}': 'key stays',
    B: 'x-x',
    C: '${HOME} ${PARSEC_VAR_A} $CENTRIFUGO_VAR_A',
    D: '',
  });
});

test('a CENTRIFUGO_VAR_ variable that is not set stops the load, naming it, the key and the file', (t) => {
  const file = tempConfig(t, 'config.yaml', 'proxies:\n  - name: p1\n    endpoint: http://127.0.0.1:1\n    http:\n      static_headers:\n        - key: Authorization\n          value: Bearer ${CENTRIFUGO_VAR_API_TOKEN}\n');
  const err = configError(() => loadConfig({ file, env: {} }));
  assert.equal(err.key, 'proxies[0].http.static_headers');
  assert.equal(err.file, file);
  assert.equal(err.message, `${file}: proxies[0].http.static_headers: environment variable CENTRIFUGO_VAR_API_TOKEN is not set (used in the value of "Authorization")`);
});

test('maps from the environment take either form and are expanded too; errors name the variable', () => {
  const list = loadConfig({
    env: {
      CENTRIFUGO_CLIENT_PROXY_CONNECT_HTTP_STATIC_HEADERS: '[{"key": "X-A", "value": "${CENTRIFUGO_VAR_A}"}]',
      PARSEC_CLIENT_PROXY_REFRESH_HTTP_STATIC_HEADERS: '{"X-B": "b"}',
      CENTRIFUGO_VAR_A: 'a',
    },
  });
  assert.deepEqual(list.warnings, []);
  assert.deepEqual(list.config.client.proxy.connect.http.staticHeaders, { 'X-A': 'a' });
  assert.deepEqual(list.config.client.proxy.refresh.http.staticHeaders, { 'X-B': 'b' });
  const err = configError(() => loadConfig({ env: { PARSEC_CLIENT_PROXY_CONNECT_HTTP_STATIC_HEADERS: '{"X-A": "${CENTRIFUGO_VAR_NOPE}"}' } }));
  assert.equal(err.message, 'env PARSEC_CLIENT_PROXY_CONNECT_HTTP_STATIC_HEADERS: client.proxy.connect.http.static_headers: environment variable CENTRIFUGO_VAR_NOPE is not set (used in the value of "X-A")');
  const bad = configError(() => loadConfig({ env: { PARSEC_CLIENT_PROXY_CONNECT_HTTP_STATIC_HEADERS: 'X-A: b' } }));
  assert.match(bad.message, /^env PARSEC_CLIENT_PROXY_CONNECT_HTTP_STATIC_HEADERS: client\.proxy\.connect\.http\.static_headers: expected a JSON object or a JSON list of \{"key", "value"\} objects/);
});

test('malformed key/value lists name the entry', (t) => {
  const cases: Array<[unknown, string]> = [
    ['X: y', 'client.proxy.connect.http.static_headers: expected an object or a list of {"key": …, "value": …}, got "X: y"'],
    [['X'], 'client.proxy.connect.http.static_headers[0]: expected {"key": …, "value": …}, got X'],
    [[{ value: 'y' }], 'client.proxy.connect.http.static_headers[0].key: missing; expected a string'],
    [[{ key: 1, value: 'y' }], 'client.proxy.connect.http.static_headers[0].key: expected a string, got 1'],
    [[{ key: 'X' }], 'client.proxy.connect.http.static_headers[0].value: missing; expected a string'],
    [[{ key: 'X', value: 2 }], 'client.proxy.connect.http.static_headers[0].value: expected a string, got 2'],
    [[{ key: 'X', value: 'a' }, { key: 'X', value: 'b' }], 'client.proxy.connect.http.static_headers[1].key: duplicate key "X" (also at [0])'],
    [{ X: 2 }, 'client.proxy.connect.http.static_headers.X: expected a string, got 2'],
  ];
  for (const [headers, message] of cases) {
    const file = tempConfig(t, 'config.json', JSON.stringify({ client: { proxy: { connect: { http: { static_headers: headers } } } } }));
    assert.equal(configError(() => loadConfig({ file })).message, `${file}: ${message}`);
  }
});
