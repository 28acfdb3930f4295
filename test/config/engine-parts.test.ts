import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { configError, tempConfig } from './helpers.js';

test("a Centrifugo v6 file with NATS for PUB/SUB and Redis for presence loads as it is", (t) => {
  const file = tempConfig(
    t,
    'config.json',
    JSON.stringify({
      engine: { type: 'memory' },
      broker: { enabled: true, type: 'nats', nats: { url: 'nats://127.0.0.1:4222' } },
      presence_manager: {
        enabled: true,
        type: 'redis',
        redis: { address: 'redis://10.0.0.5:6379', prefix: 'pm', presence_ttl: '30s', tls: { enabled: true, cert_pem: '/etc/c.pem', key_pem: '/etc/k.pem', server_name: 'redis.internal' } },
      },
    }),
  );
  const { config, warnings } = loadConfig({ file });
  assert.deepEqual(warnings, []);
  const pm = config.presenceManager;
  assert.deepEqual([pm.enabled, pm.type, pm.redis.address, pm.redis.prefix, pm.redis.presenceTtl], [true, 'redis', ['redis://10.0.0.5:6379'], 'pm', 30_000]);
  assert.deepEqual([pm.redis.tls.certPem, pm.redis.tls.keyPem, pm.redis.tls.serverName], ['/etc/c.pem', '/etc/k.pem', 'redis.internal']);
});

test('a Redis broker section takes the keys of engine.redis, without presence', (t) => {
  const file = tempConfig(t, 'config.json', JSON.stringify({ broker: { enabled: true, type: 'redis', redis: { address: ['redis://a:6379', 'redis://b:6379'], prefix: 'b', db: 1 } } }));
  const { config, warnings } = loadConfig({ file });
  assert.deepEqual(warnings, []);
  assert.deepEqual([config.broker.type, config.broker.redis.address, config.broker.redis.prefix, config.broker.redis.db], ['redis', ['redis://a:6379', 'redis://b:6379'], 'b', 1]);
  const ttl = tempConfig(t, 'ttl.json', JSON.stringify({ broker: { redis: { presence_ttl: '10s' } } }));
  assert.deepEqual(loadConfig({ file: ttl }).warnings, [`${ttl}: unknown key "broker.redis.presence_ttl"`]);
});

for (const [what, raw, key, fragment] of [
  ['an enabled redisnats broker', { broker: { enabled: true, type: 'redisnats' } }, 'broker.type', 'redisnats broker (Redis + NATS) is not supported'],
  ['an enabled postgres broker', { broker: { enabled: true, type: 'postgres' } }, 'broker.type', 'postgres broker is not supported'],
  ['an empty broker Redis address', { broker: { enabled: true, type: 'redis', redis: { address: '' } } }, 'broker.redis.address[0]', 'empty'],
  ['a presence Sentinel without its master', { presence_manager: { enabled: true, type: 'redis', redis: { sentinel_address: ['s:26379'] } } }, 'presence_manager.redis.sentinel_master_name', 'required'],
  ['a client certificate without its key', { presence_manager: { enabled: true, type: 'redis', redis: { tls: { enabled: true, cert_pem: 'c' } } } }, 'presence_manager.redis.tls.key_pem', 'needs its private key'],
  ['a client key without its certificate', { engine: { type: 'redis', redis: { tls: { enabled: true, key_pem: 'k' } } } }, 'engine.redis.tls.cert_pem', 'needs its client certificate'],
  ['a broker client certificate without its key', { broker: { enabled: true, type: 'redis', redis: { tls: { enabled: true, cert_pem: 'c' } } } }, 'broker.redis.tls.key_pem', 'needs its private key'],
  ['a map broker client certificate without its key', { map_broker: { type: 'redis', redis: { tls: { enabled: true, cert_pem: 'c' } } } }, 'map_broker.redis.tls.key_pem', 'needs its private key'],
] as const) {
  test(`refused: ${what}`, (t) => {
    const file = tempConfig(t, 'config.json', JSON.stringify(raw));
    const err = configError(() => loadConfig({ file }));
    assert.equal(err.key, key);
    assert.match(err.message, new RegExp(fragment.replace(/[()+]/g, '\\$&')));
  });
}

test('sections not in use are not checked: a disabled broker or presence manager, an engine both replace', (t) => {
  const off = { broker: { type: 'postgres', redis: { address: '' } }, presence_manager: { type: 'redis', redis: { tls: { enabled: true, cert_pem: 'c' } } } };
  assert.doesNotThrow(() => loadConfig({ file: tempConfig(t, 'off.json', JSON.stringify(off)) }));
  const replaced = {
    engine: { type: 'redis', redis: { tls: { enabled: true, cert_pem: 'c' } } },
    broker: { enabled: true, type: 'memory' },
    presence_manager: { enabled: true, type: 'memory' },
  };
  assert.doesNotThrow(() => loadConfig({ file: tempConfig(t, 'replaced.json', JSON.stringify(replaced)) }));
});
