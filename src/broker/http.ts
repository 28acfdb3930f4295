import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ApiAuthOutcome, ApiRequestCredentials } from '../auth/index.js';
import { BodyTooLargeError, readBody, type ClientAddress } from '../lib/index.js';
import type { Authenticator, Principal } from './authenticator.js';
import { BrokerError, BrokerErrorCode, verificationUnavailable } from './errors.js';
import type { RateLimiter } from './rate-limiter.js';
import { credentialsRequest, delegateRequest, describeProblem, issueRequest, revokeRequest } from './requests.js';
import type { TokenBroker } from './token-broker.js';

/** The server API's authentication (`http_api.key`, `http_api.jwks`), for the operator routes. */
export interface AdminAuthenticator {
  authenticate(c: ApiRequestCredentials): Promise<ApiAuthOutcome>;
}

/** Which browser origins may call the broker (`client.allowed_origins`, as for connections). */
export interface OriginPolicy {
  allows(req: IncomingMessage): boolean;
}

export interface BrokerHttpDeps {
  broker: TokenBroker;
  origins: OriginPolicy;
  prefix: string;
  users: Authenticator;
  admin: AdminAuthenticator;
  limiter: RateLimiter;
  remote: ClientAddress;
  maxBodySize: number;
  log: Logger;
}

interface Request {
  req: IncomingMessage;
  url: URL;
  remoteAddr: string;
}

type Handler = (r: Request) => Promise<unknown>;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers }).end(text);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const bearerOf = (req: IncomingMessage): string | undefined => /^bearer\s+(.+)$/i.exec(header(req, 'authorization')?.trim() ?? '')?.[1];

/** `?name=a,b&name=c` → ['a', 'b', 'c']. */
function listParam(url: URL, name: string): string[] {
  return url.searchParams.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function intParam(url: URL, name: string, d: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return d;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new BrokerError(BrokerErrorCode.badRequest, `${name} must be an integer from ${min} to ${max}`);
  return n;
}

/**
 * The broker's HTTP routes under the prefix (`/parsec`): `POST /token`, `/token/delegate` and
 * `/revoke` for callers with a bearer; `POST /credentials`, `GET|POST|DELETE /revocations` and
 * `GET /audit` for the operator (server API key or JWKS Bearer). Errors are JSON `{error, code}`.
 */
export class BrokerHttp {
  private readonly routes: Map<string, Handler>;

  constructor(private readonly deps: BrokerHttpDeps) {
    const b = deps.broker;
    this.routes = new Map<string, Handler>([
      ['POST /token', async (r) => b.issue(await this.caller(r), await this.body(r, issueRequest), r.remoteAddr)],
      ['POST /token/delegate', async (r) => b.delegate(await this.caller(r), await this.body(r, delegateRequest), r.remoteAddr)],
      ['POST /revoke', (r) => this.revoke(r)],
      ['POST /credentials', (r) => this.credentials(r)],
      ['GET /revocations', (r) => this.listRevocations(r)],
      ['POST /revocations', (r) => this.changeRevocations(r, true)],
      ['DELETE /revocations', (r) => this.changeRevocations(r, false)],
      ['GET /audit', (r) => this.audit(r)],
    ]);
  }

  owns(path: string): boolean {
    return path === this.deps.prefix || path.startsWith(`${this.deps.prefix}/`);
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.serve(req, res, url).catch((err: unknown) => {
      if (err instanceof BrokerError) {
        if (err.status >= 500) this.deps.log.warn({ err: err.message }, 'broker request failed');
        const retry = typeof err.details.retry_after_ms === 'number' ? { 'Retry-After': String(Math.ceil(err.details.retry_after_ms / 1000)) } : undefined;
        send(res, err.status, { error: err.message, code: err.code, ...err.details }, retry);
        return;
      }
      this.deps.log.error({ err }, 'broker request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal server error' });
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice(this.deps.prefix.length);
    const methods = [...this.routes.keys()].filter((k) => k.endsWith(` ${path}`)).map((k) => k.split(' ')[0]!);
    if (methods.length === 0) throw new BrokerError(BrokerErrorCode.notFound, `no broker route ${url.pathname}`);
    if (!this.cors(req, res)) throw new BrokerError(BrokerErrorCode.forbidden, 'origin not allowed (client.allowed_origins)');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': methods.join(', '),
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-API-Key',
        'Access-Control-Max-Age': '7200',
      });
      res.end();
      return;
    }
    const handler = this.routes.get(`${req.method ?? ''} ${path}`);
    if (!handler) {
      res.setHeader('Allow', methods.join(', '));
      send(res, 405, { error: `method not allowed: use ${methods.join(' or ')}` });
      return;
    }
    const remoteAddr = this.deps.remote.ofRequest(req);
    send(res, 200, await handler({ req, url, remoteAddr }));
  }

  /**
   * Browsers call the token routes from web apps: an allowed Origin is echoed (credentials
   * travel in the Authorization header, not cookies, so none are allowed). False when the
   * Origin is not allowed.
   */
  private cors(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.deps.origins.allows(req)) return false;
    const origin = req.headers.origin;
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    return true;
  }

  /** The bearer's caller, charged one request of its rate limit. */
  private async caller(r: Request): Promise<Principal> {
    const bearer = bearerOf(r.req);
    if (!bearer) throw new BrokerError(BrokerErrorCode.unauthenticated, 'missing Authorization: Bearer <token>');
    const principal = await this.deps.users.authenticate(bearer);
    const wait = this.deps.limiter.take(`${principal.kind}:${principal.id}`);
    if (wait > 0) throw new BrokerError(BrokerErrorCode.tooManyRequests, 'rate limit exceeded (parsec.token_broker.rate_limit)', { retry_after_ms: wait });
    return principal;
  }

  /** The operator, by the server API's key or Bearer rules. */
  private async admin(r: Request): Promise<void> {
    const outcome = await this.deps.admin.authenticate({ apiKey: header(r.req, 'x-api-key'), authorization: header(r.req, 'authorization') });
    if (!outcome.ok) {
      if (outcome.status === 503) throw verificationUnavailable(outcome.message, outcome.retryAfter);
      throw new BrokerError(outcome.status === 401 ? BrokerErrorCode.unauthenticated : BrokerErrorCode.forbidden, outcome.message);
    }
  }

  private async body<S extends z.ZodType>(r: Request, schema: S): Promise<z.output<S>> {
    let raw: Buffer;
    try {
      raw = await readBody(r.req, this.deps.maxBodySize);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        r.req.resume();
        throw new BrokerError(BrokerErrorCode.tooLarge, `request body larger than ${this.deps.maxBodySize} bytes (parsec.token_broker.max_request_body_size)`);
      }
      throw err;
    }
    let json: unknown;
    try {
      json = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch {
      throw new BrokerError(BrokerErrorCode.badRequest, 'request body is not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new BrokerError(BrokerErrorCode.badRequest, describeProblem(parsed.error));
    return parsed.data;
  }

  /** A user (or service) bearer revokes its own tokens; the server API key (X-API-Key or `apikey`) any. */
  private async revoke(r: Request): Promise<unknown> {
    const asOperator = header(r.req, 'x-api-key') !== undefined || /^apikey\s/i.test(header(r.req, 'authorization') ?? '');
    if (asOperator) await this.admin(r);
    const by = asOperator ? ({ kind: 'admin' } as const) : ({ kind: 'caller', principal: await this.caller(r) } as const);
    await this.deps.broker.revoke(by, await this.body(r, revokeRequest));
    return { ok: true };
  }

  private async credentials(r: Request): Promise<unknown> {
    await this.admin(r);
    const number = intParam(r.url, 'number', 1, 1, 100);
    const req = await this.body(r, credentialsRequest);
    const ids = listParam(r.url, 'client_id');
    const topicAcl = aclParam(r.url.searchParams.get('topicAcl'));
    const parsed = credentialsRequest.safeParse({ ...req, client_ids: req.client_ids ?? (ids.length ? ids : undefined), topic_acl: req.topic_acl ?? topicAcl });
    if (!parsed.success) throw new BrokerError(BrokerErrorCode.badRequest, describeProblem(parsed.error));
    return this.deps.broker.credentials(parsed.data, number, r.remoteAddr);
  }

  private async listRevocations(r: Request): Promise<unknown> {
    await this.admin(r);
    const { tokens, users } = await this.deps.broker.listRevocations();
    return {
      revocations: tokens.map((t) => ({ jti: t.tokenId, reason: t.reason, revoked_at: new Date(t.revokedAt).toISOString() })),
      users: users.map((u) => ({ user_id: u.user, revoked_at: new Date(u.revokedAt).toISOString() })),
    };
  }

  private async changeRevocations(r: Request, revoke: boolean): Promise<unknown> {
    await this.admin(r);
    const ids = listParam(r.url, 'jti');
    if (ids.length === 0 || ids.length > 1000) throw new BrokerError(BrokerErrorCode.badRequest, 'jti must list 1 to 1000 token ids, e.g. ?jti=a,b,c');
    if (revoke) await this.deps.broker.revokeTokens(ids, r.url.searchParams.get('reason') ?? '');
    else await this.deps.broker.unrevokeTokens(ids);
    return { ok: true };
  }

  private async audit(r: Request): Promise<unknown> {
    await this.admin(r);
    const limit = intParam(r.url, 'limit', 100, 1, 1000);
    const entries = await this.deps.broker.auditTrail(r.url.searchParams.get('user') ?? undefined, r.url.searchParams.get('token_id') ?? undefined, limit);
    return {
      entries: entries.map((e) => ({
        token_id: e.tokenId,
        issued_to: e.issuedTo,
        delegator: e.delegator,
        channels: e.channels,
        expires_at: e.expiresAt ? new Date(e.expiresAt).toISOString() : null,
        issued_at: new Date(e.issuedAt).toISOString(),
        remote_addr: e.remoteAddr,
      })),
    };
  }
}

/** `?topicAcl=`: a filter as it is, or a JSON list/object of them (`["a/#","b/+"]`). */
function aclParam(v: string | null): unknown {
  if (v === null) return undefined;
  if (!v.startsWith('[') && !v.startsWith('{')) return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    throw new BrokerError(BrokerErrorCode.badRequest, 'topicAcl: not valid JSON');
  }
}
