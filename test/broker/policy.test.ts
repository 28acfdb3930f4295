import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoleAuthorizer } from '../../src/broker/authorizer.js';
import { compilePattern } from '../../src/broker/patterns.js';
import { RateLimiter } from '../../src/broker/rate-limiter.js';
import { newSortableId } from '../../src/lib/index.js';
import { ManualClock } from './revocation-store-suite.js';

describe('channel patterns', () => {
  it('match * as any run of characters and {user} as the user id, literally', () => {
    const team = compilePattern('team:*');
    assert.ok(team('team:red', 'u') && team('team:', 'u') && team('team:a:b', 'u'));
    assert.ok(!team('teams:red', 'u') && !team('xteam:red', 'u'));
    const own = compilePattern('user:{user}');
    assert.ok(own('user:alice', 'alice'));
    assert.ok(!own('user:bob', 'alice'));
    // A user id with pattern characters does not widen what is granted.
    assert.ok(!own('user:alice', 'a*') && !own('user:ab', 'a.'));
    assert.ok(compilePattern('chat:{user}:*')('chat:u1:room', 'u1'));
    assert.ok(!compilePattern('a.b')('axb', 'u'));
  });
});

describe('role authorizer', () => {
  const authz = new RoleAuthorizer({
    rolesClaim: 'realm_access.roles',
    userRoles: { carol: ['admin'] },
    roles: { member: ['team:*', 'user:{user}'], admin: ['ops:*'] },
  });

  it('takes roles from a nested claim, a space-separated string or the static map', () => {
    assert.deepEqual(authz.rolesOf({ id: 'a', kind: 'user', claims: { realm_access: { roles: ['member', 7] } } }), ['member']);
    assert.deepEqual(new RoleAuthorizer({ rolesClaim: 'scope', userRoles: {}, roles: {} }).rolesOf({ id: 'a', kind: 'user', claims: { scope: 'x y' } }), ['x', 'y']);
    assert.deepEqual(authz.rolesOf({ id: 'carol', kind: 'user', claims: { realm_access: { roles: ['member'] } } }).sort(), ['admin', 'member']);
  });

  it('grants what a role covers and gives a reason for the rest', async () => {
    const d = await authz.authorize({ id: 'alice', kind: 'user', claims: { realm_access: { roles: ['member'] } } }, ['team:a', 'user:alice', 'user:bob', 'ops:x']);
    assert.deepEqual(d.granted, ['team:a', 'user:alice']);
    assert.deepEqual(d.denied.map((x) => x.channel), ['user:bob', 'ops:x']);
    const none = await authz.authorize({ id: 'z', kind: 'user', claims: {} }, ['team:a']);
    assert.equal(none.denied[0]!.reason, 'user has no role that grants channels');
  });
});

describe('rate limiter', () => {
  it('lets `requests` per interval through per caller, plus burst, and says how long to wait', () => {
    const clock = new ManualClock();
    const rl = new RateLimiter({ clock, requests: 2, interval: 1000, burst: 1 });
    assert.deepEqual([rl.take('a'), rl.take('a'), rl.take('a')], [0, 0, 0]);
    const wait = rl.take('a');
    assert.equal(wait, 500);
    assert.equal(rl.take('b'), 0);
    clock.t += 500;
    assert.equal(rl.take('a'), 0);
    assert.ok(rl.take('a') > 0);
  });

  it('is off with 0 requests and forgets the longest-idle callers past its bound', () => {
    const clock = new ManualClock();
    assert.equal(new RateLimiter({ clock, requests: 0, interval: 1000, burst: 0 }).take('a'), 0);
    const rl = new RateLimiter({ clock, requests: 1, interval: 60_000, burst: 0, maxCallers: 2 });
    rl.take('a');
    rl.take('b');
    rl.take('c'); // evicts a
    assert.equal(rl.take('a'), 0);
    assert.ok(rl.take('c') > 0);
  });
});

describe('sortable ids', () => {
  it('are 26 Crockford characters that sort by time', () => {
    const a = newSortableId(1_700_000_000_000);
    const b = newSortableId(1_700_000_000_001);
    assert.match(a, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.ok(a < b);
    assert.notEqual(newSortableId(5), newSortableId(5));
  });
});
