import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { resolveEnvName } from '../../src/config/env.js';
import { configSchema } from '../../src/config/schema.js';
import { objectShape } from '../../src/config/walk.js';
import type { z } from 'zod';
import { configError, tempConfig } from './helpers.js';

test('PARSEC_<PATH> overrides the file', (t) => {
  const file = tempConfig(t, 'config.json', '{"http_server": {"port": 8001}, "client": {"token": {"hmac_secret_key": "from-file"}}}');
  const { config, warnings } = loadConfig({
    file,
    env: { PARSEC_HTTP_SERVER_PORT: '9000', PARSEC_CLIENT_TOKEN_HMAC_SECRET_KEY: 'from-env', HOME: '/root' },
  });
  assert.deepEqual(warnings, []);
  assert.equal(config.httpServer.port, 9000);
  assert.equal(config.client.token.hmacSecretKey, 'from-env');
});

test('ambiguous names resolve by walking the schema', () => {
  const { config } = loadConfig({
    env: {
      PARSEC_CLIENT_TOKEN_HMAC_SECRET_KEY: 'a',
      PARSEC_CLIENT_SUBSCRIPTION_TOKEN_HMAC_SECRET_KEY: 'b',
      PARSEC_CHANNEL_WITHOUT_NAMESPACE_HISTORY_TTL: '300s',
      PARSEC_CHANNEL_WITHOUT_NAMESPACE_HISTORY_SIZE: '10',
      PARSEC_CHANNEL_WITHOUT_NAMESPACE_HISTORY_META_TTL: '3600s',
      PARSEC_CHANNEL_HISTORY_META_TTL: '7200s',
      PARSEC_CHANNEL_WITHOUT_NAMESPACE_PRESENCE: 'true',
      PARSEC_CLIENT_SUBSCRIBE_TO_USER_PERSONAL_CHANNEL_ENABLED: '1',
    },
  });
  assert.equal(config.client.token.hmacSecretKey, 'a');
  assert.equal(config.client.subscriptionToken.hmacSecretKey, 'b');
  const o = config.channel.withoutNamespace;
  assert.equal(o.historyTtl, 300_000);
  assert.equal(o.historySize, 10);
  assert.equal(o.historyMetaTtl, 3_600_000);
  assert.equal(o.presence, true);
  assert.equal(config.channel.historyMetaTtl, 7_200_000);
  assert.equal(config.client.subscribeToUserPersonalChannel.enabled, true);
});

test('every key in the schema has an env name that resolves back to it', () => {
  const leaves: string[][] = [];
  const walk = (node: z.ZodType, path: string[]): void => {
    if (path.length > 0) leaves.push(path);
    const shape = objectShape(node);
    if (shape) for (const [k, child] of Object.entries(shape)) walk(child, [...path, k]);
  };
  walk(configSchema, []);
  assert.ok(leaves.length > 100);
  for (const path of leaves) {
    const name = path.join('_').toUpperCase();
    assert.deepEqual(resolveEnvName(configSchema, name)?.path, path, name);
  }
});

test('env values are coerced by the type of their key', () => {
  const { config } = loadConfig({
    env: {
      PARSEC_CLIENT_INSECURE: 'TRUE',
      PARSEC_HEALTH_ENABLED: '0',
      PARSEC_CLIENT_CHANNEL_LIMIT: '64',
      PARSEC_CLIENT_PING_INTERVAL: '1m',
      PARSEC_CLIENT_PONG_TIMEOUT: '10',
      PARSEC_LOG_LEVEL: 'none',
      PARSEC_ENGINE_TYPE: 'redis',
    },
  });
  assert.equal(config.client.insecure, true);
  assert.equal(config.health.enabled, false);
  assert.equal(config.client.channelLimit, 64);
  assert.equal(config.client.pingInterval, 60_000);
  assert.equal(config.client.pongTimeout, 10_000);
  assert.equal(config.log.level, 'silent');
  assert.equal(config.engine.type, 'redis');
});

test('allowed origins: JSON array, or space/comma separated', () => {
  const origins = (v: string) => loadConfig({ env: { PARSEC_CLIENT_ALLOWED_ORIGINS: v } }).config.client.allowedOrigins;
  assert.deepEqual(origins('["http://a", "https://b"]'), ['http://a', 'https://b']);
  assert.deepEqual(origins('http://a https://b'), ['http://a', 'https://b']);
  assert.deepEqual(origins('http://a, https://b,http://c'), ['http://a', 'https://b', 'http://c']);
  assert.deepEqual(origins('*'), ['*']);
});

test('namespaces from JSON, replacing the file\'s; their unknown keys warn under the variable', (t) => {
  const file = tempConfig(t, 'config.json', '{"channel": {"namespaces": [{"name": "old"}]}}');
  const { config, warnings } = loadConfig({
    file,
    env: { PARSEC_CHANNEL_NAMESPACES: '[{"name": "chat", "presence": true, "history_size": 5, "history_ttl": "60s", "colour": "red"}]' },
  });
  assert.deepEqual(config.channel.namespaces.map((n) => n.name), ['chat']);
  assert.equal(config.channel.namespaces[0]!.historyTtl, 60_000);
  assert.deepEqual(warnings, ['env PARSEC_CHANNEL_NAMESPACES: unknown key "channel.namespaces[0].colour"']);
});

test('a whole section can be set with a JSON object, and its keys refined after', () => {
  const { config } = loadConfig({ env: { PARSEC_CLIENT_TOKEN: '{"hmac_secret_key": "a", "issuer": "me"}', PARSEC_CLIENT_TOKEN_ISSUER: 'you' } });
  assert.equal(config.client.token.hmacSecretKey, 'a');
  assert.equal(config.client.token.issuer, 'you');
});

test('CENTRIFUGO_<PATH> works the same way, and PARSEC_ wins', () => {
  const { config, warnings } = loadConfig({
    env: {
      CENTRIFUGO_HTTP_SERVER_PORT: '7000',
      PARSEC_HTTP_SERVER_PORT: '9000',
      CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY: 'centrifugo',
      // Invalid, but PARSEC_ overrides it, so it is never used.
      CENTRIFUGO_LOG_LEVEL: 'loud',
      PARSEC_LOG_LEVEL: 'warn',
    },
  });
  assert.deepEqual(warnings, []);
  assert.equal(config.httpServer.port, 9000);
  assert.equal(config.client.token.hmacSecretKey, 'centrifugo');
  assert.equal(config.log.level, 'warn');
});

test('a prefixed variable that names no key is a warning naming it', () => {
  const { warnings } = loadConfig({
    env: {
      PARSEC_HTTP_SERVER_PROT: '1',
      CENTRIFUGO_NOPE: 'x',
      PARSEC_GRAPHITE_ENABLED: 'true',
      PARSEC_CLIENT_TOKEN_INSECURE_SKIP_JWKS_ENDPOINT_SAFETY_CHECK: 'true',
      CENTRIFUGO_TOKEN_HMAC_SECRET_KEY: 'x',
      NOT_OURS_HTTP_SERVER_PORT: '1',
    },
  });
  assert.deepEqual(warnings.sort(), [
    'env CENTRIFUGO_NOPE: names no config key (ignored)',
    'env CENTRIFUGO_TOKEN_HMAC_SECRET_KEY: "token_hmac_secret_key" is a Centrifugo v5 key; in v6 it is "client.token.hmac_secret_key", CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY (ignored)',
    'env PARSEC_CLIENT_TOKEN_INSECURE_SKIP_JWKS_ENDPOINT_SAFETY_CHECK: "client.token.insecure_skip_jwks_endpoint_safety_check" is recognised but not supported yet (ignored)',
    'env PARSEC_GRAPHITE_ENABLED: "graphite" is recognised but not supported yet (ignored)',
    'env PARSEC_HTTP_SERVER_PROT: names no config key (ignored)',
  ]);
});

test("tooling variables and CENTRIFUGO_VAR_ values are not warned about as keys", () => {
  const { warnings } = loadConfig({
    env: {
      PARSEC_TEST_REDIS_URL: 'redis://127.0.0.1:6379',
      PARSEC_TEST_LOG: 'debug',
      PARSEC_REQUIRE_SERVICES: '1',
      CENTRIFUGO_VAR_API_TOKEN: 'x',
      PARSEC_REQUIRE_SERVICESS: '1',
      PARSEC_VAR_API_TOKEN: 'x',
      CENTRIFUGO_TEST_LOG: 'debug',
    },
  });
  // Only the exact names are set aside: near misses and the other prefix still warn.
  assert.deepEqual(warnings.sort(), [
    'env CENTRIFUGO_TEST_LOG: names no config key (ignored)',
    'env PARSEC_REQUIRE_SERVICESS: names no config key (ignored)',
    'env PARSEC_VAR_API_TOKEN: names no config key (ignored)',
  ]);
  // They could never shadow a key: no section starts with those words.
  const sections = Object.keys(objectShape(configSchema)!);
  assert.deepEqual(sections.filter((k) => /^(var|test|require)(_|$)/.test(k)), []);
});

test('env errors name the variable instead of a file', (t) => {
  const file = tempConfig(t, 'config.json', '{}');
  const cases: Array<[Record<string, string>, string, string]> = [
    [{ PARSEC_HTTP_SERVER_PORT: 'eighty' }, 'http_server.port', 'env PARSEC_HTTP_SERVER_PORT: http_server.port: expected an integer, got eighty'],
    [{ PARSEC_HTTP_SERVER_PORT: '70000' }, 'http_server.port', 'env PARSEC_HTTP_SERVER_PORT: http_server.port: expected at most 65535, got 70000'],
    [{ PARSEC_CLIENT_INSECURE: 'yes' }, 'client.insecure', 'env PARSEC_CLIENT_INSECURE: client.insecure: expected true, false, 1 or 0, got yes'],
    [{ CENTRIFUGO_CLIENT_PING_INTERVAL: '42x' }, 'client.ping_interval', 'env CENTRIFUGO_CLIENT_PING_INTERVAL: client.ping_interval: expected a duration like "25s", got 42x'],
    [{ PARSEC_CHANNEL_NAMESPACES: '[{"name": "x"' }, 'channel.namespaces', 'env PARSEC_CHANNEL_NAMESPACES: channel.namespaces: expected a JSON array, got "[{\\"name\\": \\"x\\""'],
    [
      { PARSEC_CHANNEL_NAMESPACES: '[{"name": "chat", "history_ttl": "x"}]' },
      'channel.namespaces[0].history_ttl',
      'env PARSEC_CHANNEL_NAMESPACES: channel.namespaces[0].history_ttl: namespace "chat": expected a duration like "25s", got x',
    ],
    [
      { PARSEC_CLIENT_PING_INTERVAL: '5s' },
      'client.ping_interval',
      'env PARSEC_CLIENT_PING_INTERVAL: client.ping_interval: must be greater than client.pong_timeout, but 5s <= 8s',
    ],
  ];
  for (const [env, key, message] of cases) {
    const err = configError(() => loadConfig({ file, env }));
    assert.equal(err.code, 'PARSEC_CONFIG_INVALID');
    assert.equal(err.key, key);
    assert.equal(err.file, message.slice(0, message.indexOf(':')));
    assert.equal(err.message, message);
  }
});

test('secrets from the environment are not echoed in errors', () => {
  const err = configError(() => loadConfig({ env: { PARSEC_CLIENT_TOKEN: 'hunter2' } }));
  assert.equal(err.message, 'env PARSEC_CLIENT_TOKEN: client.token: expected a JSON object, got (a hidden value)');
  const secret = configError(() => loadConfig({ overrides: { 'http_api.key': 12345 } }));
  assert.ok(!secret.message.includes('12345'), secret.message);
});

test('overrides apply last, keyed by dotted path, strings coerced like env', () => {
  const { config } = loadConfig({
    env: { PARSEC_HTTP_SERVER_PORT: '9000' },
    overrides: { 'http_server.port': '9100', 'http_server.address': '127.0.0.1', 'client.insecure': true },
  });
  assert.equal(config.httpServer.port, 9100);
  assert.equal(config.httpServer.address, '127.0.0.1');
  assert.equal(config.client.insecure, true);
  const err = configError(() => loadConfig({ overrides: { 'http_server.prot': 1 } }));
  assert.equal(err.message, 'overrides: http_server.prot: names no config key');
  assert.equal(configError(() => loadConfig({ overrides: { 'http_server.port': 'x' } })).message, 'overrides: http_server.port: expected an integer, got x');
});

test('names that match Object.prototype members are not keys', () => {
  const { warnings } = loadConfig({ env: { PARSEC_CONSTRUCTOR: 'x', PARSEC_TO_STRING: 'x', PARSEC_CLIENT___PROTO__: 'x' } });
  assert.deepEqual(warnings.sort(), [
    'env PARSEC_CLIENT___PROTO__: names no config key (ignored)',
    'env PARSEC_CONSTRUCTOR: names no config key (ignored)',
    'env PARSEC_TO_STRING: names no config key (ignored)',
  ]);
  assert.equal(configError(() => loadConfig({ overrides: { constructor: 1 } })).message, 'overrides: constructor: names no config key');
});

test('nulls in env JSON mean "not set", as in a file', () => {
  const { config } = loadConfig({ env: { PARSEC_CHANNEL_NAMESPACES: '[{"name": "chat", "presence": null}]' } });
  assert.equal(config.channel.namespaces[0]!.presence, false);
});
