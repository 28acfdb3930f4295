import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadPool } from '../load/pool.js';
import { startParsec } from '../server-process.js';
import { SECRET } from '../targets.js';

export interface ConnectResult {
  kind: string;
  connections: number;
  seconds: number;
  perSecond: number;
  serverCpuSeconds: number;
}

/**
 * Parsec's connect storm by token algorithm: N connections (each a WebSocket handshake
 * plus a verified `connect`) with HMAC tokens, and with RS256 and ES256 tokens whose
 * keys come from a JWKS endpoint.
 */
export async function runConnect(pool: LoadPool, opts: { connections: number; concurrency: number }): Promise<ConnectResult[]> {
  const rsa = await generateKeyPair('RS256');
  const ec = await generateKeyPair('ES256');
  const jwks: JWK[] = [
    { ...(await exportJWK(rsa.publicKey)), kid: 'rs', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' },
  ];
  const idp = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: jwks })));
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/certs`;
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const kinds = [
    { kind: 'HS256', key: new TextEncoder().encode(SECRET), alg: 'HS256', kid: undefined },
    { kind: 'RS256 (JWKS)', key: rsa.privateKey, alg: 'RS256', kid: 'rs' },
    { kind: 'ES256 (JWKS)', key: ec.privateKey, alg: 'ES256', kid: 'es' },
  ];
  const results: ConnectResult[] = [];
  const server = await startParsec({ log: { level: 'info' }, client: { token: { hmac_secret_key: SECRET, jwks_public_endpoint: jwksUrl } } });
  try {
    for (const k of kinds) {
      const tokens = await Promise.all(
        Array.from({ length: opts.connections }, (_, i) => new SignJWT({ sub: `u${i}`, exp }).setProtectedHeader({ alg: k.alg, kid: k.kid }).sign(k.key)),
      );
      const spec = { dialect: 'parsec' as const, port: server.port, shared: [], concurrency: opts.concurrency };
      await pool.storm({ ...spec, count: 500, tokens: tokens.slice(0, 500) }); // warm-up: JIT and the JWKS cache
      const cpu0 = server.cpuSeconds();
      const r = await pool.storm({ ...spec, count: tokens.length, tokens });
      if (r.failed) throw new Error(`${k.kind}: ${r.failed} connects failed: ${r.firstError}`);
      results.push({ kind: k.kind, connections: r.opened, seconds: r.seconds, perSecond: r.opened / r.seconds, serverCpuSeconds: server.cpuSeconds() - cpu0 });
    }
  } finally {
    await server.stop();
    idp.close();
  }
  return results;
}
