import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function signingKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export function signWith(key: SigningKey, claims: JWTPayload, kid = key.kid): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid }).sign(key.privateKey);
}

/** A local identity provider's JWKS endpoint whose keys, availability and hit count tests control. */
export class JwksServer {
  keys: SigningKey[] = [];
  up = true;
  hits = 0;
  /** Milliseconds each answer is held back, to have a fetch under way while a test acts. */
  latency = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((_req, res) => {
      this.hits++;
      // The answer is what the IdP publishes when asked, however late it is sent.
      const up = this.up;
      const body = JSON.stringify({ keys: this.keys.map((k) => k.jwk) });
      const answer = () => (up ? res.writeHead(200, { 'Content-Type': 'application/json' }).end(body) : res.writeHead(503).end());
      if (this.latency > 0) setTimeout(answer, this.latency);
      else answer();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/certs`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
