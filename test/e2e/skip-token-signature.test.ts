import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import pino from 'pino';
import { RawClient } from '../helpers/raw.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { nowSec, sign } from '../helpers/tokens.js';

/** A key the server does not know: its signatures are wrong. */
const WRONG = 'not-the-server-secret-but-long-enough';

async function server(t: TestContext, skip: boolean, edit?: (c: ReturnType<typeof testConfig>) => void, lines?: Array<Record<string, unknown>>): Promise<TestServer> {
  const config = testConfig((c) => {
    c.client.insecureSkipTokenSignatureVerify = skip;
    c.channel.namespaces = [namespace('private', {})];
    edit?.(c);
  });
  const logger = lines ? pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) }) : undefined;
  const s = await startServer(config, logger);
  t.after(() => s.close());
  return s;
}

function client(t: TestContext, s: TestServer, token: string): Sdk {
  const c = sdk('json', s.url, { token });
  t.after(() => c.disconnect());
  return c;
}

async function raw(t: TestContext, s: TestServer): Promise<RawClient> {
  const r = await RawClient.open(s.url);
  t.after(() => r.close());
  return r;
}

describe('client.insecure_skip_token_signature_verify', () => {
  it('off: a token signed with another key is refused with 3500', async (t) => {
    const s = await server(t, false);
    const c = client(t, s, await sign({ sub: 'mallory', exp: nowSec() + 60 }, WRONG));
    const disconnected = once<{ code: number }>(c, 'disconnected');
    c.connect();
    assert.equal((await disconnected).code, 3500);
  });

  it('on: a token signed with another key connects as its subject', async (t) => {
    const s = await server(t, true);
    const c = client(t, s, await sign({ sub: 'tester', exp: nowSec() + 60 }, WRONG));
    c.connect();
    await c.ready(3000);
  });

  it('on: also with no key configured at all, and for subscription tokens', async (t) => {
    const s = await server(t, true, (c) => (c.client.token = { ...c.client.token, hmacSecretKey: '' }));
    const c = client(t, s, await sign({ sub: 'tester', exp: nowSec() + 60 }, WRONG));
    c.connect();
    await c.ready(3000);
    const channel = `private:${randomUUID()}`;
    const sub = c.newSubscription(channel, { token: await sign({ sub: 'tester', channel, exp: nowSec() + 60 }, WRONG) });
    sub.subscribe();
    await sub.ready(3000);
  });

  it('on: an expired token is still refused with 109, a malformed one with 3500', async (t) => {
    const s = await server(t, true);
    const r = await raw(t, s);
    r.send({ id: 1, connect: { token: await sign({ sub: 'tester', exp: nowSec() - 5 }, WRONG) } });
    assert.deepEqual((await r.reply(1)).error, { code: 109, message: 'token expired' });

    const bad = await raw(t, s);
    bad.send({ id: 1, connect: { token: 'not-a-jwt' } });
    assert.equal((await bad.closeCode()).code, 3500);
  });

  it('on: the configured audience is still checked', async (t) => {
    const s = await server(t, true, (c) => (c.client.token = { ...c.client.token, audience: 'parsec' }));
    const c = client(t, s, await sign({ sub: 'tester', aud: 'elsewhere', exp: nowSec() + 60 }, WRONG));
    const disconnected = once<{ code: number }>(c, 'disconnected');
    c.connect();
    assert.equal((await disconnected).code, 3500);
  });

  it('warns at start when on, not when off', async (t) => {
    const on: Array<Record<string, unknown>> = [];
    await server(t, true, undefined, on);
    assert.ok(on.some((l) => l.level === 40 && /INSECURE.*insecure_skip_token_signature_verify/.test(String(l.msg))));
    const off: Array<Record<string, unknown>> = [];
    await server(t, false, undefined, off);
    assert.ok(!off.some((l) => /insecure_skip_token_signature_verify/.test(String(l.msg))));
  });
});
