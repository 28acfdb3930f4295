import { decodeJwt, type JWTPayload } from 'jose';
import type { Config } from '../../src/config/types.js';
import { JwksServer, signingKey, signWith, type SigningKey } from './jwks-server.js';
import type { TestServer } from './server.js';
import { nowSec } from './tokens.js';

export const API_KEY = 'broker-test-api-key';
export const SERVICE_KEY = 'billing-service-key-0123456789';

/** Token broker on, users from a local IdP (Keycloak-style roles), a delegating service, roles member/admin. */
export function enableBroker(c: Config, idpUrl: string): void {
  c.httpApi.key = API_KEY;
  const tb = c.parsec.tokenBroker;
  tb.enabled = true;
  tb.authenticator = { ...tb.authenticator, type: 'jwks', endpoint: idpUrl, issuer: 'https://idp.test/realms/app', apiKeys: { 'billing-svc': SERVICE_KEY } };
  tb.authorizer = {
    ...tb.authorizer,
    type: 'roles',
    rolesClaim: 'realm_access.roles',
    roles: { member: ['team:*', 'user:{user}'], admin: ['team:*', 'ops:*'] },
    userRoles: { 'u-static': ['member'] },
  };
  tb.delegation = { services: { 'billing-svc': ['u-*', 'u-static'] } };
}

/** A local IdP with one RS256 key, as the broker's authenticator sees Keycloak. */
export async function startIdp(): Promise<{ idp: JwksServer; key: SigningKey }> {
  const idp = await new JwksServer().start();
  const key = await signingKey('kc-1', 'RS256');
  idp.keys = [key];
  return { idp, key };
}

/** A user token as Keycloak issues it: roles under `realm_access.roles`. */
export function userToken(key: SigningKey, sub: string, roles: string[] = ['member'], extra: JWTPayload = {}): Promise<string> {
  return signWith(key, { sub, iss: 'https://idp.test/realms/app', realm_access: { roles }, exp: nowSec() + 600, ...extra });
}

export interface CallOptions {
  method?: string;
  bearer?: string;
  apiKey?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CallResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** One request to a broker route (`/parsec/...`). */
export async function call<T = Record<string, unknown>>(s: TestServer, path: string, o: CallOptions = {}): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.bearer) headers.Authorization = `Bearer ${o.bearer}`;
  if (o.apiKey) headers['X-API-Key'] = o.apiKey;
  const res = await fetch(`${s.httpUrl}/parsec${path}`, {
    method: o.method ?? 'POST',
    headers,
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

export interface Issued {
  token: string;
  token_id: string;
  expires_at: string;
  channels_granted: string[];
  channels_denied: Array<{ channel: string; reason: string }>;
}

/** Issues a token for the bearer's user and fails loudly when the broker refuses. */
export async function issue(s: TestServer, bearer: string, channels: string[], ttl?: number | string): Promise<Issued & { claims: JWTPayload }> {
  const r = await call<Issued>(s, '/token', { bearer, body: { channels, ttl } });
  if (r.status !== 200) throw new Error(`issue failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...r.body, claims: decodeJwt(r.body.token) };
}
