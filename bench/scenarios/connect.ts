import { WebSocket } from 'ws';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startParsec } from '../server-process.js';

export interface ConnectResult {
  kind: string;
  connections: number;
  seconds: number;
  perSecond: number;
  serverCpuSeconds: number;
}

/** Opens one connection, sends `connect`, resolves on the reply, then drops the socket. */
function connectOnce(url: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, connect: { token } })));
    ws.once('message', (data: Buffer) => {
      ws.terminate();
      const text = data.toString();
      if (text.includes('"connect"')) resolve();
      else reject(new Error(`connect failed: ${text}`));
    });
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`closed ${code}`)));
  });
}

export async function storm(url: string, tokens: string[], concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < tokens.length) await connectOnce(url, tokens[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (performance.now() - started) / 1000;
}

/**
 * Connect storm: N connections (each a WebSocket handshake plus a verified `connect`)
 * with HMAC tokens, and with RS256 and ES256 tokens whose keys come from a JWKS endpoint.
 */
export async function runConnect(opts: { connections: number; concurrency: number }): Promise<ConnectResult[]> {
  const secret = 'bench-secret-bench-secret-bench-secret';
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
    { kind: 'HS256', key: new TextEncoder().encode(secret), alg: 'HS256', kid: undefined },
    { kind: 'RS256 (JWKS)', key: rsa.privateKey, alg: 'RS256', kid: 'rs' },
    { kind: 'ES256 (JWKS)', key: ec.privateKey, alg: 'ES256', kid: 'es' },
  ];
  const results: ConnectResult[] = [];
  const server = await startParsec({
    log: { level: 'info' },
    client: { token: { hmac_secret_key: secret, jwks_public_endpoint: jwksUrl } },
  });
  try {
    const url = `ws://127.0.0.1:${server.port}/connection/websocket`;
    for (const k of kinds) {
      const tokens = await Promise.all(
        Array.from({ length: opts.connections }, (_, i) => new SignJWT({ sub: `u${i}`, exp }).setProtectedHeader({ alg: k.alg, kid: k.kid }).sign(k.key)),
      );
      await storm(url, tokens.slice(0, 500), 20); // warm-up: JIT and the JWKS cache
      const cpu0 = server.cpuSeconds();
      const seconds = await storm(url, tokens, opts.concurrency);
      results.push({ kind: k.kind, connections: opts.connections, seconds, perSecond: opts.connections / seconds, serverCpuSeconds: server.cpuSeconds() - cpu0 });
    }
  } finally {
    await server.stop();
    idp.close();
  }
  return results;
}
