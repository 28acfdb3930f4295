import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { tempConfig } from './helpers.js';

test('unknown keys warn once each with the dotted path and the file, and do not stop the start', (t) => {
  const file = tempConfig(
    t,
    'config.json',
    JSON.stringify({
      client: { foo: 1, ping_intervall: '10s', token: { hmac_secret_key: 'k', nope: true } },
      channel: { namespaces: [{ name: 'chat', colour: 'red' }] },
      whatever: { deep: { er: 1 } },
    }),
  );
  const { config, warnings } = loadConfig({ file });
  assert.equal(config.client.token.hmacSecretKey, 'k');
  assert.equal(config.client.pingInterval, 25_000);
  assert.deepEqual(warnings, [
    `${file}: unknown key "client.foo"`,
    `${file}: unknown key "client.ping_intervall"; did you mean "client.ping_interval"?`,
    `${file}: unknown key "client.token.nope"`,
    `${file}: unknown key "channel.namespaces[0].colour"`,
    `${file}: unknown key "whatever"`,
  ]);
});

test('Centrifugo v5 flat keys warn with their v6 name', (t) => {
  const file = tempConfig(
    t,
    'config.json',
    JSON.stringify({ token_hmac_secret_key: 'k', api_key: 'a', port: 9000, namespaces: [], allowed_origins: ['*'], client_insecure: true, nats_url: 'nats://n:4222' }),
  );
  const { config, warnings } = loadConfig({ file });
  assert.equal(config.httpServer.port, 8000);
  assert.deepEqual(warnings, [
    `${file}: "token_hmac_secret_key" is a Centrifugo v5 key; Parsec reads v6, where it is "client.token.hmac_secret_key" (ignored)`,
    `${file}: "api_key" is a Centrifugo v5 key; Parsec reads v6, where it is "http_api.key" (ignored)`,
    `${file}: "port" is a Centrifugo v5 key; Parsec reads v6, where it is "http_server.port" (ignored)`,
    `${file}: "namespaces" is a Centrifugo v5 key; Parsec reads v6, where it is "channel.namespaces" (ignored)`,
    `${file}: "allowed_origins" is a Centrifugo v5 key; Parsec reads v6, where it is "client.allowed_origins" (ignored)`,
    `${file}: "client_insecure" is a Centrifugo v5 key; Parsec reads v6, where it is "client.insecure" (ignored)`,
    `${file}: "nats_url" is a Centrifugo v5 key; Parsec reads v6, where it is "broker.nats.url" (ignored)`,
  ]);
});

test('recognised Centrifugo keys Parsec lacks get one notice per top-level section', (t) => {
  const file = tempConfig(
    t,
    'config.yaml',
    [
      'admin: {enabled: false, web_path: /srv/ui}',
      'prometheus: {enabled: true, native_histograms: true}',
      'uni_websocket: {enabled: true, read_buffer_size: 1024}',
      'client:',
      '  token: {insecure_skip_jwks_endpoint_safety_check: true}',
      '  proxy: {connect: {enabled: true, endpoint: "http://x", http: {tls: {enabled: true, client_ca_pem: ca.pem}}}}',
      'channel:',
      '  proxy: {subscribe: {endpoint: http://x}, subscribe_stream: {endpoint: "grpc://x:1"}}',
      '  namespaces:',
      '    - {name: a1, subscription_type: map, map: {mode: ephemeral, key_ttl: 60s}}',
      '    - {name: a2, subscription_type: stream, subscribe_stream_proxy_enabled: true}',
      'proxies:',
      '  - {name: p, endpoint: "grpc://x:1", grpc: {compression: true, tls: {client_ca_pem: ca.pem}}}',
    ].join('\n'),
  );
  const { warnings } = loadConfig({ file });
  assert.deepEqual(warnings, [
    `${file}: "admin.web_path" is recognised but not supported yet (ignored)`,
    `${file}: "prometheus.native_histograms" is recognised but not supported yet (ignored)`,
    `${file}: "uni_websocket.read_buffer_size" is recognised but not supported yet (ignored)`,
    `${file}: "client.token.insecure_skip_jwks_endpoint_safety_check", "client.proxy.connect.http.tls.client_ca_pem" are recognised but not supported yet (ignored)`,
    `${file}: "channel.proxy.subscribe_stream", "channel.namespaces[*].subscribe_stream_proxy_enabled" are recognised but not supported yet (ignored)`,
    `${file}: "proxies[*].grpc.tls.client_ca_pem" is recognised but not supported yet (ignored)`,
  ]);
});

test('every section named in the brief is recognised, not unknown', (t) => {
  const sections = [
    'unified_proxy', 'graphite', 'tls', 'debug', 'webtransport',
  ];
  const file = tempConfig(t, 'config.json', JSON.stringify(Object.fromEntries(sections.map((s) => [s, {}]))));
  const { warnings } = loadConfig({ file });
  assert.equal(warnings.length, sections.length);
  for (const w of warnings) assert.match(w, /is recognised but not supported yet \(ignored\)$/);
});

// The shape of centrifuge-js's own test config (centrifugo_test.json): map and shared-poll
// namespaces, proxies, and the SSE/HTTP-streaming transports. Written for this test.
const centrifugeJsStyle = {
  client: { insecure: true, concurrency: 4, token: { hmac_secret_key: 'test-secret' } },
  log: { level: 'trace' },
  http_stream: { enabled: true },
  sse: { enabled: true },
  map_broker: {},
  shared_poll: { hmac_secret_key: 'poll-secret' },
  proxies: [{ name: 'backend', endpoint: 'http://127.0.0.1:3010/refresh', timeout: '5s' }],
  http_api: { key: 'api-key' },
  channel: {
    without_namespace: { presence: true, allowed_delta_types: ['fossil'], delta_publish: true, history_size: 50, history_ttl: '120s', force_recovery: true },
    namespaces: [
      { name: 'mapped', subscription_type: 'map', map: { mode: 'ephemeral', key_ttl: '60s', allow_publish_for_client: true }, allow_subscribe_for_client: true },
      { name: 'stored', subscription_type: 'map', map: { mode: 'persistent', stream_size: 2, stream_ttl: '60s' }, allow_subscribe_for_client: true },
      {
        name: 'deltas',
        allowed_delta_types: ['fossil'],
        delta_publish: true,
        force_recovery: true,
        history_size: 50,
        history_ttl: '120s',
        allow_subscribe_for_client: true,
        allow_publish_for_subscriber: true,
      },
      { name: 'history', force_recovery: true, history_size: 3, history_ttl: '120s', allow_subscribe_for_client: true },
      {
        name: 'watched',
        subscription_type: 'map',
        map_clients_presence_channel_prefix: 'viewers:',
        map: { mode: 'ephemeral', key_ttl: '60s' },
        allow_subscribe_for_client: true,
      },
      { name: 'viewers', subscription_type: 'map_clients', map: { mode: 'ephemeral', key_ttl: '60s' }, allow_subscribe_for_client: true },
      { name: 'slow', subscription_type: 'map', map: { mode: 'ephemeral', key_ttl: '60s' }, client_publish_debounce_interval: '50ms', allow_subscribe_for_client: true },
      { name: 'tags', subscription_type: 'map', map: { mode: 'persistent' }, allow_tags_filter: true, allow_subscribe_for_client: true },
      {
        name: 'polled',
        subscription_type: 'shared_poll',
        shared_poll: { proxy_name: 'backend', mode: 'versioned', refresh_interval: '200ms', refresh_batch_size: 10 },
        allow_subscribe_for_client: true,
      },
    ],
  },
};

test('a config shaped like centrifuge-js\'s test config loads with no notice', (t) => {
  const file = tempConfig(t, 'centrifugo_test.json', JSON.stringify(centrifugeJsStyle, null, 2));
  const { config, warnings } = loadConfig({ file });
  assert.deepEqual(warnings, []);
  assert.equal(config.client.concurrency, 4);
  assert.equal(config.client.insecure, true);
  assert.equal(config.client.token.hmacSecretKey, 'test-secret');
  assert.equal(config.log.level, 'trace');
  assert.equal(config.httpApi.key, 'api-key');
  assert.equal(config.sse.enabled, true);
  assert.equal(config.httpStream.enabled, true);
  assert.equal(config.channel.withoutNamespace.historySize, 50);
  assert.deepEqual(config.channel.withoutNamespace.allowedDeltaTypes, ['fossil']);
  assert.deepEqual(
    config.channel.namespaces.map((n) => n.name),
    ['mapped', 'stored', 'deltas', 'history', 'watched', 'viewers', 'slow', 'tags', 'polled'],
  );
  assert.equal(config.channel.namespaces[7]!.allowTagsFilter, true);
  assert.equal(config.channel.namespaces[0]!.subscriptionType, 'map');
  assert.equal(config.channel.namespaces[8]!.sharedPoll.mode, 'versioned');
  assert.equal(config.sharedPoll.hmacSecretKey, 'poll-secret');
  assert.equal(config.mapBroker.type, 'memory');
});

test('a "__proto__" key is just an unknown key', (t) => {
  const file = tempConfig(t, 'config.json', '{"__proto__": {"http_server": {"port": 1}}, "client": {"__proto__": {"insecure": true}}}');
  const { config, warnings } = loadConfig({ file });
  assert.equal(config.httpServer.port, 8000);
  assert.equal(config.client.insecure, false);
  assert.deepEqual(warnings, [`${file}: unknown key "__proto__"`, `${file}: unknown key "client.__proto__"`]);
  assert.equal(({} as Record<string, unknown>)['http_server'], undefined);
});

test('broker options Parsec lacks are recognised, the NATS ones it has are not reported', (t) => {
  const broker = {
    enabled: true,
    type: 'nats',
    nats: {
      url: 'nats://n:4222',
      prefix: 'p',
      tls: { enabled: true, cert_pem: 'c.pem', key_pem: 'k.pem', server_ca_pem: 'ca.pem', insecure_skip_verify: false, server_name: 'n', client_ca_pem: 'x.pem' },
      allow_wildcards: true,
      raw_mode: { enabled: true, prefix: 'ext.', channel_replacements: { ':': '.' } },
    },
    redis: { address: 'r:6379', history_use_lists: true, tls: { client_ca_pem: 'x' } },
    redisnats: {},
  };
  const file = tempConfig(t, 'config.json', JSON.stringify({ broker }));
  const { warnings } = loadConfig({ file });
  assert.deepEqual(warnings, [
    `${file}: "broker.nats.tls.client_ca_pem", "broker.redis.history_use_lists", "broker.redis.tls.client_ca_pem", "broker.redisnats" are recognised but not supported yet (ignored)`,
  ]);
});
