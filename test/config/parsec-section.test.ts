import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig, loadConfig } from '../../src/config/index.js';
import { configError, tempConfig } from './helpers.js';

const JWKS = { type: 'jwks', endpoint: 'https://idp.example.com/certs' };

test('the parsec section has defaults and the token broker is off', () => {
  const p = defaultConfig().parsec;
  assert.deepEqual(p.trustedProxies, []);
  assert.equal(p.channelCompaction, true);
  assert.deepEqual(p.httpServer, { readHeaderTimeout: 10_000, readTimeout: 30_000 });
  const tb = p.tokenBroker;
  assert.equal(tb.enabled, false);
  assert.equal(tb.prefix, '/parsec');
  assert.equal(tb.defaultTtl, 3_600_000);
  assert.equal(tb.maxTtl, 24 * 3_600_000);
  assert.equal(tb.authorizer.type, 'roles');
  assert.deepEqual(tb.revocations, { store: 'memory', maxTtl: 24 * 3_600_000, pruneInterval: 60_000 });
  assert.deepEqual(tb.rateLimit, { requests: 0, interval: 1000, burst: 0 });
  assert.deepEqual(p.audit, { postgresDsn: '', postgresTable: 'parsec_token_audit', memorySize: 10_000 });
});

test('the issue\'s example config loads as it is, maps and all', (t) => {
  const file = tempConfig(
    t,
    'config.json',
    JSON.stringify({
      client: { token: { hmac_secret_key: 'secret' } },
      parsec: {
        token_broker: {
          enabled: true,
          prefix: '/parsec',
          default_ttl: '1h',
          max_ttl: '24h',
          authenticator: { ...JWKS, issuer: 'https://idp', audience: '', user_id_claim: 'sub' },
          authorizer: { type: 'roles', roles_claim: 'roles', roles: { member: ['team:*'], admin: ['team:*', 'ops:*'] } },
          delegation: { services: { 'billing-svc': ['*'] } },
          revocations: { store: 'memory' },
        },
      },
    }),
  );
  const { config, warnings } = loadConfig({ file });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.parsec.tokenBroker.authorizer.roles, { member: ['team:*'], admin: ['team:*', 'ops:*'] });
  assert.deepEqual(config.parsec.tokenBroker.delegation.services, { 'billing-svc': ['*'] });
});

test('env overrides reach parsec keys, maps as JSON', () => {
  const { config } = loadConfig({
    env: {
      PARSEC_CLIENT_TOKEN_HMAC_SECRET_KEY: 's',
      PARSEC_PARSEC_TOKEN_BROKER_ENABLED: 'true',
      PARSEC_PARSEC_TOKEN_BROKER_AUTHENTICATOR_ENDPOINT: JWKS.endpoint,
      PARSEC_PARSEC_TOKEN_BROKER_AUTHORIZER_ROLES: '{"member": ["team:*"]}',
      PARSEC_PARSEC_TRUSTED_PROXIES: '10.0.0.0/8,127.0.0.1',
    },
  });
  assert.equal(config.parsec.tokenBroker.enabled, true);
  assert.deepEqual(config.parsec.tokenBroker.authorizer.roles, { member: ['team:*'] });
  assert.deepEqual(config.parsec.trustedProxies, ['10.0.0.0/8', '127.0.0.1']);
});

/** [what, parsec section, client.token.hmac_secret_key, key, message after the key] */
const refused: Array<[string, unknown, string, string, RegExp]> = [
  ['no key to sign with', { token_broker: { enabled: true, authenticator: JWKS } }, '', 'parsec.token_broker.signing_key', /needs a key to sign with/],
  ['a JWKS authenticator without endpoint', { token_broker: { enabled: true } }, 's', 'parsec.token_broker.authenticator.endpoint', /JWKS/],
  ['a hook without URL', { token_broker: { enabled: true, authenticator: JWKS, authorizer: { type: 'hook' } } }, 's', 'parsec.token_broker.authorizer.hook_url', /URL/],
  ['default_ttl above max_ttl', { token_broker: { enabled: true, authenticator: JWKS, default_ttl: '2h', max_ttl: '1h' } }, 's', 'parsec.token_broker.default_ttl', /max_ttl/],
  ['a short service key', { token_broker: { enabled: true, authenticator: { ...JWKS, api_keys: { svc: 'short' } } } }, 's', 'parsec.token_broker.authenticator.api_keys.svc', /16/],
  ['a bad trusted proxy', { trusted_proxies: ['10.0.0.0/33'] }, 's', 'parsec.trusted_proxies[0]', /CIDR/],
  ['an unsafe audit table name', { audit: { postgres_table: 'x; DROP TABLE y' } }, 's', 'parsec.audit.postgres_table', /table name/],
  ['an unknown authorizer', { token_broker: { authorizer: { type: 'everyone' } } }, 's', 'parsec.token_broker.authorizer.type', /allow_all/],
];

for (const [what, parsec, secret, key, message] of refused) {
  test(`refuses ${what}, naming the key and the file`, (t) => {
    const file = tempConfig(t, 'config.json', JSON.stringify({ client: { token: { hmac_secret_key: secret } }, parsec }));
    const err = configError(() => loadConfig({ file }));
    assert.equal(err.key, key);
    assert.equal(err.file, file);
    assert.match(err.message, message);
  });
}

test('parsec.http_server read bounds load from a file and the environment; read_timeout 0 is no bound', (t) => {
  const file = tempConfig(t, 'config.yaml', 'parsec:\n  http_server:\n    read_header_timeout: 2s\n    read_timeout: 0\n');
  const { config, warnings } = loadConfig({ file });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.parsec.httpServer, { readHeaderTimeout: 2000, readTimeout: 0 });
  const fromEnv = loadConfig({ env: { PARSEC_PARSEC_HTTP_SERVER_READ_HEADER_TIMEOUT: '3s', PARSEC_PARSEC_HTTP_SERVER_READ_TIMEOUT: '1m' } }).config;
  assert.deepEqual(fromEnv.parsec.httpServer, { readHeaderTimeout: 3000, readTimeout: 60_000 });
});

test('channel compaction can be turned off', (t) => {
  const file = tempConfig(t, 'config.json', JSON.stringify({ parsec: { channel_compaction: false } }));
  assert.equal(loadConfig({ file }).config.parsec.channelCompaction, false);
});
