import { timingSafeEqual } from 'node:crypto';

/** Credentials as a server API request carries them (HTTP headers/query or gRPC metadata). */
export interface ApiRequestCredentials {
  /** `X-API-Key` header. */
  apiKey?: string;
  /** `Authorization` header: `apikey <key>` or `Bearer <jwt>`. */
  authorization?: string;
  /** `?api_key=` query parameter (HTTP only). */
  queryKey?: string;
}

export type ApiAuthOutcome = { ok: true; caller: string } | { ok: false; status: 401 | 403; message: string };

export interface ApiAuthOptions {
  key: string;
  /** Development only: every request passes. */
  insecure: boolean;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Server API authentication with a static key, checked as Centrifugo does: the
 * `X-API-Key` header first (a wrong one fails even if another form is right), then
 * `Authorization: apikey <key>`, then `?api_key=`.
 */
export class ApiKeyAuthenticator {
  constructor(private readonly opts: ApiAuthOptions) {}

  async authenticate(c: ApiRequestCredentials): Promise<ApiAuthOutcome> {
    if (this.opts.insecure) return { ok: true, caller: 'insecure' };
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
