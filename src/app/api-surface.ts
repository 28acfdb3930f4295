import type { ServerOptions } from 'node:http';
import type { Logger } from 'pino';
import { openApiDocument } from '../api/index.js';
import { BearerVerifier, ServerApiAuthenticator, type ApiAuthOutcome, type ApiRequestCredentials, type JwksKeySource } from '../auth/index.js';
import { brokerRouteDocs } from '../broker/index.js';
import type { ApiJwksConfig, Config } from '../config/types.js';
import { packageVersion, sameSecret, type Clock } from '../lib/index.js';
import type { Metrics } from '../metrics/index.js';
import { jwksCa } from './tls.js';

/**
 * Where a route is served. With `http_server.internal_port` set, the server API (unless
 * `http_api.external`) and health move to the internal listener, as Centrifugo does;
 * client endpoints and the token broker stay public. Without it, everything is public.
 */
export type Surface = 'public' | 'internal';

/** Server API authentication for one API section (HTTP or gRPC): key and/or JWKS Bearer tokens, and the Bearer key source. */
export function apiAuthenticator(
  cfg: { key: string; insecure: boolean; jwks: ApiJwksConfig },
  clock: Clock,
  log: Logger,
  metrics: Metrics,
  section: 'http_api' | 'grpc_api' = 'http_api',
): { auth: ServerApiAuthenticator; jwks?: JwksKeySource } {
  const j = cfg.jwks;
  const onJwksFetch = (ok: boolean, seconds: number): void => metrics.jwks.fetched(section, ok, seconds);
  const bearer = j.enabled
    ? new BearerVerifier({ endpoint: j.endpoint, audience: j.audience, issuer: j.issuer, scope: j.scope, ca: jwksCa(j.tls, `${section}.jwks.tls.server_ca_pem_file`), clock, log, onJwksFetch })
    : undefined;
  return { auth: new ServerApiAuthenticator({ key: cfg.key, insecure: cfg.insecure, bearer }), jwks: bearer?.jwks };
}

/**
 * Request read bounds for an HTTP listener. Node checks them only every
 * `connectionsCheckingInterval` (30 s by default), so the check runs at least twice per header
 * timeout and at most a second apart: a half-sent request is closed within the timeout plus that.
 * The check walks only connections with a request in progress; idle keep-alive connections,
 * responses still streaming and upgraded sockets are none of its business.
 */
export function httpServerOptions(config: Readonly<Config>): ServerOptions {
  const { readHeaderTimeout, readTimeout } = config.parsec.httpServer;
  return {
    headersTimeout: readHeaderTimeout,
    requestTimeout: readTimeout,
    connectionsCheckingInterval: Math.min(1000, Math.ceil(readHeaderTimeout / 2)),
  };
}

/**
 * The token broker's operator authentication: the server API's, plus a key that exists only in
 * this process, which the admin UI's route adds for a logged-in operator (so the UI calls the
 * broker's own routes, without the operator holding the API key).
 */
export function operatorAuth(api: ServerApiAuthenticator, uiKey: string): { authenticate(c: ApiRequestCredentials): Promise<ApiAuthOutcome> } {
  return {
    authenticate: (c) => {
      if (c.apiKey !== undefined && sameSecret(c.apiKey, uiKey)) return Promise.resolve({ ok: true, caller: 'admin-ui' });
      return api.authenticate(c);
    },
  };
}

/** The OpenAPI document of the server API, and of the token broker's routes when it is on. */
export function apiDocument(config: Readonly<Config>, apiSurface: Surface): object {
  const split = config.httpServer.internalPort !== null;
  const tb = config.parsec.tokenBroker;
  const notes = [
    split && apiSurface === 'public' ? 'The server API listens on the public port (http_api.external), not on the one serving this document.' : '',
    split && tb.enabled ? `The token broker (${tb.prefix}) listens on the public port, not on the one serving this document.` : '',
  ].filter(Boolean);
  const a = config.httpApi;
  return openApiDocument({
    apiPrefix: a.handlerPrefix,
    version: packageVersion(),
    auth: { key: a.key !== '', bearer: a.jwks.enabled, insecure: a.insecure },
    apiElsewhere: notes.join(' ') || undefined,
    routes: tb.enabled ? brokerRouteDocs(tb.prefix) : [],
  });
}
