import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { configError, tempConfig } from './helpers.js';

test('client.rate_limit takes Centrifugo PRO\'s shape, intervals in ms', (t) => {
  const file = tempConfig(
    t,
    'config.json',
    JSON.stringify({
      client: {
        rate_limit: {
          client_command: {
            enabled: true,
            total: { enabled: true, buckets: [{ interval: '1s', rate: 20 }] },
            rpc: { enabled: true, buckets: [{ interval: '1s', rate: 10 }], method_overrides: [{ method: 'update_status', enabled: true, buckets: [{ interval: '20s', rate: 1 }] }] },
          },
          ip_connect: { enabled: true, dry_run: true, buckets: [{ interval: '1m', rate: 200 }] },
        },
      },
    }),
  );
  const rl = loadConfig({ file }).config.client.rateLimit;
  assert.deepEqual(rl.clientCommand.total, { enabled: true, buckets: [{ interval: 1000, rate: 20 }] });
  assert.deepEqual(rl.clientCommand.rpc.methodOverrides, [{ method: 'update_status', enabled: true, buckets: [{ interval: 20_000, rate: 1 }] }]);
  assert.deepEqual(rl.clientCommand.publish, { enabled: false, buckets: [], namespaceOverrides: [] });
  assert.deepEqual(rl.ipConnect, { enabled: true, dryRun: true, buckets: [{ interval: 60_000, rate: 200 }], maxTrackedIps: 100_000, maxConcurrentPerIp: 0 });
  assert.equal(rl.redisUserCommand.enabled, false);
});

test('a rate-limit bucket out of bounds names the key and the file', (t) => {
  const file = tempConfig(t, 'config.json', JSON.stringify({ client: { rate_limit: { client_command: { publish: { buckets: [{ interval: '100ms', rate: 1 }] } } } } }));
  const err = configError(() => loadConfig({ file }));
  assert.equal(err.key, 'client.rate_limit.client_command.publish.buckets[0].interval');
  assert.match(err.message, /expected a duration from "1s" to "1h"/);
  assert.ok(err.message.includes(file));
});

test('client.rate_limit takes user_command, disconnect_on_accounted_limit and max_concurrent_per_ip', (t) => {
  const file = tempConfig(
    t,
    'config.json',
    JSON.stringify({
      client: {
        rate_limit: {
          client_command: { enabled: true, disconnect_on_accounted_limit: true, unsubscribe: { enabled: true, buckets: [{ interval: '1s', rate: 50 }] } },
          user_command: { enabled: true, dry_run: true, connect: { enabled: true, buckets: [{ interval: '1m', rate: 10 }] } },
          ip_connect: { enabled: true, max_concurrent_per_ip: 20 },
        },
      },
    }),
  );
  const { config, warnings } = loadConfig({ file });
  const rl = config.client.rateLimit;
  assert.deepEqual(warnings, []);
  assert.equal(rl.clientCommand.disconnectOnAccountedLimit, true);
  assert.deepEqual({ enabled: rl.userCommand.enabled, dryRun: rl.userCommand.dryRun, connect: rl.userCommand.connect }, { enabled: true, dryRun: true, connect: { enabled: true, buckets: [{ interval: 60_000, rate: 10 }] } });
  assert.equal(rl.ipConnect.maxConcurrentPerIp, 20);
  const bad = tempConfig(t, 'bad.json', JSON.stringify({ client: { rate_limit: { user_command: { disconnect_on_accounted_limit: true } } } }));
  assert.match(loadConfig({ file: bad }).warnings.join('\n'), /client\.rate_limit\.user_command\.disconnect_on_accounted_limit/, 'the per-user layers never disconnect: an unknown key there');
});

test('Centrifugo PRO rate-limit keys not built yet get a notice, not silence', (t) => {
  const file = tempConfig(
    t,
    'config.json',
    JSON.stringify({
      client: {
        rate_limit: {
          client_command: { enabled: true, track: { enabled: true, buckets: [] }, rpc: { method_override: { m: { enabled: true } } } },
          redis_user_command: { enabled: true, redis: { reuse_from_engine: true }, map_publish: { enabled: true } },
        },
      },
    }),
  );
  const { warnings } = loadConfig({ file });
  assert.equal(warnings.length, 1);
  for (const key of ['client.rate_limit.client_command.rpc.method_override', 'client.rate_limit.redis_user_command.redis']) {
    assert.ok(warnings[0]!.includes(`"${key}"`), `${key} in ${warnings[0]}`);
  }
  assert.doesNotMatch(warnings[0]!, /track|map_publish/, 'buckets of map writes and shared-poll tracking are built');
  assert.match(warnings[0]!, /recognised but not supported yet/);
});

test('namespace overrides of channel commands take PRO\'s shape; each needs its namespace_name', (t) => {
  const ok = tempConfig(
    t,
    'ok.json',
    JSON.stringify({ client: { rate_limit: { user_command: { publish: { enabled: true, namespace_overrides: [{ namespace_name: 'chat', enabled: true, buckets: [{ interval: '1s', rate: 20 }] }] } } } } }),
  );
  assert.deepEqual(loadConfig({ file: ok }).config.client.rateLimit.userCommand.publish.namespaceOverrides, [{ namespace_name: 'chat', enabled: true, buckets: [{ interval: 1000, rate: 20 }] }]);
  const file = tempConfig(t, 'config.json', JSON.stringify({ client: { rate_limit: { client_command: { subscribe: { namespace_overrides: [{ enabled: true }] } } } } }));
  const err = configError(() => loadConfig({ file }));
  assert.equal(err.key, 'client.rate_limit.client_command.subscribe.namespace_overrides[0].namespace_name');
  const rpc = tempConfig(t, 'rpc.json', JSON.stringify({ client: { rate_limit: { client_command: { rpc: { namespace_overrides: [] } } } } }));
  assert.match(loadConfig({ file: rpc }).warnings.join('\n'), /client\.rate_limit\.client_command\.rpc\.namespace_overrides/, 'rpc is not channel-scoped');
});
