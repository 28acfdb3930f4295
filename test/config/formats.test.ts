import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { configError, tempConfig } from './helpers.js';

const json = JSON.stringify({
  http_server: { address: '127.0.0.1', port: 9000 },
  log: { level: 'debug' },
  client: { token: { hmac_secret_key: 'k' }, ping_interval: '20s', pong_timeout: 5, allowed_origins: ['http://localhost:3000'] },
  channel: { namespaces: [{ name: 'chat', history_size: 10, history_ttl: '300s', force_recovery: true, allow_subscribe_for_client: true }] },
});

const yaml = `
http_server:
  address: 127.0.0.1
  port: 9000
log:
  level: debug
client:
  token:
    hmac_secret_key: k
  ping_interval: 20s
  pong_timeout: 5
  allowed_origins:
    - http://localhost:3000
channel:
  namespaces:
    - name: chat
      history_size: 10
      history_ttl: 300s
      force_recovery: true
      allow_subscribe_for_client: true
`;

const toml = `
[http_server]
address = "127.0.0.1"
port = 9000

[log]
level = "debug"

[client]
ping_interval = "20s"
pong_timeout = 5
allowed_origins = ["http://localhost:3000"]

[client.token]
hmac_secret_key = "k"

[[channel.namespaces]]
name = "chat"
history_size = 10
history_ttl = "300s"
force_recovery = true
allow_subscribe_for_client = true
`;

for (const [name, text] of [['config.json', json], ['config.yaml', yaml], ['config.yml', yaml], ['config.toml', toml], ['config.conf', json]] as const) {
  test(`loads ${name}`, (t) => {
    const file = tempConfig(t, name, text);
    const { config, warnings } = loadConfig({ file });
    assert.deepEqual(warnings, []);
    assert.equal(config.source, resolve(file));
    assert.deepEqual({ address: config.httpServer.address, port: config.httpServer.port }, { address: '127.0.0.1', port: 9000 });
    assert.equal(config.log.level, 'debug');
    assert.equal(config.client.token.hmacSecretKey, 'k');
    assert.equal(config.client.pingInterval, 20_000);
    assert.equal(config.client.pongTimeout, 5000);
    assert.deepEqual(config.client.allowedOrigins, ['http://localhost:3000']);
    const [chat] = config.channel.namespaces;
    assert.equal(chat?.name, 'chat');
    assert.equal(chat.historySize, 10);
    assert.equal(chat.historyTtl, 300_000);
    assert.equal(chat.forceRecovery, true);
    assert.equal(chat.allowSubscribeForClient, true);
    assert.equal(chat.presence, false);
    // Untouched sections keep their defaults.
    assert.equal(config.websocket.handlerPrefix, '/connection/websocket');
  });
}

test('an empty YAML value or a null means "not set"', (t) => {
  const file = tempConfig(t, 'c.yaml', 'client:\nlog:\n  level:\nhttp_server:\n  port: 9001\n');
  const { config } = loadConfig({ file });
  assert.equal(config.log.level, 'info');
  assert.equal(config.client.pingInterval, 25_000);
  assert.equal(config.httpServer.port, 9001);
  const jsonFile = tempConfig(t, 'c.json', '{"client": null, "http_server": {"port": null}}');
  assert.equal(loadConfig({ file: jsonFile }).config.httpServer.port, 8000);
});

test('an empty YAML file is an empty config', (t) => {
  const file = tempConfig(t, 'c.yaml', '# nothing yet\n');
  assert.equal(loadConfig({ file }).config.httpServer.port, 8000);
});

test('a byte order mark is ignored', (t) => {
  const file = tempConfig(t, 'c.json', '\uFEFF{"http_server": {"port": 9002}}');
  assert.equal(loadConfig({ file }).config.httpServer.port, 9002);
});

test('invalid JSON names the file, line and column, and quotes nothing', (t) => {
  const cases: Array<[string, number, number]> = [
    ['{\n  "client": {\n    "token": { "hmac_secret_key": "s3cret", }\n  }\n}', 3, 45],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3],
    ['{"a": }', 1, 7],
    ['{"a": tru}', 1, 7],
    ['{"a": 1', 1, 8],
    ['', 1, 1],
  ];
  for (const [text, line, column] of cases) {
    const file = tempConfig(t, 'config.json', text);
    const err = configError(() => loadConfig({ file }));
    assert.equal(err.code, 'PARSEC_CONFIG_INVALID');
    assert.equal(err.file, file);
    assert.equal(err.key, '');
    assert.ok(err.message.startsWith(`${file}: invalid JSON at line ${line}, column ${column}: `), `${JSON.stringify(text)} → ${err.message}`);
    assert.ok(!err.message.includes('s3cret'), err.message);
  }
});

test('invalid YAML names the file, line and column', (t) => {
  const file = tempConfig(t, 'config.yaml', 'client:\n  ping_interval: 25s\n pong_timeout: 8s\n  x: [\n');
  const err = configError(() => loadConfig({ file }));
  assert.equal(err.code, 'PARSEC_CONFIG_INVALID');
  assert.match(err.message, new RegExp(`^${escape(file)}: invalid YAML at line \\d+, column \\d+: \\S`));
  const dup = tempConfig(t, 'dup.yml', 'log:\n  level: info\nlog:\n  level: debug\n');
  assert.match(configError(() => loadConfig({ file: dup })).message, /invalid YAML at line 3, column 1: Map keys must be unique/);
});

test('invalid TOML names the file, line and column', (t) => {
  const file = tempConfig(t, 'config.toml', '[client]\nping_interval = = "25s"\n');
  const err = configError(() => loadConfig({ file }));
  assert.equal(err.code, 'PARSEC_CONFIG_INVALID');
  assert.match(err.message, new RegExp(`^${escape(file)}: invalid TOML at line 2, column \\d+: invalid value`));
});

test('a file that is not an object at the top level is refused', (t) => {
  const file = tempConfig(t, 'config.json', '[1, 2]');
  const err = configError(() => loadConfig({ file }));
  assert.equal(err.message, `${file}: expected an object at the top level, got an array`);
});

test('a missing file is PARSEC_CONFIG_UNREADABLE and names the file as given', () => {
  const err = configError(() => loadConfig({ file: 'no-such-dir/parsec.json' }));
  assert.equal(err.code, 'PARSEC_CONFIG_UNREADABLE');
  assert.equal(err.file, 'no-such-dir/parsec.json');
  assert.equal(err.message, 'no-such-dir/parsec.json: cannot read the file (ENOENT)');
  assert.ok(err.cause instanceof Error);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
