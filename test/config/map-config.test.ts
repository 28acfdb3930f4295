import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clampPageSize, loadConfig, mapBrokerRedis, resolveMapOptions, resolveSharedPollOptions } from '../../src/config/index.js';
import { configError, tempConfig } from './helpers.js';

/*
 * Map and shared-poll settings (Centrifugo v6.8+): they load without notices, defaults resolve
 * as the centrifuge library's, and every combination Centrifugo refuses is refused with the key.
 */

const ns = (name: string, options: Record<string, unknown>) => ({ name, allow_subscribe_for_client: true, ...options });
const ephemeral = { mode: 'ephemeral', key_ttl: '60s' };

test('map, map presence and shared-poll namespaces load with their options', (t) => {
  const config = {
    map_broker: { type: 'memory' },
    shared_poll: { hmac_secret_key: 's', hmac_previous_secret_key: 'old', hmac_previous_secret_key_valid_until: 1767225600, concurrency_limit: 8 },
    proxies: [{ name: 'backend', endpoint: 'http://127.0.0.1:3010/refresh', timeout: '5s' }],
    channel: {
      proxy: { map_publish: { endpoint: 'http://127.0.0.1:1/map' }, shared_poll_refresh: { endpoint: 'grpc://127.0.0.1:2' } },
      namespaces: [
        ns('room', { subscription_type: 'map', map: { ...ephemeral, client_key: 'client_id', allow_publish_for_subscriber: true }, map_clients_presence_channel_prefix: 'who:' }),
        ns('who', { subscription_type: 'map_clients', map: ephemeral }),
        ns('board', { subscription_type: 'map', map: { mode: 'persistent', stream_size: 2, stream_ttl: '60s', publish_proxy_enabled: true } }),
        ns('poll', { subscription_type: 'shared_poll', shared_poll: { proxy_name: 'backend', mode: 'versioned', refresh_interval: '200ms', channel_shutdown_delay: -1 } }),
        ns('pollvl', { subscription_type: 'shared_poll' }),
        ns('slow', { subscription_type: 'map', map: ephemeral, client_publish_debounce_interval: '50ms' }),
        ns('stream', { subscription_type: '' }),
      ],
    },
  };
  const file = tempConfig(t, 'config.json', JSON.stringify(config));
  const { config: c, warnings } = loadConfig({ file });
  assert.deepEqual(warnings, []);
  const [room, who, board, poll, pollvl, slow, stream] = c.channel.namespaces;
  assert.equal(room!.subscriptionType, 'map');
  assert.equal(room!.map.clientKey, 'client_id');
  assert.equal(room!.mapClientsPresenceChannelPrefix, 'who:');
  assert.equal(who!.subscriptionType, 'map_clients');
  assert.equal(board!.map.streamSize, 2);
  assert.equal(poll!.sharedPoll.channelShutdownDelay, -1);
  assert.equal(resolveSharedPollOptions(poll!.sharedPoll).channelShutdownDelay, 0);
  assert.deepEqual(resolveSharedPollOptions(pollvl!.sharedPoll), {
    proxyName: 'default',
    mode: 'versionless',
    refreshInterval: 10_000,
    refreshBatchSize: 1000,
    maxKeysPerConnection: 5000,
    channelShutdownDelay: 1000,
    trackExpiredExtraDelay: 25_000,
    publishEnabled: false,
  });
  assert.equal(slow!.clientPublishDebounceInterval, 50);
  assert.equal(stream!.subscriptionType, 'stream');
  assert.equal(c.channel.withoutNamespace.subscriptionType, 'stream');
  assert.equal(c.sharedPoll.concurrencyLimit, 8);
  assert.equal(c.sharedPoll.hmacPreviousSecretKeyValidUntil, 1767225600);
  assert.equal(c.channel.proxy.mapPublish.endpoint, 'http://127.0.0.1:1/map');
  assert.equal(c.mapBroker.redis.cleanupInterval, 1000);
  assert.equal(c.mapBroker.redis.idempotentResultTtl, 300_000);
});

test('map options resolve to the library defaults', () => {
  const { config } = loadConfig({
    overrides: {
      'channel.namespaces': [
        ns('ee', { subscription_type: 'map', map: ephemeral }),
        ns('rr', { subscription_type: 'map', map: { mode: 'recoverable', key_ttl: '30s', min_page_size: 10, default_page_size: 20, max_page_size: 50 } }),
        ns('pp', { subscription_type: 'map', map: { mode: 'persistent', subscribe_catch_up_timeout: '-1' } }),
      ],
    },
  });
  const [e, r, p] = config.channel.namespaces.map((n) => resolveMapOptions(n.map));
  assert.deepEqual(
    { hasStream: e!.hasStream, keyTtl: e!.keyTtl, streamSize: e!.streamSize, metaTtl: e!.metaTtl, catchUp: e!.subscribeCatchUpTimeout },
    { hasStream: false, keyTtl: 60_000, streamSize: 0, metaTtl: 0, catchUp: 5000 },
  );
  assert.deepEqual(
    { streamSize: r!.streamSize, streamTtl: r!.streamTtl, metaTtl: r!.metaTtl, live: r!.liveTransitionMaxPublicationLimit },
    { streamSize: 100, streamTtl: 60_000, metaTtl: 600_000, live: 50 },
  );
  assert.deepEqual([clampPageSize(r!, 0), clampPageSize(r!, 2), clampPageSize(r!, 30), clampPageSize(r!, 500)], [20, 10, 30, 50]);
  assert.deepEqual({ keyTtl: p!.keyTtl, metaTtl: p!.metaTtl, catchUp: p!.subscribeCatchUpTimeout, pages: [p!.minPageSize, p!.defaultPageSize, p!.maxPageSize] }, {
    keyTtl: 0,
    metaTtl: 0,
    catchUp: 0,
    pages: [100, 100, 1000],
  });
  // The SDK tests ask for pages of 2: clamped to the minimum, so the state comes in one page.
  assert.equal(clampPageSize(p!, 2), 100);
});

/** [what, namespaces (and top-level extras), key, message fragment] */
const refused: Array<[string, Record<string, unknown>, string, string]> = [
  ['a map without mode', { namespaces: [ns('mm', { subscription_type: 'map' })] }, 'channel.namespaces[0].map.mode', 'required when subscription_type is "map"'],
  ['an ephemeral map without key_ttl', { namespaces: [ns('mm', { subscription_type: 'map', map: { mode: 'ephemeral' } })] }, 'channel.namespaces[0].map.key_ttl', 'required when map.mode is "ephemeral"'],
  ['a persistent map with key_ttl', { namespaces: [ns('mm', { subscription_type: 'map', map: { mode: 'persistent', key_ttl: '1s' } })] }, 'channel.namespaces[0].map.key_ttl', 'must not be set'],
  ['an ephemeral map with a stream', { namespaces: [ns('mm', { subscription_type: 'map', map: { ...ephemeral, stream_size: 5 } })] }, 'channel.namespaces[0].map.stream_size', 'must be 0 for map.mode "ephemeral"'],
  ['meta_ttl shorter than the stream', { namespaces: [ns('mm', { subscription_type: 'map', map: { mode: 'persistent', meta_ttl: '30s' } })] }, 'channel.namespaces[0].map.meta_ttl', 'must be at least map.stream_ttl (1m)'],
  ['persistent presence', { namespaces: [ns('mm', { subscription_type: 'map_users', map: { mode: 'persistent' } })] }, 'channel.namespaces[0].map.mode', 'presence entries need TTL cleanup'],
  ['an unknown mode', { namespaces: [ns('mm', { subscription_type: 'map', map: { mode: 'forever' } })] }, 'channel.namespaces[0].map.mode', ''],
  ['an unknown subscription type', { namespaces: [ns('mm', { subscription_type: 'keyed' })] }, 'channel.namespaces[0].subscription_type', ''],
  ['remove_client_on_unsubscribe on a stream', { namespaces: [ns('mm', { map: { remove_client_on_unsubscribe: true } })] }, 'channel.namespaces[0].map.remove_client_on_unsubscribe', 'needs subscription_type'],
  [
    'client_key with a publish proxy',
    { namespaces: [ns('mm', { subscription_type: 'map', map: { ...ephemeral, client_key: 'user_id', publish_proxy_enabled: true } })], proxy: { map_publish: { endpoint: 'http://x' } } },
    'channel.namespaces[0].map.client_key',
    'not compatible with map.publish_proxy_enabled',
  ],
  ['page sizes out of order', { namespaces: [ns('mm', { subscription_type: 'map', map: { ...ephemeral, min_page_size: 50, default_page_size: 10 } })] }, 'channel.namespaces[0].map.default_page_size', 'must not be below map.min_page_size (50)'],
  ['a presence prefix of a missing namespace', { namespaces: [ns('mm', { subscription_type: 'map', map: ephemeral, map_users_presence_channel_prefix: 'nobody:' })] }, 'channel.namespaces[0].map_users_presence_channel_prefix', 'namespace "nobody", which does not exist'],
  [
    'a presence prefix of the wrong type',
    { namespaces: [ns('mm', { subscription_type: 'map', map: ephemeral, map_clients_presence_channel_prefix: 'uu:' }), ns('uu', { subscription_type: 'map_users', map: ephemeral })] },
    'channel.namespaces[0].map_clients_presence_channel_prefix',
    'must be "map_clients" (it is "map_users")',
  ],
  ['a map publish proxy without endpoint', { namespaces: [ns('mm', { subscription_type: 'map', map: { ...ephemeral, publish_proxy_enabled: true } })] }, 'channel.proxy.map_publish.endpoint', 'an endpoint is required'],
  ['a shared-poll proxy name that does not exist', { namespaces: [ns('pp', { subscription_type: 'shared_poll', shared_poll: { proxy_name: 'nope' } })], secret: true }, 'channel.namespaces[0].shared_poll.proxy_name', 'no proxy named "nope"'],
  ['a shared-poll namespace without the default proxy', { namespaces: [ns('pp', { subscription_type: 'shared_poll' })], secret: true }, 'channel.proxy.shared_poll_refresh.endpoint', 'an endpoint is required'],
  ['shared poll without a secret', { namespaces: [ns('pp', { subscription_type: 'shared_poll' })] }, 'shared_poll.hmac_secret_key', 'subscription_type is "shared_poll"'],
  [
    'publish_enabled in versionless mode',
    { namespaces: [ns('pp', { subscription_type: 'shared_poll', shared_poll: { publish_enabled: true } })], secret: true, proxy: { shared_poll_refresh: { endpoint: 'http://x' } } },
    'channel.namespaces[0].shared_poll.publish_enabled',
    'needs shared_poll.mode "versioned"',
  ],
];

for (const [what, { namespaces, proxy, secret }, key, fragment] of refused) {
  test(`refused: ${what}`, (t) => {
    const file = tempConfig(
      t,
      'config.json',
      JSON.stringify({ channel: { namespaces, ...(proxy ? { proxy } : {}) }, ...(secret ? { shared_poll: { hmac_secret_key: 's' } } : {}) }),
    );
    const err = configError(() => loadConfig({ file }));
    assert.equal(err.key, key, err.message);
    assert.ok(err.message.includes(fragment), err.message);
  });
}

test('refused: the postgres map broker', (t) => {
  const file = tempConfig(t, 'config.json', JSON.stringify({ map_broker: { type: 'postgres' } }));
  const err = configError(() => loadConfig({ file }));
  assert.equal(err.key, 'map_broker.type');
  assert.match(err.message, /not supported by Parsec/);
});

test('the redis map broker: its own Redis, else the engine’s, else Centrifugo’s default', (t) => {
  const load = (o: object) => {
    const { config, warnings } = loadConfig({ file: tempConfig(t, 'config.json', JSON.stringify(o)) });
    assert.deepEqual(warnings, []);
    return mapBrokerRedis(config);
  };
  const settings = { cleanup_interval: '-1', cleanup_batch_size: 10, idempotent_result_ttl: '1m', skip_pub_sub: true };
  const alone = load({ map_broker: { type: 'redis', redis: settings } });
  assert.deepEqual([alone.address, alone.prefix], [['redis://127.0.0.1:6379'], 'centrifugo']);
  assert.deepEqual([alone.cleanupInterval, alone.cleanupBatchSize, alone.idempotentResultTtl, alone.skipPubSub], [-1, 10, 60_000, true]);
  const engine = { type: 'redis', redis: { address: 'redis://10.0.0.1:6380', prefix: 'app', password: 'pw', db: 2 } };
  const shared = load({ engine, map_broker: { type: 'redis', redis: settings } });
  assert.deepEqual([shared.address, shared.prefix, shared.password, shared.db, shared.cleanupBatchSize], [['redis://10.0.0.1:6380'], 'app', 'pw', 2, 10]);
  assert.equal(load({ engine, map_broker: { type: 'redis', redis: { prefix: 'maps' } } }).prefix, 'maps');
  const own = load({ engine, map_broker: { type: 'redis', redis: { cluster_address: ['10.0.0.2:7000'] } } });
  assert.deepEqual([own.clusterAddress, own.address, own.prefix, own.password], [['10.0.0.2:7000'], [], 'centrifugo', '']);
});

for (const [what, mapBroker, engine, key, fragment] of [
  ['an empty map broker address', { type: 'redis', redis: { address: '' } }, undefined, 'map_broker.redis.address[0]', 'empty'],
  ['Sentinel without a master name', { type: 'redis', redis: { sentinel_address: ['127.0.0.1:26379'] } }, undefined, 'map_broker.redis.sentinel_master_name', 'required'],
  ['the engine’s Redis when it names no server', { type: 'redis' }, { type: 'redis', redis: { address: [] } }, 'map_broker.redis.address', 'no Redis address'],
] as const) {
  test(`refused: ${what}`, (t) => {
    const file = tempConfig(t, 'config.json', JSON.stringify({ map_broker: mapBroker, ...(engine ? { engine } : {}) }));
    const err = configError(() => loadConfig({ file }));
    assert.equal(err.key, key, err.message);
    assert.ok(err.message.includes(fragment), err.message);
  });
}
