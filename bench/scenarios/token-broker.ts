import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { startParsec, type ServerProcess } from '../server-process.js';
import type { LoadPool } from '../load/pool.js';

export interface TokenBrokerResult {
  kind: string;
  /** Requests (issuance) or connections (connect) completed. */
  count: number;
  perSecond: number;
  /** Tokens signed per second (a credentials request signs 100). */
  tokensPerSecond: number;
  serverCpuMsPerOp: number;
}

const SECRET = 'bench-secret-bench-secret-bench-secret';
const API_KEY = 'bench-api-key';

/** Requests completed by `concurrency` workers within `durationMs` (fetch keeps connections alive). */
async function hammer(url: string, init: RequestInit, concurrency: number, durationMs: number): Promise<{ count: number; seconds: number }> {
  let count = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const res = await fetch(url, init);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
        count++;
      }
    }),
  );
  return { count, seconds: (performance.now() - started) / 1000 };
}

function brokerConfig(jwksUrl: string, store: 'memory' | 'redis', redisUrl: string): object {
  return {
    log: { level: 'info' },
    client: { token: { hmac_secret_key: SECRET } },
    http_api: { key: API_KEY },
    engine: { redis: { address: redisUrl, prefix: `parsec-bench-${process.pid}` } },
    parsec: {
      token_broker: {
        enabled: true,
        authenticator: { type: 'jwks', endpoint: jwksUrl },
        authorizer: { type: 'roles', roles_claim: 'realm_access.roles', roles: { member: ['team:*', 'user:{user}'] } },
        revocations: { store },
      },
    },
  };
}

/**
 * Token broker throughput: `/parsec/token` with an RS256 IdP bearer (JWKS) and the roles
 * authorizer, bulk `/parsec/credentials?number=100`, and the connect rate of HS256 tokens with
 * `jti`/`iat` without a revocation store, with the memory store and with the Redis store
 * (each holding `revoked` revocations of other tokens).
 */
export async function runTokenBroker(pool: LoadPool, opts: { concurrency: number; durationMs: number; connections: number; revoked: number; redisUrl: string }): Promise<TokenBrokerResult[]> {
  const idpKey = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(idpKey.publicKey)), kid: 'kc', alg: 'RS256', use: 'sig' };
  const idp = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/certs`;
  const now = Math.floor(Date.now() / 1000);
  const bearer = await new SignJWT({ sub: 'bench-user', realm_access: { roles: ['member'] }, exp: now + 3600 }).setProtectedHeader({ alg: 'RS256', kid: 'kc' }).sign(idpKey.privateKey);
  const results: TokenBrokerResult[] = [];
  const measure = async (server: ServerProcess, kind: string, per: number, run: () => Promise<{ count: number; seconds: number }>): Promise<void> => {
    const cpu0 = server.cpuSeconds();
    const r = await run();
    const cpu = server.cpuSeconds() - cpu0;
    results.push({ kind, count: r.count, perSecond: r.count / r.seconds, tokensPerSecond: (r.count * per) / r.seconds, serverCpuMsPerOp: (cpu / r.count) * 1000 });
  };

  try {
    const server = await startParsec(brokerConfig(jwksUrl, 'memory', opts.redisUrl));
    try {
      const base = `http://127.0.0.1:${server.port}/parsec`;
      const issue: RequestInit = {
        method: 'POST',
        headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ channels: ['team:a', 'team:b', 'user:bench-user'] }),
      };
      await hammer(`${base}/token`, issue, 4, 500); // warm-up: JIT and the JWKS cache
      await measure(server, 'POST /parsec/token (RS256 bearer via JWKS, roles)', 1, () => hammer(`${base}/token`, issue, opts.concurrency, opts.durationMs));
      const bulk: RequestInit = { method: 'POST', headers: { 'X-API-Key': API_KEY } };
      await measure(server, 'POST /parsec/credentials?number=100', 100, () => hammer(`${base}/credentials?number=100`, bulk, opts.concurrency, opts.durationMs));
    } finally {
      await server.stop();
    }

    const tokens = await Promise.all(
      Array.from({ length: opts.connections }, (_, i) => new SignJWT({ sub: `u${i}`, jti: `t${i}`, iat: now, exp: now + 3600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET))),
    );
    for (const store of ['none', 'memory', 'redis'] as const) {
      const server = await startParsec(
        store === 'none' ? { log: { level: 'info' }, client: { token: { hmac_secret_key: SECRET } } } : brokerConfig(jwksUrl, store, opts.redisUrl),
      );
      try {
        for (let i = 0; store !== 'none' && i < opts.revoked; i += 1000) {
          const ids = Array.from({ length: Math.min(1000, opts.revoked - i) }, (_, j) => `other-${i + j}`).join(',');
          const res = await fetch(`http://127.0.0.1:${server.port}/parsec/revocations?jti=${ids}`, { method: 'POST', headers: { 'X-API-Key': API_KEY } });
          if (!res.ok) throw new Error(`revocations: HTTP ${res.status}`);
        }
        const spec = { dialect: 'parsec' as const, port: server.port, shared: [], concurrency: Math.ceil(opts.concurrency / pool.size) };
        await pool.storm({ ...spec, count: 500, tokens: tokens.slice(0, 500) }); // warm-up
        await measure(server, `connect, revocation store: ${store}`, 1, async () => {
          const r = await pool.storm({ ...spec, count: tokens.length, tokens });
          if (r.failed) throw new Error(`${store}: ${r.failed} connects failed: ${r.firstError}`);
          return { count: r.opened, seconds: r.seconds };
        });
      } finally {
        await server.stop();
      }
    }
  } finally {
    idp.close();
  }
  return results;
}
