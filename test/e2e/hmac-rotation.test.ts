import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Config } from '../../src/config/types.js';
import { JumpClock } from '../helpers/clock.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, SECRET, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { nowSec, sign } from '../helpers/tokens.js';

const PREVIOUS = 'previous-secret-key-with-enough-length';
const SUB_SECRET = 'subscription-secret-key-with-enough-length';
const SUB_PREVIOUS = 'previous-subscription-secret-with-enough-length';

/** Starts a server whose previous secrets stay valid for 5 s of its clock; keepalive off so a clock jump fires nothing else. */
async function rotating(t: TestContext, edit?: (c: Config, validUntil: number) => void): Promise<{ server: TestServer; clock: JumpClock; validUntil: number }> {
  const clock = new JumpClock();
  const validUntil = nowSec() + 5;
  const server = await startServer(
    testConfig((c) => {
      c.client.pingInterval = 0;
      c.client.pongTimeout = 0;
      c.client.token = { ...c.client.token, hmacPreviousSecretKey: PREVIOUS, hmacPreviousSecretKeyValidUntil: validUntil };
      c.channel.namespaces = [namespace('room', { allowSubscribeForClient: true })];
      edit?.(c, validUntil);
    }),
    undefined,
    clock,
  );
  t.after(() => server.close());
  return { server, clock, validUntil };
}

function client(t: TestContext, server: TestServer, token: string): Sdk {
  const c = sdk('json', server.url, { token });
  t.after(() => c.disconnect());
  return c;
}

/** Moves the server's clock to just after valid_until (Centrifugo refuses once now > valid_until, in seconds). */
function passValidUntil(clock: JumpClock, validUntil: number): void {
  clock.jump((validUntil + 1) * 1000 - clock.now());
}

const token = (sub: string, secret: string, extra: Record<string, unknown> = {}) => sign({ sub, exp: nowSec() + 3600, ...extra }, secret);

describe('HMAC secret rotation (hmac_previous_secret_key)', () => {
  it('connects with a token signed by the previous secret until valid_until, then disconnects it with 3500', async (t) => {
    const { server, clock, validUntil } = await rotating(t);
    const before = client(t, server, await token('old-user', PREVIOUS));
    before.connect();
    await before.ready(3000);

    passValidUntil(clock, validUntil);
    const after = client(t, server, await token('old-user', PREVIOUS));
    const disconnected = once<{ code: number }>(after, 'disconnected');
    after.connect();
    assert.equal((await disconnected).code, 3500);
  });

  it('keeps taking current-secret tokens before and after valid_until', async (t) => {
    const { server, clock, validUntil } = await rotating(t);
    const before = client(t, server, await token('new-user', SECRET));
    before.connect();
    await before.ready(3000);

    passValidUntil(clock, validUntil);
    const after = client(t, server, await token('new-user', SECRET));
    after.connect();
    await after.ready(3000);
  });

  it('refuses a token signed by neither secret with 3500', async (t) => {
    const { server } = await rotating(t);
    const c = client(t, server, await token('mallory', 'some-other-secret-with-enough-length'));
    const disconnected = once<{ code: number }>(c, 'disconnected');
    c.connect();
    assert.equal((await disconnected).code, 3500);
  });

  it('accepts the previous secret with no end when valid_until is 0', async (t) => {
    const { server, clock } = await rotating(t, (c) => (c.client.token.hmacPreviousSecretKeyValidUntil = 0));
    clock.jump(365 * 24 * 3600 * 1000);
    const c = client(t, server, await sign({ sub: 'old-user' }, PREVIOUS));
    c.connect();
    await c.ready(3000);
  });

  it('subscribes with a subscription token signed by the previous secret until valid_until, then answers 103', async (t) => {
    const { server, clock, validUntil } = await rotating(t, (c, until) => {
      c.client.subscriptionToken = {
        ...c.client.subscriptionToken,
        enabled: true,
        hmacSecretKey: SUB_SECRET,
        hmacPreviousSecretKey: SUB_PREVIOUS,
        hmacPreviousSecretKeyValidUntil: until,
      };
    });
    const c = client(t, server, await token('sam', SECRET));
    c.connect();
    await c.ready(3000);

    const before = c.newSubscription('$room:before', { token: await token('sam', SUB_PREVIOUS, { channel: '$room:before' }) });
    before.subscribe();
    await before.ready(3000);

    passValidUntil(clock, validUntil);
    const current = c.newSubscription('$room:current', { token: await token('sam', SUB_SECRET, { channel: '$room:current' }) });
    current.subscribe();
    await current.ready(3000);

    const after = c.newSubscription('$room:after', { token: await token('sam', SUB_PREVIOUS, { channel: '$room:after' }) });
    const unsubscribed = once<{ code: number }>(after, 'unsubscribed');
    after.subscribe();
    assert.equal((await unsubscribed).code, 103);
    assert.equal(c.state, 'connected');
  });

  it('uses the connection secrets for subscription tokens when subscription_token is not enabled', async (t) => {
    const { server } = await rotating(t);
    const c = client(t, server, await token('sam', SECRET));
    c.connect();
    await c.ready(3000);
    const s = c.newSubscription('$room:shared', { token: await token('sam', PREVIOUS, { channel: '$room:shared' }) });
    s.subscribe();
    await s.ready(3000);
  });
});
