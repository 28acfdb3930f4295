import { IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ApiError, ApiErrorCode, asApiError, execute, isMethod, type ApiContext } from '../api/index.js';
import type { AdminConfig } from '../config/types.js';
import { BodyTooLargeError, readBody, sameSecret, type ClientAddress, type Clock } from '../lib/index.js';
import type { Node } from '../node/index.js';
import { ActionsLog } from './actions-log.js';
import { STRICT_CSP } from './csp.js';
import { LoginThrottle } from './login-throttle.js';
import { SessionSigner, type AdminSession } from './session.js';
import { StaticFiles } from './static-files.js';

/** An IdP access token's check (the server API's JWKS Bearer verification, with `admin.jwks`). */
export interface IdpVerifier {
  verify(token: string): Promise<{ ok: true; subject: string; claims: Record<string, unknown> } | { ok: false; status: number; message: string }>;
}

/**
 * The token broker's operator routes (`/parsec/audit`, `/revocations`, `/revoke`, `/credentials`),
 * called as an operator: `route` is the path after the broker's prefix.
 */
export interface TokenRoutes {
  handle(req: IncomingMessage, res: ServerResponse, route: string, search: string): void;
}

export interface AdminDeps {
  config: AdminConfig;
  node: Node;
  clock: Clock;
  log: Logger;
  remote: ClientAddress;
  uiDir: string;
  idp?: IdpVerifier;
  tokens?: TokenRoutes;
}

const COOKIE = 'parsec_admin';
const MAX_BODY = 1 << 20;
/** Server API methods that only read: not written to the actions log. */
const READS = new Set([
  'info', 'channels', 'connections', 'connections_snapshot', 'presence', 'presence_stats', 'history',
  'blocked_users', 'rate_limits_get', 'activity_sessions', 'activity_channels',
]);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers })
    .end(text);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Who logged in with an IdP token: a readable name when the token carries one. */
function idpName(subject: string, claims: Record<string, unknown>): string {
  for (const k of ['preferred_username', 'email', 'name']) if (typeof claims[k] === 'string' && claims[k]) return `${claims[k] as string} (${subject})`;
  return subject;
}

/**
 * The admin web UI under `admin.handler_prefix`: the page (`/`), its files (`/ui/*`), login
 * and logout, and `/admin/api/<method>` — the public server API's executors run for the
 * logged-in operator, as Centrifugo's admin does — plus `/admin/tokens/*` for the token
 * broker's operator routes. Sessions are signed cookies (HttpOnly, SameSite=Strict); every
 * state-changing request must come from the page itself (same Origin, JSON, and the session's
 * CSRF token in `X-Parsec-Csrf`) and is written to the actions log.
 */
export class AdminHandler {
  readonly prefix: string;
  readonly actions: ActionsLog;
  private readonly sessions: SessionSigner;
  private readonly throttle: LoginThrottle;
  private readonly files: StaticFiles;

  constructor(private readonly deps: AdminDeps) {
    this.prefix = deps.config.handlerPrefix.replace(/\/+$/, '');
    this.sessions = new SessionSigner(deps.config.secret, deps.config.sessionTtl, deps.clock);
    this.throttle = new LoginThrottle(deps.clock);
    this.actions = new ActionsLog(deps.clock);
    this.files = new StaticFiles(deps.uiDir);
    if (!this.files.built) deps.log.warn({ dir: deps.uiDir }, 'the admin UI is not built (npm run build): its page says so');
  }

  owns(path: string): boolean {
    if (!path.startsWith(this.prefix)) return false;
    const rest = path.slice(this.prefix.length);
    return rest === '' || rest === '/' || rest.startsWith('/ui/') || rest.startsWith('/admin/');
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'same-origin');
    this.serve(req, res, url).catch((err: unknown) => {
      if (err instanceof HttpError) {
        if (!res.headersSent) send(res, err.status, { error: err.message }, err.headers);
        return;
      }
      this.deps.log.error({ err }, 'admin request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal server error' });
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const rest = url.pathname.slice(this.prefix.length);
    if (rest === '') {
      res.writeHead(302, { Location: `${this.prefix}/` }).end();
      return;
    }
    if (rest === '/' || rest.startsWith('/ui/')) return this.file(req, res, rest === '/' ? 'index.html' : rest.slice(4));
    const route = rest.slice('/admin'.length);
    if (route === '/session') return this.sessionInfo(req, res);
    if (route === '/login') return this.login(req, res);
    if (route === '/logout') return this.logout(req, res);
    if (route === '/actions') {
      this.expect(req, 'GET');
      this.authorize(req);
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit')) || 200));
      send(res, 200, { actions: this.actions.list(limit, url.searchParams.get('user') || undefined) });
      return;
    }
    if (route.startsWith('/api/')) return this.api(req, res, route.slice(5));
    if (route.startsWith('/tokens/')) return this.tokens(req, res, route.slice(7), url.search);
    throw new HttpError(404, `no admin route ${url.pathname}`);
  }

  private file(req: IncomingMessage, res: ServerResponse, name: string): void {
    this.expect(req, 'GET');
    const f = this.files.get(name);
    if (!f) {
      if (name === 'index.html') throw new HttpError(503, `the admin UI is not built: run npm run build (looked in ${this.files.dir})`);
      throw new HttpError(404, `no file ${name}`);
    }
    // Revalidated on every load: file names carry no version, and a rebuilt UI must show at once.
    const headers: Record<string, string> = { 'Content-Type': f.type, 'Content-Length': String(f.body.length), 'Cache-Control': 'no-cache' };
    if (name === 'index.html') {
      // The page loads only its own files and talks only to this server.
      headers['Content-Security-Policy'] = STRICT_CSP;
    }
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : f.body);
  }

  private expect(req: IncomingMessage, method: 'GET' | 'POST'): void {
    const ok = req.method === method || (method === 'GET' && req.method === 'HEAD');
    if (!ok) throw new HttpError(405, `method not allowed: use ${method}`, { Allow: method === 'GET' ? 'GET, HEAD' : 'POST' });
  }

  /** A state change must come from this server's own page: same origin, as JSON. */
  private sameOrigin(req: IncomingMessage): void {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new HttpError(403, `cross-site request refused (Sec-Fetch-Site: ${site})`);
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let host: string | undefined;
      try {
        host = new URL(origin).host;
      } catch {
        host = undefined;
      }
      if (!host || host.toLowerCase() !== (req.headers.host ?? '').toLowerCase()) throw new HttpError(403, `cross-origin request refused (Origin: ${origin})`);
    }
    const type = req.headers['content-type'] ?? '';
    if (req.method !== 'GET' && req.method !== 'HEAD' && !/^application\/json\b/i.test(type)) {
      throw new HttpError(415, 'expected Content-Type: application/json');
    }
  }

  /** The request's session; a state change must also carry its CSRF token. */
  private authorize(req: IncomingMessage): AdminSession {
    const changing = req.method !== 'GET' && req.method !== 'HEAD';
    if (changing) this.sameOrigin(req);
    if (this.deps.config.insecure) return { sid: '', user: 'insecure', exp: Number.MAX_SAFE_INTEGER, csrf: '' };
    const s = this.sessions.verify(cookie(req, COOKIE));
    if (!s) throw new HttpError(401, 'not logged in, or the session has expired');
    if (changing && req.headers['x-parsec-csrf'] !== s.csrf) throw new HttpError(403, 'missing or wrong X-Parsec-Csrf header');
    return s;
  }

  private address(req: IncomingMessage): string {
    return this.deps.remote.ofRequest(req);
  }

  private async json(req: IncomingMessage): Promise<{ raw: Buffer; value: unknown }> {
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        req.resume();
        throw new HttpError(413, `request body larger than ${MAX_BODY} bytes`);
      }
      throw err;
    }
    if (raw.length === 0) return { raw, value: {} };
    try {
      return { raw, value: JSON.parse(raw.toString('utf8')) as unknown };
    } catch (err) {
      throw new HttpError(400, `invalid JSON body: ${(err as Error).message}`);
    }
  }

  private sessionInfo(req: IncomingMessage, res: ServerResponse): void {
    this.expect(req, 'GET');
    const { config, node } = this.deps;
    const s = config.insecure ? this.authorize(req) : this.sessions.verify(cookie(req, COOKIE));
    send(res, 200, {
      authenticated: s !== undefined,
      user: s?.user,
      csrf: s?.csrf,
      expires_at: s && !config.insecure ? new Date(s.exp).toISOString() : undefined,
      login: { password: config.password !== '', idp: this.deps.idp !== undefined },
      insecure: config.insecure,
      tokens: this.deps.tokens !== undefined,
      node: node.deps.name,
      version: node.deps.version,
      // The engine as this node sees it: the same answer as /health, for the Overview page.
      engine: {
        type: node.config.engine.type,
        broker: node.config.broker.enabled ? node.config.broker.type : undefined,
        presence_manager: node.config.presenceManager.enabled ? node.config.presenceManager.type : undefined,
        state: node.unhealthyReason() ?? 'ok',
      },
    });
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.expect(req, 'POST');
    this.sameOrigin(req);
    const address = this.address(req);
    const wait = this.throttle.wait(address);
    if (wait > 0) {
      req.resume();
      const seconds = Math.ceil(wait / 1000);
      throw new HttpError(429, `too many failed logins from ${address}: try again in ${seconds} s`, { 'Retry-After': String(seconds) });
    }
    const { value } = await this.json(req);
    const body = (typeof value === 'object' && value !== null ? value : {}) as { password?: unknown; token?: unknown };
    const user = await this.checkCredentials(body, address);
    const { value: cookieValue, session } = this.sessions.issue(user);
    this.throttle.succeeded(address);
    this.actions.add({ user, address, action: 'login', params: { with: typeof body.token === 'string' ? 'idp' : 'password' }, ok: true });
    this.deps.log.info({ user, address }, 'admin login');
    send(res, 200, { user, csrf: session.csrf, expires_at: new Date(session.exp).toISOString() }, { 'Set-Cookie': this.cookieHeader(req, cookieValue, this.sessions.ttlMs / 1000) });
  }

  private async checkCredentials(body: { password?: unknown; token?: unknown }, address: string): Promise<string> {
    const { config, idp } = this.deps;
    if (typeof body.token === 'string' && body.token !== '') {
      if (!idp) throw new HttpError(400, 'login with an access token is not enabled (admin.jwks)');
      const v = await idp.verify(body.token);
      if (v.ok) return idpName(v.subject, v.claims);
      if (v.status >= 500) throw new HttpError(503, v.message);
      this.refused(address, 'idp', v.message);
      throw new HttpError(401, v.message);
    }
    if (typeof body.password !== 'string') throw new HttpError(400, 'expected {"password": "…"} or {"token": "…"}');
    if (!config.password) throw new HttpError(400, 'password login is not enabled (admin.password is empty)');
    if (!sameSecret(body.password, config.password)) {
      this.refused(address, 'password', 'wrong password');
      throw new HttpError(401, 'wrong password');
    }
    return 'admin';
  }

  private refused(address: string, how: string, why: string): void {
    this.throttle.failed(address);
    this.deps.log.warn({ address, how, why }, 'admin login refused');
  }

  private logout(req: IncomingMessage, res: ServerResponse): void {
    this.expect(req, 'POST');
    const s = this.authorize(req);
    if (s.sid) this.sessions.end(s);
    req.resume();
    send(res, 200, {}, { 'Set-Cookie': this.cookieHeader(req, '', 0) });
  }

  private cookieHeader(req: IncomingMessage, value: string, maxAge: number): string {
    const secure = 'encrypted' in req.socket || req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
    return `${COOKIE}=${value}; Path=${this.prefix || '/'}; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAge)}${secure}`;
  }

  /** A server API method, run by its public executor for the logged-in operator. */
  private async api(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    this.expect(req, 'POST');
    const s = this.authorize(req);
    if (!isMethod(method) || method === 'batch') {
      req.resume();
      send(res, 404, { error: { code: ApiErrorCode.notFound, message: `unknown API method "${method}"` } });
      return;
    }
    const { value } = await this.json(req);
    const ctx: ApiContext = { node: this.deps.node, log: this.deps.log, caller: `admin:${s.user}`, protocol: 'http' };
    const record = !READS.has(method);
    try {
      const result = (await execute(ctx, method, value)) ?? {};
      if (record) this.actions.add({ user: s.user, address: this.address(req), action: `api:${method}`, params: value, ok: true });
      send(res, 200, { result });
    } catch (err) {
      const e = err instanceof ApiError ? err : asApiError(ctx, err);
      if (record) this.actions.add({ user: s.user, address: this.address(req), action: `api:${method}`, params: value, ok: false, error: e.message });
      send(res, e.code === ApiErrorCode.notFound ? 404 : 200, { error: e });
    }
  }

  /** The token broker's operator routes, answered by the broker itself. */
  private async tokens(req: IncomingMessage, res: ServerResponse, route: string, search: string): Promise<void> {
    const s = this.authorize(req);
    if (!this.deps.tokens) {
      req.resume();
      throw new HttpError(404, 'the token broker is not enabled on this server (parsec.token_broker.enabled)');
    }
    const reading = req.method === 'GET' || req.method === 'HEAD';
    const { raw, value } = reading ? { raw: Buffer.alloc(0), value: undefined } : await this.json(req);
    const replay = new IncomingMessage(req.socket);
    replay.method = req.method;
    replay.url = `${route}${search}`;
    // Only what the broker needs: its operator credentials are added by the route itself.
    replay.headers = { 'content-type': 'application/json', 'content-length': String(raw.length), host: req.headers.host ?? '' };
    const fwd = req.headers['x-forwarded-for'];
    if (fwd !== undefined) replay.headers['x-forwarded-for'] = fwd;
    // Complete as received: ending it must not count as an aborted request, which would close the client's socket.
    replay.complete = true;
    replay.push(raw);
    replay.push(null);
    if (!reading) {
      res.once('finish', () => {
        const ok = res.statusCode < 400;
        this.actions.add({
          user: s.user,
          address: this.address(req),
          action: `tokens:${req.method ?? ''} ${route}`,
          params: { query: Object.fromEntries(new URLSearchParams(search)), body: value },
          ok,
          ...(ok ? {} : { error: `HTTP ${res.statusCode}` }),
        });
      });
    }
    this.deps.tokens.handle(replay, res, route, search);
  }
}
