import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig, loadConfig } from '../../src/config/index.js';
import { configError, tempConfig } from './helpers.js';

/** [what, config, key, message after "<file>: "] */
const cases: Array<[string, unknown, string, string]> = [
  [
    'an admin UI without a way in',
    { admin: { enabled: true, secret: 's' } },
    'admin.password',
    'admin.password: required when admin.enabled is true (or enable admin.jwks, or admin.insecure for development)',
  ],
  ['an admin UI without a secret', { admin: { enabled: true, password: 'p' } }, 'admin.secret', 'admin.secret: required when admin.enabled is true: it signs the admin sessions'],
  ['an admin JWKS without an endpoint', { admin: { enabled: true, secret: 's', jwks: { enabled: true } } }, 'admin.jwks.endpoint', 'admin.jwks.endpoint: required when admin.jwks.enabled is true'],
  ['a bad duration', { client: { ping_interval: '42x' } }, 'client.ping_interval', 'client.ping_interval: expected a duration like "25s", got 42x'],
  ['a negative duration', { client: { stale_close_delay: '-1s' } }, 'client.stale_close_delay', 'client.stale_close_delay: expected a duration like "25s", got -1s'],
  ['a port out of range', { http_server: { port: 65536 } }, 'http_server.port', 'http_server.port: expected at most 65535, got 65536'],
  ['a negative port', { http_server: { port: -1 } }, 'http_server.port', 'http_server.port: expected at least 0, got -1'],
  ['a fractional port', { http_server: { port: 80.5 } }, 'http_server.port', 'http_server.port: expected an integer, got 80.5'],
  ['a port as a string', { http_server: { port: '8000' } }, 'http_server.port', 'http_server.port: expected a number, got 8000'],
  [
    'ping_interval not above pong_timeout',
    { client: { ping_interval: '8s', pong_timeout: '8s' } },
    'client.ping_interval',
    'client.ping_interval: must be greater than client.pong_timeout, but 8s <= 8s',
  ],
  [
    'pings off but pong_timeout left on',
    { client: { ping_interval: '0' } },
    'client.ping_interval',
    'client.ping_interval: must be greater than client.pong_timeout, but 0s <= 8s (to turn pings off, set client.pong_timeout to 0 too)',
  ],
  [
    'a duplicate namespace',
    { channel: { namespaces: [{ name: 'chat' }, { name: 'news' }, { name: 'chat' }] } },
    'channel.namespaces[2].name',
    'channel.namespaces[2].name: namespace "chat": already defined at channel.namespaces[0]; names must be unique',
  ],
  [
    'a bad namespace name',
    { channel: { namespaces: [{ name: 'chat room' }] } },
    'channel.namespaces[0].name',
    'channel.namespaces[0].name: namespace "chat room": expected a name of 2 or more letters, digits, "-", "_" or ".", got "chat room"',
  ],
  [
    'a unidirectional disconnect transform without a target code',
    { client: { connect_code_to_unidirectional_disconnect: { enabled: true, transforms: [{ code: 109, to: { reason: 'x' } }] } } },
    'client.connect_code_to_unidirectional_disconnect.transforms[0].to.code',
    'client.connect_code_to_unidirectional_disconnect.transforms[0].to.code: expected a disconnect code (non-zero)',
  ],
  [
    'a non-ASCII disconnect reason',
    { client: { connect_code_to_unidirectional_disconnect: { transforms: [{ code: 109, to: { code: 4000, reason: 'abgelaufen – neu' } }] } } },
    'client.connect_code_to_unidirectional_disconnect.transforms[0].to.reason',
    'client.connect_code_to_unidirectional_disconnect.transforms[0].to.reason: must be ASCII',
  ],
  [
    'an HTTP response transform without a status',
    { uni_sse: { connect_code_to_http_response: { enabled: true, transforms: [{ code: 109, to: { body: 'expired' } }] } } },
    'uni_sse.connect_code_to_http_response.transforms[0].to.status_code',
    'uni_sse.connect_code_to_http_response.transforms[0].to.status_code: expected an HTTP status code',
  ],
  ['uni_grpc TLS without a key', { uni_grpc: { tls: { enabled: true, cert_pem: 'x' } } }, 'uni_grpc.tls.key_pem_file', 'uni_grpc.tls.key_pem_file: a private key is required when uni_grpc.tls.enabled is true'],
  ['TLS without a key', { http_server: { tls: { enabled: true, cert_pem: 'x' } } }, 'http_server.tls.key_pem', 'http_server.tls.key_pem: a private key (PEM, file path or base64) is required when http_server.tls.enabled is true'],
  [
    'ACME certificates',
    { http_server: { tls_autocert: { enabled: true, host_whitelist: ['rt.example.com'] } } },
    'http_server.tls_autocert.enabled',
    'http_server.tls_autocert.enabled: ACME certificates are not supported: give a certificate in http_server.tls (from your own ACME client), or terminate TLS in a proxy',
  ],
  ['an internal port that is not a number', { http_server: { internal_port: 'nine' } }, 'http_server.internal_port', 'http_server.internal_port: expected a port number, got nine'],
  ['a compression level out of range', { websocket: { compression_level: 10 } }, 'websocket.compression_level', 'websocket.compression_level: expected at most 9, got 10'],
  ['a namespace without a name', { channel: { namespaces: [{ presence: true }] } }, 'channel.namespaces[0].name', 'channel.namespaces[0].name: every namespace needs a "name"'],
  ['a namespace that is not an object', { channel: { namespaces: ['chat'] } }, 'channel.namespaces[0]', 'channel.namespaces[0]: expected an object, got chat'],
  [
    'history_size without history_ttl',
    { channel: { namespaces: [{ name: 'ok' }, { name: 'chat', history_size: 10 }] } },
    'channel.namespaces[1].history_ttl',
    'channel.namespaces[1].history_ttl: namespace "chat": history_size is 10 but history_ttl is 0; history needs both',
  ],
  [
    'history_ttl without history_size',
    { channel: { without_namespace: { history_ttl: '60s' } } },
    'channel.without_namespace.history_size',
    'channel.without_namespace.history_size: history_ttl is 1m but history_size is 0; history needs both',
  ],
  [
    'history_ttl in fractions of a second',
    { channel: { namespaces: [{ name: 'chat', history_size: 1, history_ttl: '1500ms' }] } },
    'channel.namespaces[0].history_ttl',
    'channel.namespaces[0].history_ttl: namespace "chat": expected whole seconds, got 1500ms',
  ],
  [
    'history_ttl beyond history_meta_ttl',
    { channel: { history_meta_ttl: '1h', namespaces: [{ name: 'chat', history_size: 1, history_ttl: '2h' }] } },
    'channel.namespaces[0].history_ttl',
    'channel.namespaces[0].history_ttl: namespace "chat": history_ttl (2h) must not be greater than history_meta_ttl (1h)',
  ],
  [
    'force_recovery without history',
    { channel: { namespaces: [{ name: 'chat', force_recovery: true }] } },
    'channel.namespaces[0].force_recovery',
    'channel.namespaces[0].force_recovery: namespace "chat": recovery needs history; set history_size and history_ttl',
  ],
  [
    'allow_recovery without history',
    { channel: { without_namespace: { allow_recovery: true } } },
    'channel.without_namespace.allow_recovery',
    'channel.without_namespace.allow_recovery: recovery needs history; set history_size and history_ttl',
  ],
  [
    'a channel_regex that does not compile',
    { channel: { namespaces: [{ name: 'chat', channel_regex: '([a-z]+' }] } },
    'channel.namespaces[0].channel_regex',
    'channel.namespaces[0].channel_regex: namespace "chat": expected a valid regular expression, got ([a-z]+',
  ],
  [
    'an unknown delta type',
    { channel: { without_namespace: { allowed_delta_types: ['fossil', 'xdelta'] } } },
    'channel.without_namespace.allowed_delta_types[1]',
    'channel.without_namespace.allowed_delta_types[1]: expected one of "fossil", got xdelta',
  ],
  [
    'an unknown recovery mode',
    { channel: { without_namespace: { force_recovery_mode: 'fast' } } },
    'channel.without_namespace.force_recovery_mode',
    'channel.without_namespace.force_recovery_mode: expected one of "", "stream", "cache", got fast',
  ],
  ['an unknown error mode', { http_api: { error_mode: 'http' } }, 'http_api.error_mode', 'http_api.error_mode: expected one of "", "transport", got http'],
  ['an unknown engine', { engine: { type: 'nats' } }, 'engine.type', 'engine.type: expected one of "memory", "redis", got nats'],
  ['a v5-style engine', { engine: 'redis' }, 'engine', 'engine: expected an object, got redis (that is the Centrifugo v5 form; in v6 write "engine.type")'],
  [
    'an unknown log level',
    { log: { level: 'verbose' } },
    'log.level',
    'log.level: expected one of "trace", "debug", "info", "warn", "error", "fatal", "none", got verbose',
  ],
  ['allowed_origins not an array', { client: { allowed_origins: '*' } }, 'client.allowed_origins', 'client.allowed_origins: expected an array, got *'],
  ['allowed_origins not strings', { client: { allowed_origins: ['*', 1] } }, 'client.allowed_origins[1]', 'client.allowed_origins[1]: expected a string, got 1'],
  ['a zero size', { websocket: { message_size_limit: 0 } }, 'websocket.message_size_limit', 'websocket.message_size_limit: expected at least 1, got 0'],
  ['a negative limit', { client: { channel_limit: -5 } }, 'client.channel_limit', 'client.channel_limit: expected at least 0, got -5'],
  [
    'a write delay as long as the pong timeout',
    { client: { write_delay: '8s' } },
    'client.write_delay',
    'client.write_delay: must be less than client.pong_timeout (a ping waits for it too), but 8s >= 8s',
  ],
  ['a bad write delay', { client: { write_delay: '20 ms' } }, 'client.write_delay', 'client.write_delay: expected a duration like "25s", got "20 ms"'],
  ['a frame limit below -1', { client: { max_messages_in_frame: -2 } }, 'client.max_messages_in_frame', 'client.max_messages_in_frame: expected at least -1, got -2'],
  ['a fractional frame limit', { client: { max_messages_in_frame: 1.5 } }, 'client.max_messages_in_frame', 'client.max_messages_in_frame: expected an integer, got 1.5'],
  ['reply_without_queue as a string', { client: { reply_without_queue: 'yes' } }, 'client.reply_without_queue', 'client.reply_without_queue: expected true or false, got yes'],
  ['a zero queue', { client: { queue_max_size: 0 } }, 'client.queue_max_size', 'client.queue_max_size: expected at least 1, got 0'],
  ['a zero body size', { http_api: { max_request_body_size: 0 } }, 'http_api.max_request_body_size', 'http_api.max_request_body_size: expected at least 1, got 0'],
  ['a zero emulation body size', { emulation: { max_request_body_size: 0 } }, 'emulation.max_request_body_size', 'emulation.max_request_body_size: expected at least 1, got 0'],
  ['the v5 form of a transport switch', { sse: true }, 'sse', 'sse: expected an object, got true (that is the Centrifugo v5 form; in v6 write "sse.enabled")'],
  ['a boolean as a string', { client: { insecure: 'true' } }, 'client.insecure', 'client.insecure: expected true or false, got true'],
  ['a section as a scalar', { client: 5 }, 'client', 'client: expected an object, got 5'],
  ['an empty boundary', { channel: { namespace_boundary: '' } }, 'channel.namespace_boundary', 'channel.namespace_boundary: expected a non-empty string, got ""'],
  [
    'valid_until as an RFC 3339 time',
    { client: { token: { hmac_previous_secret_key: 'old', hmac_previous_secret_key_valid_until: '2026-01-01T00:00:00Z' } } },
    'client.token.hmac_previous_secret_key_valid_until',
    'client.token.hmac_previous_secret_key_valid_until: expected a Unix timestamp in seconds, like 1767225600, got 2026-01-01T00:00:00Z',
  ],
  [
    'valid_until in milliseconds',
    { client: { subscription_token: { hmac_previous_secret_key: 'old', hmac_previous_secret_key_valid_until: 1767225600000 } } },
    'client.subscription_token.hmac_previous_secret_key_valid_until',
    'client.subscription_token.hmac_previous_secret_key_valid_until: expected a Unix timestamp in seconds, like 1767225600, got 1767225600000',
  ],
  [
    'a negative valid_until',
    { client: { token: { hmac_previous_secret_key_valid_until: -1 } } },
    'client.token.hmac_previous_secret_key_valid_until',
    'client.token.hmac_previous_secret_key_valid_until: expected a Unix timestamp in seconds, like 1767225600, got -1',
  ],
  ['a user id header that is not a string', { client: { user_id_http_header: ['X-User-Id'] } }, 'client.user_id_http_header', 'client.user_id_http_header: expected a string, got ["X-User-Id"]'],
  ['a secret of the wrong type', { client: { token: { hmac_secret_key: 12345 } } }, 'client.token.hmac_secret_key', 'client.token.hmac_secret_key: expected a string, got (a hidden value)'],
  ['an unknown broker', { broker: { enabled: true, type: 'kafka' } }, 'broker.type', 'broker.type: expected one of "memory", "redis", "nats", "redisnats", "postgres", got kafka'],
  [
    'a NATS URL of another scheme',
    { broker: { enabled: true, type: 'nats', nats: { url: 'nats://a:4222, http://b:4222' } } },
    'broker.nats.url',
    'broker.nats.url: expected nats://host:port (several separated by commas), got "nats://a:4222, http://b:4222"',
  ],
  [
    'a NATS URL with credentials',
    { broker: { enabled: true, type: 'nats', nats: { url: 'nats://u:secret@a:4222' } } },
    'broker.nats.url',
    'broker.nats.url: credentials in the URL are not supported yet, got "nats://u:secret@a:4222"',
  ],
  [
    'a NATS prefix with a wildcard',
    { broker: { enabled: true, type: 'nats', nats: { prefix: 'apps.*' } } },
    'broker.nats.prefix',
    'broker.nats.prefix: expected dot-separated NATS subject tokens without spaces, "*" or ">", got "apps.*"',
  ],
  ['an empty NATS prefix', { broker: { enabled: true, type: 'nats', nats: { prefix: '' } } }, 'broker.nats.prefix', 'broker.nats.prefix: expected dot-separated NATS subject tokens without spaces, "*" or ">", got ""'],
  [
    'a NATS client certificate without its key',
    { broker: { enabled: true, type: 'nats', nats: { tls: { enabled: true, cert_pem: '/etc/nats/client.pem' } } } },
    'broker.nats.tls.key_pem',
    'broker.nats.tls.key_pem: the client certificate (broker.nats.tls.cert_pem) needs its private key',
  ],
  [
    'a NATS raw mode prefix with a space',
    { broker: { enabled: true, type: 'nats', nats: { raw_mode: { enabled: true, prefix: 'my app.' } } } },
    'broker.nats.raw_mode.prefix',
    'broker.nats.raw_mode.prefix: expected part of a NATS subject, without spaces, "*" or ">", got "my app."',
  ],
  [
    'a NATS raw mode replacement making a wildcard',
    { broker: { enabled: true, type: 'nats', nats: { raw_mode: { enabled: true, channel_replacements: { ':': '.', '#': '>' } } } } },
    'broker.nats.raw_mode.channel_replacements.#',
    'broker.nats.raw_mode.channel_replacements.#: expected a replacement without spaces, "*" or ">", got ">"',
  ],
  [
    'a NATS raw mode replacement of nothing',
    { broker: { enabled: true, type: 'nats', nats: { raw_mode: { enabled: true, channel_replacements: { '': '.' } } } } },
    'broker.nats.raw_mode.channel_replacements',
    'broker.nats.raw_mode.channel_replacements: a replaced string must not be empty',
  ],
  ['a zero NATS dial timeout', { broker: { enabled: true, type: 'nats', nats: { dial_timeout: '0s' } } }, 'broker.nats.dial_timeout', 'broker.nats.dial_timeout: must be greater than 0'],
  ['a bad WebSocket write timeout', { websocket: { write_timeout: 'fast' } }, 'websocket.write_timeout', 'websocket.write_timeout: expected a duration like "25s", got fast'],
  [
    'a bad header timeout',
    { parsec: { http_server: { read_header_timeout: 'soon' } } },
    'parsec.http_server.read_header_timeout',
    'parsec.http_server.read_header_timeout: expected a duration like "25s", got soon',
  ],
  [
    'a zero header timeout',
    { parsec: { http_server: { read_header_timeout: '0s' } } },
    'parsec.http_server.read_header_timeout',
    'parsec.http_server.read_header_timeout: must be greater than 0',
  ],
  [
    'a request timeout shorter than the header timeout',
    { parsec: { http_server: { read_header_timeout: '10s', read_timeout: '5s' } } },
    'parsec.http_server.read_timeout',
    'parsec.http_server.read_timeout: must be 0 (no bound) or at least read_header_timeout, but 5s < 10s',
  ],
  [
    'a personal channel namespace that does not exist',
    { client: { subscribe_to_user_personal_channel: { enabled: true, personal_channel_namespace: 'personal' } } },
    'client.subscribe_to_user_personal_channel.personal_channel_namespace',
    'client.subscribe_to_user_personal_channel.personal_channel_namespace: no namespace named "personal" in channel.namespaces',
  ],
  [
    'an MQTT namespace that is not declared',
    { client: { token: { hmac_secret_key: 'k' } }, parsec: { mqtt: { enabled: true, namespace: 'devices' } } },
    'parsec.mqtt.namespace',
    'parsec.mqtt.namespace: no namespace named "devices" in channel.namespaces: declare it there (its history, presence and join/leave options apply to MQTT topics)',
  ],
  [
    'MQTT without connection token keys',
    { channel: { namespaces: [{ name: 'mqtt' }] }, parsec: { mqtt: { enabled: true } } },
    'parsec.mqtt.enabled',
    'parsec.mqtt.enabled: MQTT clients authenticate with connection tokens: configure client.token (hmac_secret_key, a public key or jwks_public_endpoint)',
  ],
  [
    'an MQTT port out of range',
    { parsec: { mqtt: { port: 70000 } } },
    'parsec.mqtt.port',
    'parsec.mqtt.port: expected at most 65535, got 70000',
  ],
];

for (const [what, config, key, message] of cases) {
  test(`refuses ${what}, naming the key and the file`, (t) => {
    const file = tempConfig(t, 'config.json', JSON.stringify(config));
    const err = configError(() => loadConfig({ file }));
    assert.equal(err.code, 'PARSEC_CONFIG_INVALID');
    assert.equal(err.key, key);
    assert.equal(err.file, file);
    assert.equal(err.message, `${file}: ${message}`);
  });
}

test('Centrifugo\'s -1 turns pings off (0)', () => {
  const { config } = loadConfig({ overrides: { 'client.ping_interval': -1, 'client.pong_timeout': '-1s' } });
  assert.equal(config.client.pingInterval, 0);
  assert.equal(config.client.pongTimeout, 0);
});

test('websocket.write_timeout takes a duration; 0 is Centrifugo\'s 1s default, not "no limit"', () => {
  assert.equal(loadConfig({ overrides: { 'websocket.write_timeout': '250ms' } }).config.websocket.writeTimeout, 250);
  assert.equal(loadConfig({ overrides: { 'websocket.write_timeout': '0' } }).config.websocket.writeTimeout, 1000);
  assert.equal(loadConfig({ env: { PARSEC_WEBSOCKET_WRITE_TIMEOUT: '2s' } }).config.websocket.writeTimeout, 2000);
});

test('http_server.internal_port takes a number or, as Centrifugo writes it, a string; empty means none', (t) => {
  const port = (v: unknown): number | null => loadConfig({ file: tempConfig(t, 'c.json', JSON.stringify({ http_server: { internal_port: v } })) }).config.httpServer.internalPort;
  assert.equal(port('9000'), 9000);
  assert.equal(port(9001), 9001);
  assert.equal(port(''), null);
});

test('write batching is off by default; max_messages_in_frame takes Centrifugo\'s 0 (default 16) and -1 (no limit, 0 here)', () => {
  const c = loadConfig({}).config.client;
  assert.equal(c.writeDelay, 0);
  assert.equal(c.maxMessagesInFrame, 16);
  assert.equal(c.replyWithoutQueue, false);
  const frame = (v: number): number => loadConfig({ overrides: { 'client.max_messages_in_frame': v } }).config.client.maxMessagesInFrame;
  assert.equal(frame(0), 16);
  assert.equal(frame(-1), 0);
  assert.equal(frame(64), 64);
  const env = loadConfig({ env: { PARSEC_CLIENT_WRITE_DELAY: '20ms', PARSEC_CLIENT_REPLY_WITHOUT_QUEUE: 'true' } }).config.client;
  assert.equal(env.writeDelay, 20);
  assert.equal(env.replyWithoutQueue, true);
  // Pongs off: any delay.
  assert.equal(loadConfig({ overrides: { 'client.write_delay': '10s', 'client.pong_timeout': '0' } }).config.client.writeDelay, 10_000);
});

test('pong_timeout 0 allows any ping_interval', () => {
  const { config } = loadConfig({ overrides: { 'client.ping_interval': '1s', 'client.pong_timeout': '0' } });
  assert.equal(config.client.pingInterval, 1000);
});

test('log.level "none" becomes pino\'s "silent"', () => {
  assert.equal(loadConfig({ overrides: { 'log.level': 'none' } }).config.log.level, 'silent');
});

test('user_id_claim empty means "sub"; set, it is kept', () => {
  const { config } = loadConfig({ overrides: { 'client.token.user_id_claim': 'uid' } });
  assert.equal(config.client.token.userIdClaim, 'uid');
  assert.equal(config.client.subscriptionToken.userIdClaim, 'sub');
});

test('recovery with history, and a namespace-level meta TTL above the global one, are fine', () => {
  const { config } = loadConfig({
    overrides: {
      'channel.history_meta_ttl': '1h',
      'channel.namespaces': [{ name: 'chat', history_size: 10, history_ttl: '2h', history_meta_ttl: '3h', allow_recovery: true, force_recovery_mode: 'cache' }],
    },
  });
  assert.equal(config.channel.namespaces[0]!.historyMetaTtl, 3 * 3_600_000);
});

test('the first problem is reported with its namespace even in YAML', (t) => {
  const file = tempConfig(t, 'config.yaml', 'channel:\n  namespaces:\n    - name: chat\n      history_size: 10\n      history_ttl: ten minutes\n');
  const err = configError(() => loadConfig({ file }));
  assert.equal(err.message, `${file}: channel.namespaces[0].history_ttl: namespace "chat": expected a duration like "25s", got "ten minutes"`);
});

test('the NATS broker section loads from a Centrifugo v6 file, and is checked only when in use', (t) => {
  const nats = {
    url: 'nats://10.0.0.1:4222,nats://10.0.0.2:4222',
    prefix: 'prod.realtime',
    dial_timeout: '2s',
    write_timeout: '500ms',
    tls: { enabled: true, cert_pem: '/etc/nats/client.pem', key_pem: '/etc/nats/client-key.pem', server_ca_pem: '/etc/nats/ca.pem', insecure_skip_verify: false, server_name: 'nats.internal' },
    allow_wildcards: true,
    raw_mode: { enabled: true, prefix: 'ext.', channel_replacements: { ':': '.', '/': '_' } },
  };
  const file = tempConfig(t, 'config.json', JSON.stringify({ broker: { enabled: true, type: 'nats', nats } }));
  const { config, warnings } = loadConfig({ file });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.broker, {
    enabled: true,
    type: 'nats',
    redis: defaultConfig().broker.redis,
    nats: {
      url: nats.url,
      prefix: 'prod.realtime',
      dialTimeout: 2000,
      writeTimeout: 500,
      tls: { enabled: true, certPem: '/etc/nats/client.pem', keyPem: '/etc/nats/client-key.pem', serverCaPem: '/etc/nats/ca.pem', insecureSkipVerify: false, serverName: 'nats.internal' },
      allowWildcards: true,
      rawMode: { enabled: true, prefix: 'ext.', channelReplacements: { ':': '.', '/': '_' } },
    },
  });
  const off = tempConfig(t, 'off.json', JSON.stringify({ broker: { enabled: false, type: 'nats', nats: { url: 'http://x' } } }));
  assert.equal(loadConfig({ file: off }).config.broker.nats.url, 'http://x');
  const env = loadConfig({ env: { PARSEC_BROKER_ENABLED: 'true', PARSEC_BROKER_TYPE: 'nats', CENTRIFUGO_BROKER_NATS_URL: 'nats://n:4222' } }).config.broker;
  assert.deepEqual([env.enabled, env.type, env.nats.url], [true, 'nats', 'nats://n:4222']);
  const raw = loadConfig({ env: { CENTRIFUGO_BROKER_NATS_RAW_MODE_ENABLED: 'true', CENTRIFUGO_BROKER_NATS_RAW_MODE_CHANNEL_REPLACEMENTS: '{":":"."}' } }).config.broker.nats.rawMode;
  assert.deepEqual(raw, { enabled: true, prefix: '', channelReplacements: { ':': '.' } });
});

test('a previous HMAC secret without valid_until is accepted with no end, as in Centrifugo', (t) => {
  const file = tempConfig(t, 'config.json', JSON.stringify({ client: { token: { hmac_secret_key: 'new', hmac_previous_secret_key: 'old' } } }));
  const { config, warnings } = loadConfig({ file });
  assert.equal(config.client.token.hmacPreviousSecretKey, 'old');
  assert.equal(config.client.token.hmacPreviousSecretKeyValidUntil, 0);
  assert.deepEqual(warnings, []);
});

test('hmac_previous_secret_key_valid_until takes Unix seconds, from the file or the environment', (t) => {
  const file = tempConfig(t, 'config.yaml', 'client:\n  subscription_token:\n    hmac_previous_secret_key_valid_until: 1767225600\n');
  const fromFile = loadConfig({ file });
  assert.equal(fromFile.config.client.subscriptionToken.hmacPreviousSecretKeyValidUntil, 1767225600);
  const fromEnv = loadConfig({ env: { PARSEC_CLIENT_TOKEN_HMAC_PREVIOUS_SECRET_KEY_VALID_UNTIL: '1767225600' } });
  assert.equal(fromEnv.config.client.token.hmacPreviousSecretKeyValidUntil, 1767225600);
});
