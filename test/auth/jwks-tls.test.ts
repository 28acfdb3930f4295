import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { pino } from 'pino';
import { TokenError, TokenVerifier } from '../../src/auth/index.js';
import { defaultConfig } from '../../src/config/index.js';
import { systemClock } from '../../src/lib/index.js';
import { signingKey, signWith } from '../helpers/jwks-server.js';
import { selfSigned } from '../helpers/tls.js';

it('fetches a JWKS over HTTPS from an IdP with a private CA when the CA is configured', async (t) => {
  const { cert, key } = selfSigned();
  const k = await signingKey('tls-key', 'ES256');
  const idp = createServer({ cert, key }, (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [k.jwk] })));
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  t.after(() => idp.close());
  const endpoint = `https://127.0.0.1:${(idp.address() as AddressInfo).port}/certs`;
  const cfg = { ...defaultConfig().client.token, jwksPublicEndpoint: endpoint };
  const log = pino({ level: 'silent' });
  const token = await signWith(k, { sub: 'tls-user' });

  const trusting = new TokenVerifier(cfg, systemClock, log, cert);
  assert.equal((await trusting.verifyConnection(token)).user, 'tls-user');

  const untrusting = new TokenVerifier(cfg, systemClock, log);
  await assert.rejects(untrusting.verifyConnection(token), (e: TokenError) => e.kind === 'unavailable');
});
