import { sameSecret } from '../lib/index.js';
import type { BearerOutcome, BearerVerifier } from './bearer-auth.js';

/** Credentials as a server API request carries them (HTTP headers/query or gRPC metadata). */
export interface ApiRequestCredentials {
  /** `X-API-Key` header. */
  apiKey?: string;
  /** `Authorization` header: `apikey <key>` or `Bearer <jwt>`. */
  authorization?: string;
  /** `?api_key=` query parameter (HTTP only). */
  queryKey?: string;
}

/** A refusal is a Bearer refusal's shape: 503 (with `retryAfter` seconds) when the JWKS could not be reached. */
export type ApiAuthOutcome = { ok: true; caller: string } | Extract<BearerOutcome, { ok: false }>;

export interface ApiAuthOptions {
  key: string;
  /** Development only: every request passes. */
  insecure: boolean;
  /** JWKS Bearer tokens; with a key configured too, either is accepted. */
  bearer?: BearerVerifier;
}

/**
 * Server API authentication. A static key is checked as Centrifugo does: the
 * `X-API-Key` header first (a wrong one fails even if another form is right), then
 * `Authorization: apikey <key>`, then `?api_key=`. `Authorization: Bearer <JWT>` is
 * verified against the configured JWKS.
 */
export class ServerApiAuthenticator {
  constructor(private readonly opts: ApiAuthOptions) {}

  async authenticate(c: ApiRequestCredentials): Promise<ApiAuthOutcome> {
    if (this.opts.insecure) return { ok: true, caller: 'insecure' };
    const bearer = /^bearer\s+(.+)$/i.exec(c.authorization?.trim() ?? '')?.[1];
    if (bearer !== undefined && c.apiKey === undefined) {
      if (!this.opts.bearer) return { ok: false, status: 401, message: 'Bearer tokens are not accepted (http_api.jwks is not enabled)' };
      const v = await this.opts.bearer.verify(bearer);
      return v.ok ? { ok: true, caller: `jwt:${v.subject}` } : v;
    }
    if (this.opts.bearer && !this.opts.key && c.apiKey === undefined) {
      return { ok: false, status: 401, message: 'missing Bearer token' };
    }
    const presented = c.apiKey ?? apiKeyFromAuthorization(c.authorization) ?? c.queryKey;
    if (presented === undefined) return { ok: false, status: 401, message: 'missing API key' };
    if (!this.opts.key) return { ok: false, status: 401, message: 'no API key configured (http_api.key)' };
    if (!sameSecret(presented, this.opts.key)) return { ok: false, status: 401, message: 'invalid API key' };
    return { ok: true, caller: 'apikey' };
  }
}

function apiKeyFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^apikey\s+(.+)$/i.exec(header.trim());
  return m ? m[1]!.trim() : undefined;
}
