import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HookAuthenticator } from '../../src/broker/authenticator.js';
import { HookAuthorizer } from '../../src/broker/authorizer.js';
import { BrokerError } from '../../src/broker/index.js';

/** The deployment's own auth and policy services, as a real local HTTP server. */
describe('HTTP hooks', () => {
  let server: Server;
  let url = '';
  const seen: unknown[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const msg = JSON.parse(body) as { token?: string; channels?: string[] };
        seen.push(msg);
        const reply = (status: number, answer?: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(answer === undefined ? '' : JSON.stringify(answer));
        if (req.url === '/auth') {
          if (msg.token === 'good') return reply(200, { user_id: 'u-hook', claims: { tier: 'gold' } });
          if (msg.token === 'garbled') return reply(200, { nope: true });
          return reply(401);
        }
        if (req.url === '/authz') return reply(200, { granted: ['a', 'extra'], denied: [{ channel: 'b', reason: 'not in plan' }] });
        reply(500);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('authenticates by the hook answer; 401 means unauthenticated, garbage means unavailable', async () => {
    const hook = new HookAuthenticator(`${url}/auth`, 2000);
    assert.deepEqual(await hook.authenticate('good'), { id: 'u-hook', kind: 'user', claims: { tier: 'gold' } });
    await assert.rejects(hook.authenticate('bad'), (e: BrokerError) => e.status === 401);
    await assert.rejects(hook.authenticate('garbled'), (e: BrokerError) => e.status === 503);
    await assert.rejects(new HookAuthenticator('http://127.0.0.1:1/x', 500).authenticate('good'), (e: BrokerError) => e.status === 503);
  });

  it('authorizes by the hook answer, never granting what was not requested', async () => {
    const hook = new HookAuthorizer(`${url}/authz`, 2000);
    const d = await hook.authorize({ id: 'u', kind: 'user', claims: {} }, ['a', 'b', 'c']);
    assert.deepEqual(d.granted, ['a']);
    assert.deepEqual(d.denied, [
      { channel: 'b', reason: 'not in plan' },
      { channel: 'c', reason: 'not granted by the authorization hook' },
    ]);
    assert.deepEqual(seen.at(-1), { user: 'u', claims: {}, channels: ['a', 'b', 'c'] });
    await assert.rejects(new HookAuthorizer(`${url}/fail`, 2000).authorize({ id: 'u', kind: 'user', claims: {} }, ['a']), (e: BrokerError) => e.status === 503);
  });
});
