import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enableBroker, startIdp, userToken, issue } from '../helpers/broker.js';
import { JwksServer, signingKey } from '../helpers/jwks-server.js';
import { startServer, testConfig } from '../helpers/server.js';
import { randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

interface Readiness {
  status: number;
  body: { status: string; checks: Record<string, { ok: boolean; reason?: string }> };
}

async function ready(httpUrl: string): Promise<Readiness> {
  const res = await fetch(`${httpUrl}/health/ready`);
  return { status: res.status, body: (await res.json()) as Readiness['body'] };
}

const skip = await skipWithout('Redis', redisUrl);

describe('/health/ready with the Redis engine', { skip: skip || undefined }, () => {
  it('is 200 while the engine, the revocation store and the JWKS answer; 503 naming the engine and store while Redis is cut off', async (t) => {
    const { idp, key } = await startIdp();
    const target = new URL(redisUrl);
    const relay = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
    const server = await startServer(
      testConfig((c) => {
        enableBroker(c, idp.url);
        c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [`redis://127.0.0.1:${relay.port}`], prefix: randomPrefix('ready') } };
        c.parsec.tokenBroker.revocations.store = 'redis';
      }),
    );
    t.after(async () => {
      await server.close();
      await relay.close();
      await idp.close();
    });

    // The IdP's keys load on the first token (or the first probe): then every check is green.
    await issue(server, await userToken(key, 'u-1'), ['team:a']);
    const up = await ready(server.httpUrl);
    assert.equal(up.status, 200);
    assert.deepEqual(up.body, { status: 'ready', checks: { engine: { ok: true }, store: { ok: true }, 'jwks:token_broker': { ok: true } } });
    assert.equal((await fetch(`${server.httpUrl}/health`)).status, 200);

    relay.cut();
    let down: Readiness | undefined;
    await until(async () => {
      down = await ready(server.httpUrl);
      return down.body.checks.engine?.ok === false && down.body.checks.store?.ok === false;
    }, 10_000, 100);
    assert.equal(down!.status, 503);
    assert.equal(down!.body.status, 'not_ready');
    assert.match(down!.body.checks.engine!.reason!, /redis/i);
    assert.equal(down!.body.checks['jwks:token_broker']!.ok, true);

    relay.restore();
    await until(async () => (await ready(server.httpUrl)).status === 200, 15_000, 100);
    assert.equal((await fetch(`${server.httpUrl}/health/ready`, { method: 'POST' })).status, 405);
  });
});

describe('/health/ready with a JWKS endpoint', () => {
  it('is 503 until the connection-token keys can be loaded, and loads them itself', async (t) => {
    const idp = await new JwksServer().start();
    idp.keys = [await signingKey('k1', 'RS256')];
    const jwksUrl = idp.url;
    await idp.close();
    const server = await startServer(
      testConfig((c) => {
        c.client.token.jwksPublicEndpoint = jwksUrl;
      }),
    );
    t.after(() => server.close());
    const first = await ready(server.httpUrl);
    assert.equal(first.status, 503);
    assert.equal(first.body.checks.engine!.ok, true);
    assert.equal(first.body.checks['jwks:client_token']!.ok, false);
    await until(async () => /unreachable/.test((await ready(server.httpUrl)).body.checks['jwks:client_token']!.reason ?? ''), 10_000, 200);
    // Liveness is not readiness: the process serves.
    assert.equal((await fetch(`${server.httpUrl}/health`)).status, 200);
  });

  it('turns ready once the endpoint answers, without any token arriving', async (t) => {
    const idp = await new JwksServer().start();
    idp.keys = [await signingKey('k1', 'RS256')];
    const server = await startServer(testConfig((c) => (c.client.token.jwksPublicEndpoint = idp.url)));
    t.after(async () => {
      await server.close();
      await idp.close();
    });
    await until(async () => (await ready(server.httpUrl)).status === 200, 10_000, 100);
    assert.deepEqual((await ready(server.httpUrl)).body.checks, { engine: { ok: true }, 'jwks:client_token': { ok: true } });
  });
});
