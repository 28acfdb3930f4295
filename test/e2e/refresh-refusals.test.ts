import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_KEY, call, enableBroker, startIdp } from '../helpers/broker.js';
import type { JwksServer } from '../helpers/jwks-server.js';
import { RawClient } from '../helpers/raw.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken, nowSec, sign, subToken } from '../helpers/tokens.js';

/**
 * What `refresh` and `sub_refresh` refuse, and what a refresh changes, seen on the wire:
 * each refusal ends the session (or answers an error) with the code the protocol gives it,
 * and a refused refresh never extends anything.
 */
describe('refresh and sub_refresh refusals', () => {
  let idp: JwksServer;
  let server: TestServer;
  const raws: RawClient[] = [];

  before(async () => {
    ({ idp } = await startIdp());
    server = await startServer(
      testConfig((c) => {
        enableBroker(c, idp.url);
        c.channel.namespaces = [namespace('private', { presence: true, allowPresenceForSubscriber: true }), namespace('room', { presence: true, allowSubscribeForClient: true, allowPresenceForSubscriber: true })];
      }),
    );
    // Revoked before any session holds them: a refresh must not bring them in.
    assert.equal((await call(server, '/revocations?jti=rr-revoked,rr-sub-revoked', { apiKey: API_KEY })).status, 200);
  });
  after(async () => {
    for (const r of raws) r.close();
    await server.close();
    await idp.close();
  });

  /** A raw JSON session connected as `user`, with the connect reply. */
  const session = async (user: string, claims: Record<string, unknown> = {}): Promise<{ raw: RawClient; client: string }> => {
    const raw = await RawClient.open(server.url);
    raws.push(raw);
    raw.send({ id: 1, connect: { token: await connToken(user, claims) } });
    const reply = (await raw.reply(1)) as { connect?: { client: string } };
    assert.ok(reply.connect, JSON.stringify(reply));
    return { raw, client: reply.connect.client };
  };

  const presenceInfo = async (raw: RawClient, id: number, channel: string): Promise<unknown[]> => {
    raw.send({ id, presence: { channel } });
    const reply = (await raw.reply(id)) as { presence?: { presence: Record<string, { conn_info?: unknown }> } };
    return Object.values(reply.presence?.presence ?? {}).map((p) => p.conn_info);
  };

  it('ends the session (3500) on a refresh token of another user', async () => {
    const { raw } = await session('rr-alice');
    raw.send({ id: 2, refresh: { token: await connToken('rr-mallory') } });
    assert.equal((await raw.closeCode()).code, 3500);
  });

  it('ends the session (3005) on an expired refresh token', async () => {
    const { raw } = await session('rr-bob');
    raw.send({ id: 2, refresh: { token: await sign({ sub: 'rr-bob', exp: nowSec() - 5 }) } });
    assert.equal((await raw.closeCode()).code, 3005);
  });

  it('ends the session (3500, token revoked) on a revoked refresh token', async () => {
    const { raw } = await session('rr-carol', { jti: 'rr-fine' });
    raw.send({ id: 2, refresh: { token: await connToken('rr-carol', { jti: 'rr-revoked' }) } });
    assert.deepEqual(await raw.closeCode(), { code: 3500, reason: 'token revoked' });
  });

  it('ends the session (3501) on a refresh without a token', async () => {
    const { raw } = await session('rr-dave');
    raw.send({ id: 2, refresh: {} });
    assert.equal((await raw.closeCode()).code, 3501);
  });

  it('takes the info of the refresh token, and keeps the old one when the new token has none', async () => {
    const { raw } = await session('rr-erin', { info: { v: 1 } });
    raw.send({ id: 2, refresh: { token: await connToken('rr-erin') } });
    assert.ok(((await raw.reply(2)) as { refresh?: unknown }).refresh);
    raw.send({ id: 3, subscribe: { channel: 'room:a' } });
    await raw.reply(3);
    assert.deepEqual(await presenceInfo(raw, 4, 'room:a'), [{ v: 1 }]);
    raw.send({ id: 5, refresh: { token: await connToken('rr-erin', { info: { v: 2 } }) } });
    await raw.reply(5);
    raw.send({ id: 6, subscribe: { channel: 'room:b' } });
    await raw.reply(6);
    assert.deepEqual(await presenceInfo(raw, 7, 'room:b'), [{ v: 2 }]);
  });

  /** A session subscribed to `private:<name>` with a subscription token. */
  const subscribed = async (user: string, channel: string): Promise<{ raw: RawClient; client: string }> => {
    const s = await session(user);
    s.raw.send({ id: 2, subscribe: { channel, token: await subToken(user, channel) } });
    const reply = (await s.raw.reply(2)) as { subscribe?: unknown; error?: unknown };
    assert.ok(reply.subscribe, JSON.stringify(reply));
    return s;
  };

  it('ends the session (3500) on a sub_refresh token for another channel, another user or another client', async () => {
    for (const [i, claims] of [{ channel: 'private:other' }, { sub: 'rr-someone' }, { client: 'not-this-client' }].entries()) {
      const { raw } = await subscribed(`rr-frank${i}`, 'private:f');
      raw.send({ id: 3, sub_refresh: { channel: 'private:f', token: await sign({ sub: `rr-frank${i}`, channel: 'private:f', exp: nowSec() + 600, ...claims }) } });
      assert.equal((await raw.closeCode()).code, 3500, JSON.stringify(claims));
    }
  });

  it('accepts a sub_refresh token bound to this very client', async () => {
    const { raw, client } = await subscribed('rr-gina', 'private:g');
    raw.send({ id: 3, sub_refresh: { channel: 'private:g', token: await subToken('rr-gina', 'private:g', { client }) } });
    const reply = (await raw.reply(3)) as { sub_refresh?: { expires?: boolean; ttl?: number } };
    assert.equal(reply.sub_refresh?.expires, true);
    assert.ok((reply.sub_refresh?.ttl ?? 0) > 0);
  });

  it('answers 110 to an expired sub_refresh token and 103 to a revoked one, keeping the session', async () => {
    const { raw } = await subscribed('rr-hank', 'private:h');
    raw.send({ id: 3, sub_refresh: { channel: 'private:h', token: await sign({ sub: 'rr-hank', channel: 'private:h', exp: nowSec() - 5 }) } });
    assert.equal(((await raw.reply(3)) as { error?: { code: number } }).error?.code, 110);
    raw.send({ id: 4, sub_refresh: { channel: 'private:h', token: await subToken('rr-hank', 'private:h', { jti: 'rr-sub-revoked' }) } });
    assert.equal(((await raw.reply(4)) as { error?: { code: number } }).error?.code, 103);
    raw.send({ id: 5, presence: { channel: 'private:h' } });
    assert.ok(((await raw.reply(5)) as { presence?: unknown }).presence, 'still connected and subscribed');
  });

  it('answers 103 to a sub_refresh of a channel the session is not subscribed to, 107 without a token, 3501 without a channel', async () => {
    const { raw } = await subscribed('rr-ivan', 'private:i');
    raw.send({ id: 3, sub_refresh: { channel: 'private:elsewhere', token: await subToken('rr-ivan', 'private:elsewhere') } });
    assert.equal(((await raw.reply(3)) as { error?: { code: number } }).error?.code, 103);
    raw.send({ id: 4, sub_refresh: { channel: 'private:i' } });
    assert.equal(((await raw.reply(4)) as { error?: { code: number } }).error?.code, 107);
    raw.send({ id: 5, sub_refresh: { token: 'x' } });
    assert.equal((await raw.closeCode()).code, 3501);
  });
});
