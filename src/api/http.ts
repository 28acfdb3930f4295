import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ApiAuthOutcome, ApiRequestCredentials } from '../auth/index.js';
import type { Config } from '../config/types.js';
import { BodyTooLargeError, readBody } from '../lib/index.js';
import type { Node } from '../node/index.js';
import { Attr, noTracer, type ActiveSpan, type Tracer } from '../telemetry/index.js';
import type { ApiContext } from './context.js';
import { ApiError, ApiErrorCode, asApiError, transportStatus } from './errors.js';
import { execute, isMethod } from './methods.js';
import { callAttributes, recordApiError } from './tracing.js';

export interface ApiAuthenticator {
  authenticate(c: ApiRequestCredentials): Promise<ApiAuthOutcome>;
}

function send(res: ServerResponse, status: number, body: unknown, raw = false, headers: Record<string, string> = {}): void {
  const text = raw ? (body as string) : JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The HTTP server API: `POST <prefix>/<method>` with a JSON body, and the legacy
 * `POST <prefix>` with newline-delimited `{method, params}` commands.
 */
export class HttpApi {
  private readonly prefix: string;
  private readonly log: Logger;

  constructor(
    private readonly node: Node,
    private readonly auth: ApiAuthenticator,
    private readonly cfg: Config['httpApi'],
    /** `opentelemetry.api`: a server span per request, child of the caller's `traceparent`. */
    private readonly tracer: Tracer = noTracer,
  ) {
    this.prefix = cfg.handlerPrefix.replace(/\/+$/, '') || '/api';
    this.log = node.deps.logger.child({ component: 'http_api' });
  }

  /** Whether a path belongs to the API. */
  owns(path: string): boolean {
    return path === this.prefix || path.startsWith(this.prefix + '/');
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const served = this.tracer.enabled ? this.traced(req, res, url) : this.serve(req, res, url);
    served.catch((err: unknown) => {
      this.log.error({ err }, 'api request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal server error' });
    });
  }

  private traced(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = this.routeOf(url.pathname);
    const options = {
      role: 'server' as const,
      parent: (key: string) => header(req, key),
      attributes: { [Attr.httpRequestMethod]: req.method, [Attr.urlPath]: url.pathname, [Attr.httpRoute]: route },
    };
    return this.tracer.withSpan(`${req.method ?? 'POST'} ${route}`, options, async (span) => {
      await this.serve(req, res, url, span);
      span.setAttributes({ [Attr.httpResponseStatusCode]: res.statusCode });
    });
  }

  /** The route of a path, for span names: unknown methods share one, so names stay few. */
  private routeOf(path: string): string {
    if (path === this.prefix) return path;
    return isMethod(path.slice(this.prefix.length + 1)) ? path : `${this.prefix}/{method}`;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL, span?: ActiveSpan): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      send(res, 405, { error: 'method not allowed: use POST' });
      return;
    }
    const auth = await this.auth.authenticate({
      apiKey: header(req, 'x-api-key'),
      authorization: header(req, 'authorization'),
      queryKey: url.searchParams.get('api_key') ?? undefined,
    });
    if (!auth.ok) {
      send(res, auth.status, { error: auth.message }, false, auth.status === 503 ? { 'Retry-After': String(auth.retryAfter) } : {});
      return;
    }
    const method = url.pathname === this.prefix ? undefined : url.pathname.slice(this.prefix.length + 1);
    if (method !== undefined && !isMethod(method)) {
      send(res, 404, { error: `unknown API method "${method}"` });
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.cfg.maxRequestBodySize);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        send(res, 413, { error: `request body larger than ${this.cfg.maxRequestBodySize} bytes (http_api.max_request_body_size)` });
        req.resume();
        return;
      }
      throw err;
    }
    const ctx: ApiContext = { node: this.node, log: this.log, caller: auth.caller, protocol: 'http' };
    const transportMode = this.cfg.errorMode === 'transport' || header(req, 'x-centrifugo-error-mode')?.toLowerCase() === 'transport';
    if (method === undefined) {
      await this.legacy(ctx, body, res, span);
      return;
    }
    let params: unknown = {};
    if (body.length > 0) {
      try {
        params = JSON.parse(body.toString('utf8')) as unknown;
      } catch (err) {
        send(res, 400, { error: `invalid JSON body: ${(err as Error).message}` });
        return;
      }
    }
    // Looked up only for a span that is kept.
    if (span?.recording) span.setAttributes(callAttributes(method, params));
    try {
      const result = (await execute(ctx, method, params)) ?? {};
      // As Centrifugo: a batch answers with its BatchResponse itself (`{"replies": […]}`),
      // every other method wraps its result as `{"result": …}`.
      send(res, 200, method === 'batch' ? result : { result });
    } catch (err) {
      const e = asApiError(ctx, err);
      recordApiError(span, e);
      // A batch carries its commands' errors in its replies; an error of the batch itself
      // (a body that is not a batch) is a 400 in either error mode, as Centrifugo answers it.
      if (transportMode || method === 'batch') send(res, transportStatus(e.code), e);
      else send(res, 200, { error: e });
    }
  }

  /** Legacy endpoint: one `{id?, method, params}` per line, one `{id?, result|error}` line back per command. */
  private async legacy(ctx: ApiContext, body: Buffer, res: ServerResponse, span?: ActiveSpan): Promise<void> {
    const lines = body.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    span?.setAttributes({ [Attr.apiNumCommands]: lines.length });
    if (lines.length === 0) {
      send(res, 400, { error: 'empty body: expected one or more {"method", "params"} lines' });
      return;
    }
    const out: string[] = [];
    for (const [i, line] of lines.entries()) {
      let cmd: { id?: unknown; method?: unknown; params?: unknown };
      try {
        cmd = JSON.parse(line) as typeof cmd;
      } catch (err) {
        send(res, 400, { error: `invalid JSON on line ${i + 1}: ${(err as Error).message}` });
        return;
      }
      const id = typeof cmd.id === 'number' || typeof cmd.id === 'string' ? cmd.id : undefined;
      const name = legacyMethodName(cmd.method);
      try {
        if (!name || !isMethod(name)) throw new ApiError(ApiErrorCode.notFound);
        out.push(JSON.stringify({ id, result: (await execute(ctx, name, cmd.params)) ?? {} }));
      } catch (err) {
        out.push(JSON.stringify({ id, error: asApiError(ctx, err) }));
      }
    }
    send(res, 200, out.join('\n'), true);
  }
}

/** Legacy API numbered its methods; names are case-insensitive; absent means publish. */
const legacyNumbers = ['publish', 'broadcast', 'unsubscribe', 'disconnect', 'presence', 'presence_stats', 'history', 'history_remove', 'channels', 'info', 'rpc', 'subscribe', 'refresh'];

function legacyMethodName(m: unknown): string | undefined {
  if (m === undefined || m === null || m === 0) return 'publish';
  if (typeof m === 'number') return legacyNumbers[m];
  return typeof m === 'string' ? m.toLowerCase() : undefined;
}
