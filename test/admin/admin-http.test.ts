import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JumpClock } from '../helpers/clock.js';
import { JwksServer, signingKey, signWith, type SigningKey } from '../helpers/jwks-server.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { nowSec } from '../helpers/tokens.js';

const PASSWORD = 'admin-password';

interface Reply {
  status: number;
  body: Record<string, unknown>;
  cookie: string | undefined;
  headers: Headers;
}

async function req(s: TestServer, path: string, o: { method?: string; body?: unknown; cookie?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.body !== undefined) headers['Content-Type'] ??= 'application/json';
  if (o.cookie) headers.Cookie = o.cookie;
  const res = await fetch(`${s.httpUrl}${path}`, { method: o.method ?? (o.body === undefined ? 'GET' : 'POST'), headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  const text = await res.text();
  const setCookie = res.headers.get('set-cookie') ?? undefined;
  return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text }, cookie: setCookie?.split(';')[0], headers: res.headers };
}

async function loginAs(s: TestServer, body: unknown, from = '127.0.0.1'): Promise<{ cookie: string; csrf: string }> {
  const r = await req(s, '/admin/login', { body, headers: { 'X-Forwarded-For': from } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { cookie: r.cookie!, csrf: String(r.body.csrf) };
}

/** The admin UI's server side: login, sessions, CSRF, brute-force slowdown, the API through the session. */
describe('admin HTTP routes', () => {
  let server: TestServer;
  let idp: JwksServer;
  let key: SigningKey;
  const clock = new JumpClock();

  before(async () => {
    idp = await new JwksServer().start();
    key = await signingKey('idp-1', 'RS256');
    idp.keys = [key];
    server = await startServer(
      testConfig((c) => {
        c.admin = {
          ...c.admin,
          enabled: true,
          password: PASSWORD,
          secret: 'admin-secret',
          sessionTtl: 3_600_000,
          jwks: { ...c.admin.jwks, enabled: true, endpoint: idp.url, audience: 'parsec-admin', issuer: 'https://idp.test', scope: 'parsec:admin' },
        };
        // X-Forwarded-For stands for distinct client addresses in the throttling test.
        c.parsec.trustedProxies = ['127.0.0.1'];
      }),
      undefined,
      clock,
    );
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  it('serves the page with a strict CSP, and says how to log in', async () => {
    const page = await fetch(`${server.httpUrl}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(await page.text(), /<div id="app">/);
    const s = await req(server, '/admin/session');
    assert.deepEqual(s.body.authenticated, false);
    assert.deepEqual(s.body.login, { password: true, idp: true });
  });

  it('refuses a wrong password; the right one sets an HttpOnly SameSite=Strict session cookie', async () => {
    const wrong = await req(server, '/admin/login', { body: { password: 'nope' }, headers: { 'X-Forwarded-For': '10.0.0.1' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'wrong password');
    const ok = await req(server, '/admin/login', { body: { password: PASSWORD }, headers: { 'X-Forwarded-For': '10.0.0.1' } });
    assert.equal(ok.status, 200);
    const set = ok.headers.get('set-cookie')!;
    assert.match(set, /^parsec_admin=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600/);
    const s = await req(server, '/admin/session', { cookie: ok.cookie });
    assert.equal(s.body.authenticated, true);
    assert.equal(s.body.user, 'admin');
  });

  it('slows password guessing per address: 429 with Retry-After after a few failures, others unaffected', async () => {
    const from = { 'X-Forwarded-For': '10.9.9.9' };
    for (let i = 0; i < 4; i++) assert.equal((await req(server, '/admin/login', { body: { password: `guess-${i}` }, headers: from })).status, 401);
    const slowed = await req(server, '/admin/login', { body: { password: PASSWORD }, headers: from });
    assert.equal(slowed.status, 429);
    assert.ok(Number(slowed.headers.get('retry-after')) >= 1);
    // The right password is not even checked while the address waits; another address logs in.
    await loginAs(server, { password: PASSWORD }, '10.9.9.10');
    clock.jump(2000);
    await loginAs(server, { password: PASSWORD }, '10.9.9.9');
  });

  it('runs server API methods for the session; state changes need the CSRF header, same origin and JSON', async () => {
    const { cookie, csrf } = await loginAs(server, { password: PASSWORD });
    const noSession = await req(server, '/admin/api/info', { body: {} });
    assert.equal(noSession.status, 401);
    const noCsrf = await req(server, '/admin/api/info', { body: {}, cookie });
    assert.equal(noCsrf.status, 403);
    assert.match(String(noCsrf.body.error), /X-Parsec-Csrf/);
    const crossSite = await req(server, '/admin/api/info', { body: {}, cookie, headers: { 'X-Parsec-Csrf': csrf, Origin: 'https://evil.example' } });
    assert.equal(crossSite.status, 403);
    const form = await req(server, '/admin/api/info', { body: {}, cookie, headers: { 'X-Parsec-Csrf': csrf, 'Content-Type': 'text/plain' } });
    assert.equal(form.status, 415);
    const info = await req(server, '/admin/api/info', { body: {}, cookie, headers: { 'X-Parsec-Csrf': csrf, Origin: server.httpUrl } });
    assert.equal(info.status, 200);
    assert.equal((info.body.result as { nodes: unknown[] }).nodes.length, 1);
    const bad = await req(server, '/admin/api/publish', { body: { channel: '' }, cookie, headers: { 'X-Parsec-Csrf': csrf } });
    assert.deepEqual(bad.body.error, { code: 107, message: 'bad request: channel: channel required' });
    const unknown = await req(server, '/admin/api/block_user_typo', { body: {}, cookie, headers: { 'X-Parsec-Csrf': csrf } });
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body.error as { code: number }).code, 104);
    const tokens = await req(server, '/admin/tokens/audit', { cookie });
    assert.equal(tokens.status, 404);
    assert.match(String(tokens.body.error), /token broker is not enabled/);
  });

  it('writes state changes to the actions log, not reads', async () => {
    const { cookie, csrf } = await loginAs(server, { password: PASSWORD });
    await req(server, '/admin/api/publish', { body: { channel: 'logged', data: { n: 1 } }, cookie, headers: { 'X-Parsec-Csrf': csrf } });
    await req(server, '/admin/api/channels', { body: {}, cookie, headers: { 'X-Parsec-Csrf': csrf } });
    const log = await req(server, '/admin/actions', { cookie });
    const actions = log.body.actions as Array<{ action: string; user: string; ok: boolean; params: unknown }>;
    assert.deepEqual(actions[0], { ...actions[0], action: 'api:publish', user: 'admin', ok: true, params: { channel: 'logged', data: { n: 1 } } });
    assert.ok(!actions.some((a) => a.action === 'api:channels'));
  });

  it('logs in with an IdP access token checked against the JWKS (audience, issuer, scope)', async () => {
    const token = (claims: Record<string, unknown>) => signWith(key, { sub: 'u-ops', iss: 'https://idp.test', aud: 'parsec-admin', scope: 'openid parsec:admin', exp: nowSec() + 300, preferred_username: 'olga', ...claims });
    const { cookie } = await loginAs(server, { token: await token({}) });
    const s = await req(server, '/admin/session', { cookie });
    assert.equal(s.body.user, 'olga (u-ops)');
    const noScope = await req(server, '/admin/login', { body: { token: await token({ scope: 'openid' }) } });
    assert.equal(noScope.status, 401);
    const otherAudience = await req(server, '/admin/login', { body: { token: await token({ aud: 'someone-else' }) } });
    assert.equal(otherAudience.status, 401);
  });

  it('ends sessions at logout and at expiry', async () => {
    const a = await loginAs(server, { password: PASSWORD });
    const out = await req(server, '/admin/logout', { body: {}, cookie: a.cookie, headers: { 'X-Parsec-Csrf': a.csrf } });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal((await req(server, '/admin/actions', { cookie: a.cookie })).status, 401);
    const b = await loginAs(server, { password: PASSWORD });
    assert.equal((await req(server, '/admin/actions', { cookie: b.cookie })).status, 200);
    clock.jump(3_600_001);
    assert.equal((await req(server, '/admin/actions', { cookie: b.cookie })).status, 401);
    const forged = `${b.cookie.split('.')[0]}.AAAA`;
    assert.equal((await req(server, '/admin/actions', { cookie: forged })).status, 401);
  });
});

describe('admin UI under a handler prefix, insecure', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(testConfig((c) => (c.admin = { ...c.admin, enabled: true, insecure: true, handlerPrefix: '/ops/' })));
  });
  after(() => server.close());

  it('serves the page and its routes under the prefix, with no login but same-origin JSON state changes', async () => {
    assert.equal((await fetch(`${server.httpUrl}/ops`, { redirect: 'manual' })).headers.get('location'), '/ops/');
    const page = await fetch(`${server.httpUrl}/ops/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /src="ui\/app.js"/);
    assert.equal((await fetch(`${server.httpUrl}/ops/ui/app.js`)).status, 200);
    assert.equal((await fetch(`${server.httpUrl}/`)).status, 404);
    const s = await req(server, '/ops/admin/session');
    assert.equal(s.body.authenticated, true);
    assert.equal(s.body.insecure, true);
    const info = await req(server, '/ops/admin/api/info', { body: {} });
    assert.equal(info.status, 200);
    const crossSite = await req(server, '/ops/admin/api/publish', { body: { channel: 'x', data: {} }, headers: { 'Sec-Fetch-Site': 'cross-site' } });
    assert.equal(crossSite.status, 403);
  });
});
