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
  assert.deepEqual(rl.clientCommand.publish, { enabled: false, buckets: [] });
  assert.deepEqual(rl.ipConnect, { enabled: true, dryRun: true, buckets: [{ interval: 60_000, rate: 200 }], maxTrackedIps: 100_000 });
  assert.equal(rl.redisUserCommand.enabled, false);
});

test('a rate-limit bucket out of bounds names the key and the file', (t) => {
  const file = tempConfig(t, 'config.json', JSON.stringify({ client: { rate_limit: { client_command: { publish: { buckets: [{ interval: '100ms', rate: 1 }] } } } } }));
  const err = configError(() => loadConfig({ file }));
  assert.equal(err.key, 'client.rate_limit.client_command.publish.buckets[0].interval');
  assert.match(err.message, /expected a duration from "1s" to "1h"/);
  assert.ok(err.message.includes(file));
});
