import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { allowAll, HookAuthorizer, RoleAuthorizer } from '../../src/broker/authorizer.js';
import { BrokerError, BrokerErrorCode } from '../../src/broker/index.js';
import { compilePattern } from '../../src/broker/patterns.js';
import type { Principal } from '../../src/broker/authenticator.js';

const user = (id: string, claims: Record<string, unknown> = {}): Principal => ({ id, kind: 'user', claims });

/** Every character a regular expression gives a meaning to. */
const SPECIAL = ['.', '*', '+', '?', '^', '$', '{', '}', '(', ')', '|', '[', ']', '\\'];

describe('channel patterns, character by character', () => {
  for (const c of SPECIAL) {
    it(`take ${JSON.stringify(c)} literally in a user id${c === '*' ? '' : " and in the pattern's own text"}`, () => {
      const own = compilePattern('user:{user}');
      assert.ok(own(`user:a${c}b`, `a${c}b`), 'the user id matches itself');
      assert.ok(!own('user:aab', `a${c}b`) && !own('user:ab', `a${c}b`) && !own('user:axb', `a${c}b`), 'and nothing it would match as a pattern');
      if (c === '*') return; // the pattern's own wildcard
      const fixed = compilePattern(`a${c}b:*`);
      assert.ok(fixed(`a${c}b:x`, 'u'));
      assert.ok(!fixed('axb:x', 'u') && !fixed('ab:x', 'u') && !fixed('aab:x', 'u'));
    });
  }

  it('lets * span any character, line breaks included, and anchors both ends', () => {
    const p = compilePattern('team:*');
    assert.ok(p('team:a\nb', 'u'));
    assert.ok(!p('xteam:a', 'u') && !p('team', 'u'));
    const own = compilePattern('user:{user}');
    assert.ok(!own('user:alice2', 'alice') && !own('xuser:alice', 'alice'));
    assert.ok(own('user:a\nb', 'a\nb'), 'a user id with a line break still matches itself');
    assert.ok(compilePattern('{user}')('alice', 'alice') && !compilePattern('{user}')('alice', 'bob'));
    assert.ok(compilePattern('{user}:{user}')('a:a', 'a') && !compilePattern('{user}:{user}')('a:b', 'a'));
  });
});

describe('role authorizer reasons and role sources', () => {
  const authz = new RoleAuthorizer({ rolesClaim: 'roles', userRoles: {}, roles: { member: ['team:*'], empty: [] } });

  it('says "no role of the user grants this channel" when some role applies but not to the channel', async () => {
    const d = await authz.authorize(user('a', { roles: ['member'] }), ['team:x', 'ops:y']);
    assert.deepEqual(d, { granted: ['team:x'], denied: [{ channel: 'ops:y', reason: 'no role of the user grants this channel' }] });
  });

  it('says "user has no role that grants channels" when the user\'s roles carry no pattern', async () => {
    for (const claims of [{}, { roles: ['unknown'] }, { roles: ['empty'] }, { roles: 7 }, { roles: [] }]) {
      const d = await authz.authorize(user('a', claims), ['team:x']);
      assert.deepEqual(d, { granted: [], denied: [{ channel: 'team:x', reason: 'user has no role that grants channels' }] }, JSON.stringify(claims));
    }
  });

  it('reads roles from a space-separated string, without duplicates, and ignores non-string entries', () => {
    assert.deepEqual(authz.rolesOf(user('a', { roles: 'member member empty' })), ['member', 'empty']);
    assert.deepEqual(authz.rolesOf(user('a', { roles: ['member', 1, null, 'member'] })), ['member']);
    assert.deepEqual(authz.rolesOf(user('a', { roles: { member: true } })), []);
  });

  it('decides each requested channel once, in request order', async () => {
    const d = await authz.authorize(user('a', { roles: ['member'] }), ['ops:1', 'team:1', 'ops:2', 'team:2']);
    assert.deepEqual(d.granted, ['team:1', 'team:2']);
    assert.deepEqual(d.denied.map((x) => x.channel), ['ops:1', 'ops:2']);
  });

  it('allowAll grants a copy of what was asked', async () => {
    const asked = ['a', 'b'];
    const d = await allowAll.authorize(user('a'), asked);
    assert.deepEqual(d, { granted: ['a', 'b'], denied: [] });
    assert.notEqual(d.granted, asked);
  });
});

describe('hook authorizer answers', () => {
  let server: Server;
  let url = '';
  const answers = new Map<string, [number, string]>([
    ['/teapot', [418, '{}']],
    ['/redirect', [302, '{}']],
    ['/not-json', [200, 'granted everything']],
    ['/wrong-shape', [200, '{"granted":"a"}']],
    ['/no-reason', [200, '{"granted":["a"],"denied":[{"channel":"b"}]}']],
    ['/both', [200, '{"granted":["a","b"],"denied":[{"channel":"a","reason":"suspended"}]}']],
    ['/empty', [200, '{}']],
  ]);

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const [status, body] = answers.get(req.url ?? '') ?? [500, ''];
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const ask = (path: string, channels = ['a', 'b']) => new HookAuthorizer(`${url}${path}`, 2000).authorize(user('u'), channels);

  it('turns any status but 200 into 503 naming the status', async () => {
    for (const [path, status] of [['/teapot', 418], ['/redirect', 302]] as const) {
      await assert.rejects(ask(path), (e: BrokerError) => {
        assert.equal(e.code, BrokerErrorCode.unavailable);
        assert.equal(e.status, 503);
        assert.equal(e.message, `authorization hook answered HTTP ${status}`);
        return true;
      });
    }
  });

  it('refuses an answer that is not {granted, denied} with a 503 that says so', async () => {
    for (const path of ['/wrong-shape']) {
      await assert.rejects(ask(path), (e: BrokerError) => e.status === 503 && e.message === 'authorization hook answer is not {granted, denied}');
    }
    await assert.rejects(ask('/not-json'), (e: BrokerError) => e.status === 503);
  });

  it('defaults a missing reason to "denied", missing lists to empty, and lets a denial win over a grant', async () => {
    assert.deepEqual(await ask('/no-reason'), { granted: ['a'], denied: [{ channel: 'b', reason: 'denied' }] });
    assert.deepEqual(await ask('/both'), { granted: ['b'], denied: [{ channel: 'a', reason: 'suspended' }] });
    assert.deepEqual(await ask('/empty', ['a']), { granted: [], denied: [{ channel: 'a', reason: 'not granted by the authorization hook' }] });
  });
});
