import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { BearerVerifier } from '../auth/index.js';
import { BrokerError, BrokerErrorCode, verificationUnavailable } from './errors.js';
import { postJson } from './http-hook.js';

/** Who is calling the broker. */
export interface Principal {
  id: string;
  /** `service` when authenticated by a static service key (the callers delegation is for). */
  kind: 'user' | 'service';
  /** The caller's token claims (roles live here), {} when there are none. */
  claims: Record<string, unknown>;
}

/** Resolves a request's bearer to a caller; rejects with BrokerError `unauthenticated` (401). */
export interface Authenticator {
  authenticate(bearer: string): Promise<Principal>;
}

const unauthenticated = (why: string): BrokerError => new BrokerError(BrokerErrorCode.unauthenticated, why);

/** The value at a dotted claim path (`realm_access.roles`). */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let v: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Users by their identity provider's tokens, checked against its JWKS (issuer and audience when set). */
export class JwksAuthenticator implements Authenticator {
  constructor(
    private readonly verifier: BearerVerifier,
    private readonly userIdClaim: string,
  ) {}

  async authenticate(bearer: string): Promise<Principal> {
    const v = await this.verifier.verify(bearer);
    if (!v.ok && v.status === 503) throw verificationUnavailable(v.message, v.retryAfter);
    if (!v.ok) throw unauthenticated(v.message);
    const id = claimAt(v.claims, this.userIdClaim);
    if (typeof id !== 'string' || id === '') throw unauthenticated(`token has no "${this.userIdClaim}" claim`);
    return { id, kind: 'user', claims: v.claims };
  }
}

/** Backends by static keys (service id → key), compared in constant time. */
export class ApiKeyAuthenticator implements Authenticator {
  private readonly keys: Array<{ service: string; key: Buffer }>;

  constructor(keys: Readonly<Record<string, string>>) {
    this.keys = Object.entries(keys).map(([service, key]) => ({ service, key: Buffer.from(key) }));
  }

  /** The service a key belongs to, if any. */
  serviceFor(bearer: string): string | undefined {
    const presented = Buffer.from(bearer);
    let found: string | undefined;
    // Every key is compared, so timing tells nothing about which one (nearly) matched.
    for (const { service, key } of this.keys) if (key.length === presented.length && timingSafeEqual(key, presented)) found ??= service;
    return found;
  }

  async authenticate(bearer: string): Promise<Principal> {
    const service = this.serviceFor(bearer);
    if (service === undefined) throw unauthenticated('invalid service key');
    return { id: service, kind: 'service', claims: {} };
  }
}

const hookAnswer = z.object({ user_id: z.string().min(1), claims: z.record(z.string(), z.unknown()).optional() });

/** The deployment's own auth service: POST `{token}`, 200 `{user_id, claims?}` means authenticated. */
export class HookAuthenticator implements Authenticator {
  constructor(
    private readonly url: string,
    private readonly timeout: number,
  ) {}

  async authenticate(bearer: string): Promise<Principal> {
    const { status, answer } = await postJson(this.url, { token: bearer }, this.timeout);
    if (status === 401 || status === 403) throw unauthenticated('refused by the auth hook');
    if (status !== 200) throw new BrokerError(BrokerErrorCode.unavailable, `auth hook answered HTTP ${status}`);
    const parsed = hookAnswer.safeParse(answer);
    if (!parsed.success) throw new BrokerError(BrokerErrorCode.unavailable, 'auth hook answer lacks "user_id"');
    return { id: parsed.data.user_id, kind: 'user', claims: parsed.data.claims ?? {} };
  }
}

/** Service keys first (when any are configured), then the user authenticator. */
export class ChainAuthenticator implements Authenticator {
  constructor(
    private readonly services: ApiKeyAuthenticator | undefined,
    private readonly users: Authenticator | undefined,
  ) {}

  async authenticate(bearer: string): Promise<Principal> {
    const service = this.services?.serviceFor(bearer);
    if (service !== undefined) return { id: service, kind: 'service', claims: {} };
    if (!this.users) throw unauthenticated('invalid service key');
    return this.users.authenticate(bearer);
  }
}
