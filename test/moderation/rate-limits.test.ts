import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { defaultConfig, type RateLimitConfig } from '../../src/config/index.js';
import { CommandPolicy, IpConnectLimiter, MemoryKeyedBuckets, MemoryModerationStore, RateLimits, rateLimitsToWire, type LimitsHolder } from '../../src/moderation/index.js';
import { ManualClock } from '../helpers/clock.js';

// namespaceOverrides: what the config schema gives every channel command's group.
const group = (interval: number, rate: number) => ({ enabled: true, buckets: [{ interval, rate }], namespaceOverrides: [] });

function limits(edit: (c: RateLimitConfig) => void, clock = new ManualClock()) {
  const defaults = structuredClone(defaultConfig().client.rateLimit) as RateLimitConfig;
  edit(defaults);
  const store = new MemoryModerationStore();
  const r = new RateLimits({ defaults, store, users: new MemoryKeyedBuckets(clock), clock, log: pino({ level: 'silent' }) });
  return { r, clock, store };
}

describe('command policies', () => {
  it('give each command its own copy of default, and RPC overrides their own buckets', () => {
    const layer = structuredClone(defaultConfig().client.rateLimit.clientCommand);
    Object.assign(layer, { enabled: true, default: group(1000, 5), total: group(1000, 9), publish: group(1000, 1) });
    layer.rpc.methodOverrides = [{ method: 'slow', enabled: true, buckets: [] }];
    const p = new CommandPolicy(layer);
    assert.equal(p.specs.length, 1 + 14 + 1, 'total, one per command, one for the override');
    assert.notDeepEqual(p.slots('history'), p.slots('presence'));
    assert.deepEqual(p.specsOf(p.slots('publish')), [{ interval: 1000, rate: 1 }]);
    assert.deepEqual(p.specsOf(p.slots('rpc', 'slow')), [{ interval: 1000, rate: 5 }], 'an override without buckets uses default');
    assert.notDeepEqual(p.slots('rpc', 'slow'), p.slots('rpc', 'other'));
    assert.equal(p.hitName('rpc', 'slow'), 'rpc.slow');
    assert.equal(p.hitName('rpc', 'other'), 'rpc', 'no label per unconfigured method');
  });
});

describe('rate limits', () => {
  it('check a command\'s buckets, then total; unsubscribe is charged but never refused', () => {
    const { r } = limits((c) => Object.assign(c.clientCommand, { enabled: true, total: group(60_000, 3), publish: group(60_000, 2) }));
    const conn: LimitsHolder = { limits: undefined };
    assert.deepEqual(['publish', 'publish', 'publish'].map(() => r.checkConnection(conn, 'publish', '')), ['allow', 'allow', 'refuse']);
    assert.equal(r.checkConnection(conn, 'history', ''), 'allow', 'history has no buckets; total has one left');
    assert.equal(r.checkConnection(conn, 'unsubscribe', ''), 'allow', 'over total, but unsubscribe is never refused');
    assert.equal(r.checkConnection(conn, 'history', ''), 'refuse');
    assert.deepEqual(
      [...r.hitCounts()],
      [
        { layer: 'client_command', command: 'publish', dryRun: false, count: 1 },
        { layer: 'client_command', command: 'total', dryRun: false, count: 2 },
      ],
    );
  });

  it('let a dry run through while counting, and start connections afresh on new settings', async () => {
    const { r } = limits((c) => Object.assign(c.clientCommand, { enabled: true, publish: group(60_000, 1) }));
    const conn: LimitsHolder = { limits: undefined };
    assert.deepEqual([r.checkConnection(conn, 'publish', ''), r.checkConnection(conn, 'publish', '')], ['allow', 'refuse']);
    await r.set({ client_command: { enabled: true, dry_run: true, publish: { enabled: true, buckets: [{ interval: '1m', rate: 1 }] } } }, 'apikey');
    assert.deepEqual([r.checkConnection(conn, 'publish', ''), r.checkConnection(conn, 'publish', '')], ['allow', 'allow']);
    assert.deepEqual([...r.hitCounts()].find((h) => h.dryRun), { layer: 'client_command', command: 'publish', dryRun: true, count: 1 });
    await r.set({}, 'apikey');
    assert.equal(r.current().config.clientCommand.publish.buckets[0]?.rate, 1, 'back to the file');
  });

  it('count an RPC method override by its name, a slash in it included', () => {
    const { r } = limits((c) => {
      Object.assign(c.clientCommand, { enabled: true });
      c.clientCommand.rpc.methodOverrides = [{ method: 'billing/charge', enabled: true, buckets: [{ interval: 60_000, rate: 1 }] }];
    });
    const conn: LimitsHolder = { limits: undefined };
    assert.deepEqual([r.checkConnection(conn, 'rpc', 'billing/charge'), r.checkConnection(conn, 'rpc', 'billing/charge')], ['allow', 'refuse']);
    assert.deepEqual([...r.hitCounts()], [{ layer: 'client_command', command: 'rpc.billing/charge', dryRun: false, count: 1 }]);
  });

  it('disconnect past the client error budget, not in dry run', () => {
    const { r } = limits((c) => Object.assign(c.clientError, { enabled: true, total: group(60_000, 2) }));
    const conn: LimitsHolder = { limits: undefined };
    assert.deepEqual([r.countError(conn), r.countError(conn), r.countError(conn)], [false, false, true]);
    const dry = limits((c) => Object.assign(c.clientError, { enabled: true, dryRun: true, total: group(60_000, 1) })).r;
    const other: LimitsHolder = { limits: undefined };
    assert.deepEqual([dry.countError(other), dry.countError(other)], [false, false]);
  });

  it('replicate other nodes\' settings into a node-local store', async () => {
    const { r, store } = limits(() => undefined);
    const stored = { settings: { client_error: { enabled: true, total: { enabled: true, buckets: [{ interval: '1s', rate: 1 }] } } }, updatedAt: 1, updatedBy: 'jwt:ops' };
    await r.receive({ stored }, true);
    assert.deepEqual(await store.rateLimits(), stored);
    assert.equal(r.current().config.clientError.enabled, true);
  });

  it('refuse settings that are not the config shape, naming the field', async () => {
    const { r } = limits(() => undefined);
    await assert.rejects(r.set({ client_command: { publish: { buckets: [{ interval: '1s', rate: 0 }] } } }, 'apikey'), /settings\.client_command\.publish\.buckets\.0\.rate/);
    await assert.rejects(r.set({ nonsense: true }, 'apikey'), /nonsense/);
  });
});

describe('channel namespace overrides', () => {
  it('replace a channel command\'s buckets for that namespace; without buckets they use default', async () => {
    const { r } = limits((c) =>
      Object.assign(c.clientCommand, {
        enabled: true,
        default: group(60_000, 2),
        publish: {
          enabled: true,
          buckets: [{ interval: 60_000, rate: 1 }],
          namespaceOverrides: [
            { namespace_name: 'chat', enabled: true, buckets: [{ interval: 60_000, rate: 3 }] },
            { namespace_name: 'news', enabled: true, buckets: [] },
            { namespace_name: 'off', enabled: false, buckets: [{ interval: 60_000, rate: 9 }] },
          ],
        },
      }),
    );
    assert.equal(r.namespacesUsed, true);
    const conn: LimitsHolder = { limits: undefined };
    const burst = (ns: string, n: number) => Array.from({ length: n }, () => r.checkConnection(conn, 'publish', ns));
    assert.deepEqual(burst('chat', 4), ['allow', 'allow', 'allow', 'refuse'], 'chat: 3, not the base 1');
    assert.deepEqual(burst('news', 3), ['allow', 'allow', 'refuse'], 'news: default\'s 2');
    assert.deepEqual(burst('off', 2), ['allow', 'refuse'], 'a disabled override: the base 1');
    assert.deepEqual(burst('', 1), ['refuse'], 'no namespace shares the base buckets with unknown ones');
    assert.deepEqual(burst('chat', 1), ['refuse'], 'each namespace has its own buckets');
    const p = new CommandPolicy(r.current().config.clientCommand);
    assert.deepEqual([p.bucketName('publish', 'chat'), p.bucketName('publish', 'other'), p.hitName('publish', 'chat')], ['publish@chat', 'publish', 'publish']);
    await r.set({ client_command: { enabled: true, publish: { enabled: true, buckets: [{ interval: '1m', rate: 1 }] } } }, 'apikey');
    assert.equal(r.namespacesUsed, false, 'no override left: callers skip resolving namespaces');
  });
});

describe('per-user limits on this node (user_command)', () => {
  it('share a user\'s buckets across their connections, not with other users nor anonymous ones', () => {
    const { r } = limits((c) => Object.assign(c.userCommand, { enabled: true, publish: group(60_000, 2), connect: group(60_000, 1), total: group(60_000, 3) }));
    assert.deepEqual([r.checkUser('ann', 'publish', ''), r.checkUser('ann', 'publish', ''), r.checkUser('ann', 'publish', '')], [true, true, false]);
    assert.equal(r.checkUser('bob', 'publish', ''), true, 'bob has buckets of his own');
    assert.equal(r.checkUser('', 'publish', ''), true, 'anonymous: no user to count');
    assert.deepEqual([r.checkUser('ann', 'connect', ''), r.checkUser('ann', 'connect', '')], [true, false], 'connect has its buckets and takes no total');
    assert.equal(r.checkUser('ann', 'unsubscribe', ''), true, 'takes the last of total');
    assert.equal(r.checkUser('ann', 'unsubscribe', ''), true, 'over total, never refused');
    assert.equal(r.checkUser('ann', 'history', ''), false, 'total is spent');
    assert.deepEqual(
      [...r.hitCounts()].filter((h) => h.layer === 'user_command').map((h) => [h.command, h.count]),
      [['publish', 1], ['connect', 1], ['total', 2]],
    );
  });

  it('start afresh when its settings change, and let a dry run through', async () => {
    const { r } = limits((c) => Object.assign(c.userCommand, { enabled: true, publish: group(60_000, 1) }));
    assert.deepEqual([r.checkUser('ann', 'publish', ''), r.checkUser('ann', 'publish', '')], [true, false]);
    await r.set({ user_command: { enabled: true, dry_run: true, publish: { enabled: true, buckets: [{ interval: '1m', rate: 1 }] } } }, 'apikey');
    assert.deepEqual([r.checkUser('ann', 'publish', ''), r.checkUser('ann', 'publish', '')], [true, true]);
    assert.equal(rateLimitsToWire(r.current().config).user_command !== undefined, true);
  });
});

describe('per-user limits held in this process (redis_user_command without Redis)', () => {
  it('check both per-user layers in turn, each refusal counted to its own layer', () => {
    const { r } = limits((c) => {
      Object.assign(c.userCommand, { enabled: true, publish: group(60_000, 3) });
      Object.assign(c.redisUserCommand, { enabled: true, publish: group(60_000, 2), connect: group(60_000, 1) });
    });
    assert.deepEqual([1, 2, 3].map(() => r.checkUser('ann', 'publish', '')), [true, true, false], 'the node-wide buckets (2) refuse first');
    assert.equal(r.checkUser('ann', 'publish', ''), false, 'then user_command (3) is spent too');
    assert.deepEqual([r.checkUser('ann', 'connect', ''), r.checkUser('ann', 'connect', '')], [true, false], 'connect: its own buckets');
    assert.equal(r.checkUser('bob', 'publish', ''), true, 'bob has buckets of his own');
    assert.equal(r.checkUser('ann', 'unsubscribe', ''), true, 'never refused');
    assert.deepEqual(
      [...r.hitCounts()].map((h) => [h.layer, h.command, h.count]),
      [['redis_user_command', 'publish', 1], ['user_command', 'publish', 1], ['redis_user_command', 'connect', 1]],
    );
  });

  it('keep users\' buckets across a change of another layer, and start them afresh when a per-user layer changes', async () => {
    const { r } = limits((c) => Object.assign(c.redisUserCommand, { enabled: true, publish: group(60_000, 1) }));
    assert.deepEqual([r.checkUser('ann', 'publish', ''), r.checkUser('ann', 'publish', '')], [true, false]);
    await r.set({ client_command: { enabled: true, publish: { enabled: true, buckets: [{ interval: '1m', rate: 9 }] } } }, 'apikey');
    assert.equal(r.checkUser('ann', 'publish', ''), false, 'client_command changed: ann\'s buckets are kept');
    await r.set({ redis_user_command: { enabled: true, publish: { enabled: true, buckets: [{ interval: '1m', rate: 1 }] } } }, 'apikey');
    assert.equal(r.checkUser('ann', 'publish', ''), true, 'redis_user_command changed: started afresh');
  });
});

describe('disconnect_on_accounted_limit', () => {
  const layer = (extra: object) => (c: RateLimitConfig) => Object.assign(c.clientCommand, { enabled: true, unsubscribe: group(60_000, 1), total: group(60_000, 3), ...extra });

  it('ends a connection whose unsubscribes run over their own buckets, not over total', () => {
    const { r } = limits(layer({ disconnectOnAccountedLimit: true }));
    const conn: LimitsHolder = { limits: undefined };
    assert.deepEqual([r.checkConnection(conn, 'unsubscribe', ''), r.checkConnection(conn, 'unsubscribe', '')], ['allow', 'disconnect']);
    const other: LimitsHolder = { limits: undefined };
    assert.deepEqual(['history', 'history', 'history', 'unsubscribe'].map((c) => r.checkConnection(other, c as 'history', '')), ['allow', 'allow', 'allow', 'allow'], 'total spent, own bucket not: completed');
  });

  it('only counts in dry run, and is off by default', () => {
    const dry = limits(layer({ disconnectOnAccountedLimit: true, dryRun: true })).r;
    const conn: LimitsHolder = { limits: undefined };
    assert.deepEqual([dry.checkConnection(conn, 'unsubscribe', ''), dry.checkConnection(conn, 'unsubscribe', '')], ['allow', 'allow']);
    assert.deepEqual([...dry.hitCounts()], [{ layer: 'client_command', command: 'unsubscribe', dryRun: true, count: 1 }]);
    const off = limits(layer({})).r;
    const c2: LimitsHolder = { limits: undefined };
    assert.deepEqual([off.checkConnection(c2, 'unsubscribe', ''), off.checkConnection(c2, 'unsubscribe', '')], ['allow', 'allow']);
  });
});

describe('connections per address (max_concurrent_per_ip)', () => {
  it('caps the connections an address holds, freeing a place when one closes', () => {
    const { r } = limits((c) => Object.assign(c.ipConnect, { enabled: true, maxConcurrentPerIp: 2 }));
    const a = r.admitConnection('10.0.0.1');
    const b = r.admitConnection('10.0.0.1');
    assert.ok(a.allowed && b.allowed);
    assert.deepEqual(r.admitConnection('10.0.0.1'), { allowed: false, reason: 'concurrent' });
    assert.equal(r.admitConnection('10.0.0.2').allowed, true, 'another address');
    a.release();
    a.release(); // released once, however often called
    const c = r.admitConnection('10.0.0.1');
    assert.equal(c.allowed, true);
    assert.deepEqual(r.admitConnection('10.0.0.1'), { allowed: false, reason: 'concurrent' }, 'the double release freed one place only');
    assert.deepEqual([...r.hitCounts()], [{ layer: 'ip_connect', command: 'concurrent', dryRun: false, count: 2 }]);
  });

  it('checks the rate buckets first, counts in dry run, and does nothing when disabled', () => {
    const { r } = limits((c) => Object.assign(c.ipConnect, { enabled: true, buckets: [{ interval: 60_000, rate: 1 }], maxConcurrentPerIp: 5 }));
    assert.equal(r.admitConnection('a').allowed, true);
    assert.deepEqual(r.admitConnection('a'), { allowed: false, reason: 'rate' });
    const dry = limits((c) => Object.assign(c.ipConnect, { enabled: true, dryRun: true, maxConcurrentPerIp: 1 })).r;
    assert.deepEqual([dry.admitConnection('a').allowed, dry.admitConnection('a').allowed], [true, true]);
    assert.deepEqual([...dry.hitCounts()], [{ layer: 'ip_connect', command: 'concurrent', dryRun: true, count: 1 }]);
    const off = limits((c) => Object.assign(c.ipConnect, { enabled: false, maxConcurrentPerIp: 1 })).r;
    assert.deepEqual([off.admitConnection('a').allowed, off.admitConnection('a').allowed], [true, true]);
  });
});

describe('connect attempts per address', () => {
  it('limit each address, and let new ones through when the tracking table is full', () => {
    const clock = new ManualClock();
    const ip = new IpConnectLimiter({ enabled: true, dryRun: false, buckets: [{ interval: 60_000, rate: 1 }], maxTrackedIps: 2, maxConcurrentPerIp: 0 });
    assert.deepEqual([ip.take('a', clock.now()), ip.take('a', clock.now()), ip.take('b', clock.now())], [true, false, true]);
    assert.equal(ip.take('c', clock.now()), true, 'untracked at capacity: let through');
    assert.equal(ip.take('c', clock.now()), true, 'still untracked');
    // Once a and b are full again they are forgotten, and c is tracked.
    assert.deepEqual([ip.take('c', clock.now() + 60_000), ip.take('c', clock.now() + 60_000)], [true, false]);
  });
});
