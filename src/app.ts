import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as PlainServer, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { AdminHandler, handleHealth, handleMetrics, handleReadiness, swaggerRoutes, type ReadinessCheck, type TokenRoutes } from './admin/index.js';
import { GrpcApi, HttpApi } from './api/index.js';
import { BearerVerifier, ServerApiAuthenticator, TokenVerifier } from './auth/index.js';
import { startTokenBroker, type RunningTokenBroker } from './broker/index.js';
import { startConsumers, type RunningConsumers } from './consumers/index.js';
import { pem } from './config/index.js';
import type { Config, TokenConfig } from './config/types.js';
import { isCloser, isHealthReporter, type Broker, type MapBroker, type PresenceManager } from './engine/index.js';
import { connectRedisClient } from './engine/redis/index.js';
import { ClientAddress, ListenError, TimerWheel, listenOn, packageRoot, packageVersion, randomString, systemClock, type Clock } from './lib/index.js';
import { Metrics, type JwksUse } from './metrics/index.js';
import { ADMITTED, type ConnectAdmission } from './moderation/index.js';
import { InstrumentedBroker, InstrumentedPresence, Node, type RevocationStore } from './node/index.js';
import { DisconnectCode } from './protocol/index.js';
import { Proxies } from './proxy/index.js';
import { Telemetry } from './telemetry/index.js';
import {
  ConnectionRate,
  EmulationHandler,
  MqttFrontDoor,
  OriginCheck,
  StreamHandler,
  TopicSpace,
  UniGrpcServer,
  UniStreamHandler,
  UniWebSocketHandler,
  WebSocketHandler,
  httpStreamEndpoint,
  sseEndpoint,
  uniHttpStreamEndpoint,
  uniSseEndpoint,
} from './transport/index.js';
import { apiAuthenticator, apiDocument, httpServerOptions, operatorAuth, type Surface } from './app/api-surface.js';
import { buildEngines, buildMqttStores, buildRevocations, type Engines, type MqttRedisStores, type Revocations } from './app/engines.js';
import { buildModeration, type Moderation } from './app/moderation.js';
import { jwksReadiness, redisReadiness } from './app/readiness.js';
import { certKeyTls, httpTls, jwksCa, nodeTls, type HttpTls } from './app/tls.js';

export interface ParsecOptions {
  config: Readonly<Config>;
  logger?: Logger;
  clock?: Clock;
}

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

/** An HTTP listener, over TLS or not. */
type Server = PlainServer | TlsServer;

/** The longest a stop waits for the last spans to reach the collector. */
const TELEMETRY_FLUSH_MS = 5000;

/** What the CLI reports as "cannot start" (a broker it cannot reach, for one). */
export { EngineError } from './engine/index.js';

/**
 * The composition root: builds the engine, the node, the transports and the HTTP
 * server from a config, and tears them down in reverse order.
 */
export class Parsec {
  readonly node: Node;
  /** The public listener: client endpoints (and everything, without an internal port). */
  readonly server: Server;
  /** The internal listener (`http_server.internal_port`): server API and health. */
  readonly internal: Server | undefined;
  readonly log: Logger;
  private readonly ws: WebSocketHandler | undefined;
  private readonly uniWs: UniWebSocketHandler | undefined;
  private readonly uniGrpc: UniGrpcServer | undefined;
  /** The MQTT front door, when `parsec.mqtt.enabled`. */
  readonly mqtt: MqttFrontDoor | undefined;
  private readonly api: HttpApi;
  private readonly apiAuth: ServerApiAuthenticator;
  private readonly grpc: GrpcApi | undefined;
  /** The admin web UI, when `admin.enabled`. */
  readonly admin: AdminHandler | undefined;
  private readonly uiKey = randomBytes(32).toString('base64url');
  private readonly routes = new Map<string, Route>();
  /** The internal listener's routes; the public ones when there is no internal port. */
  private readonly internalRoutes: Map<string, Route>;
  private readonly apiSurface: Surface;
  private readonly adminSurface: Surface;
  private readonly wheel: TimerWheel;
  private readonly engines: Array<Broker | PresenceManager | MapBroker>;
  private readonly proxies: Proxies;
  private readonly revocations: RevocationStore | undefined;
  /** Every instrument (no-ops unless `prometheus.enabled`). */
  readonly metrics: Metrics;
  /** What `<health.handler_prefix>/ready` checks. */
  private readonly readiness: ReadinessCheck[] = [];
  private readonly moderation: Moderation;
  private readonly clientAddress: ClientAddress;
  /** `client.connection_rate_limit`, when set. */
  private readonly connectionRate: ConnectionRate | undefined;
  private tokenBroker: RunningTokenBroker | undefined;
  /** `consumers[]`: server API commands from an outbox table, Redis streams, JetStream. */
  private consumers: RunningConsumers | undefined;
  private closed: Promise<void> | undefined;
  /** The bound gRPC API port, when `grpc_api.enabled`. */
  grpcPort: number | undefined;
  /** The bound unidirectional gRPC port, when `uni_grpc.enabled`. */
  uniGrpcPort: number | undefined;

  private constructor(
    readonly config: Readonly<Config>,
    log: Logger,
    clock: Clock,
    { broker, presence, mapBroker, parts, presenceHealth }: Engines,
    revocations: Revocations | undefined,
    moderation: Moderation,
    tls: { public: HttpTls | undefined; internal: HttpTls | undefined },
    mqttStores: MqttRedisStores | undefined,
    readonly telemetry: Telemetry,
    nodeId: string,
  ) {
    this.log = log;
    this.revocations = revocations?.store;
    this.moderation = moderation;
    this.clientAddress = new ClientAddress(config.parsec.trustedProxies);
    this.connectionRate = config.client.connectionRateLimit > 0 ? new ConnectionRate(config.client.connectionRateLimit, clock) : undefined;
    this.wheel = new TimerWheel({ clock });
    this.engines = parts;
    const p = config.prometheus;
    const metrics = (this.metrics = new Metrics({
      enabled: p.enabled,
      version: packageVersion(),
      instrumentHttpHandlers: p.instrumentHttpHandlers,
      recoveredPublicationsHistogram: p.recoveredPublicationsHistogram,
    }));
    this.proxies = new Proxies(config, this.log, metrics, telemetry.proxy);
    const skipSignature = config.client.insecureSkipTokenSignatureVerify;
    if (skipSignature) {
      this.log.warn(
        'INSECURE: client.insecure_skip_token_signature_verify is on: token signatures are NOT checked, anyone can connect and subscribe as any user with a token they made (testing only, never in production)',
      );
    }
    const verifier = (cfg: TokenConfig, section: 'token' | 'subscription_token', use: JwksUse): TokenVerifier =>
      new TokenVerifier(cfg, clock, this.log, jwksCa(cfg.jwksTls, `client.${section}.jwks_tls.server_ca_pem_file`), (ok, seconds) => metrics.jwks.fetched(use, ok, seconds), skipSignature);
    const connectionTokens = verifier(config.client.token, 'token', 'client_token');
    const subscriptionTokens = verifier(config.client.subscriptionToken, 'subscription_token', 'subscription_token');
    const mqtt = config.parsec.mqtt;
    const topics = mqtt.enabled ? new TopicSpace(mqtt.namespace, config.channel.namespaceBoundary, config.channel.privatePrefix) : undefined;
    this.node = new Node({
      config,
      // Timed and counted only with metrics on: without them the node calls its engine directly.
      broker: metrics.enabled ? new InstrumentedBroker(broker, metrics) : broker,
      presence: metrics.enabled ? new InstrumentedPresence(presence, metrics.engine) : presence,
      mapBroker,
      clock,
      wheel: this.wheel,
      logger: this.log,
      connectionTokens,
      subscriptionTokens,
      proxies: this.proxies,
      version: packageVersion(),
      name: config.node.name || hostname(),
      id: nodeId,
      revocations: this.revocations,
      metrics,
      blocking: moderation.blocking,
      rateLimits: moderation.rateLimits,
      activity: moderation.activity?.recorder,
      activityStore: moderation.activity?.store,
      mirror: topics,
    });
    const recorder = moderation.activity?.recorder;
    metrics.moderation.watch({
      rateLimitHits: () => moderation.rateLimits.hitCounts(),
      blocksInForce: () => moderation.blocking.inForce(),
      activityDropped: recorder && (() => recorder.dropped),
      activityWrites: recorder && (() => recorder.writes),
    });
    this.readiness.push({ name: 'engine', check: async () => this.node.unhealthyReason() });
    if (presenceHealth) this.readiness.push({ name: 'presence_manager', check: async () => presenceHealth.unhealthyReason() });
    if (isHealthReporter(mapBroker)) this.readiness.push({ name: 'map_broker', check: async () => mapBroker.unhealthyReason() });
    if (revocations?.redis) this.readiness.push(redisReadiness('store', revocations.redis));
    if (connectionTokens.jwks) this.readiness.push(jwksReadiness('client_token', connectionTokens.jwks));
    if (subscriptionTokens.jwks) this.readiness.push(jwksReadiness('subscription_token', subscriptionTokens.jwks));
    if (topics) {
      const mqttTls = certKeyTls(mqtt.tls, 'parsec.mqtt');
      this.mqtt = new MqttFrontDoor({ node: this.node, config: mqtt, address: mqtt.address || config.httpServer.address, topics, tls: mqttTls && nodeTls(mqttTls), ...mqttStores });
    }
    if (!config.websocket.disabled) this.ws = new WebSocketHandler(this.node);
    if (config.uniWebsocket.enabled) this.uniWs = new UniWebSocketHandler(this.node);
    if (config.uniGrpc.enabled) this.uniGrpc = new UniGrpcServer(this.node);
    if (config.client.userIdHttpHeader && config.parsec.trustedProxies.length === 0) {
      this.log.warn(
        { header: config.client.userIdHttpHeader },
        'client.user_id_http_header is believed from any peer: anyone reaching the server directly can connect as any user; list your proxies in parsec.trusted_proxies',
      );
    }
    const httpApiAuth = apiAuthenticator(config.httpApi, clock, this.log, metrics);
    this.apiAuth = httpApiAuth.auth;
    if (httpApiAuth.jwks) this.readiness.push(jwksReadiness('http_api', httpApiAuth.jwks));
    this.api = new HttpApi(this.node, this.apiAuth, config.httpApi, telemetry.api);
    if (config.httpApi.disabled) this.log.info('http_api.disabled: no server API over HTTP');
    else if (config.httpApi.insecure) this.log.warn('http_api.insecure is on: the server API accepts requests without credentials (development only)');
    else if (!config.httpApi.key && !config.httpApi.jwks.enabled) this.log.warn('http_api.key is empty and http_api.jwks is off: the server API refuses every request');
    if (config.grpcApi.enabled) {
      const g = config.grpcApi;
      const grpcAuth = apiAuthenticator(g, clock, this.log, metrics, 'grpc_api');
      if (grpcAuth.jwks) this.readiness.push(jwksReadiness('grpc_api', grpcAuth.jwks));
      this.grpc = new GrpcApi({
        node: this.node,
        auth: grpcAuth.auth,
        errorMode: g.errorMode,
        logger: this.log,
        maxReceiveMessageLength: g.maxReceiveMessageSize,
        tracer: telemetry.api,
        reflection: g.reflection,
      });
      if (g.insecure) this.log.warn('grpc_api.insecure is on: the gRPC API accepts calls without credentials (development only)');
    }
    this.routeEmulation(config);
    this.routeUniStreams(config);
    const split = config.httpServer.internalPort !== null;
    this.internalRoutes = split ? new Map() : this.routes;
    this.apiSurface = split && !config.httpApi.external ? 'internal' : 'public';
    this.adminSurface = split && !config.admin.external ? 'internal' : 'public';
    this.admin = this.buildAdmin(config, clock);
    // Health, readiness and metrics are for the operator's network: on the internal port when there is one.
    if (config.health.enabled) {
      const prefix = config.health.handlerPrefix;
      this.internalRoutes.set(prefix, (req, res) => handleHealth(this.node, req, res));
      this.internalRoutes.set(`${prefix.replace(/\/+$/, '')}/ready`, (req, res) => handleReadiness(this.readiness, req, res));
    }
    if (p.enabled) this.internalRoutes.set(p.handlerPrefix, (req, res) => handleMetrics(metrics, this.log, req, res));
    // Swagger sits with the other operator endpoints, on the internal port when there is one (as in Centrifugo).
    if (config.swagger.enabled) for (const [path, route] of swaggerRoutes(config.swagger.handlerPrefix, apiDocument(config, this.apiSurface))) this.internalRoutes.set(path, route);
    this.server = this.listener(tls.public, 'public');
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    if (split) this.internal = this.listener(tls.internal, 'internal');
  }

  private listener(tls: HttpTls | undefined, surface: Surface): Server {
    const options = httpServerOptions(this.config);
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.route(req, res, surface);
    return tls ? createTlsServer({ ...options, ...tls }, handler) : createServer(options, handler);
  }

  /** The admin UI, logging in with `admin.password` and/or an IdP token (`admin.jwks`). */
  private buildAdmin(config: Readonly<Config>, clock: Clock): AdminHandler | undefined {
    const a = config.admin;
    if (!a.enabled) return undefined;
    if (a.insecure) this.log.warn('admin.insecure is on: the admin UI acts without a login (development only)');
    const j = a.jwks;
    const idp = j.enabled
      ? new BearerVerifier({ endpoint: j.endpoint, audience: j.audience, issuer: j.issuer, scope: j.scope, ca: jwksCa(j.tls, 'admin.jwks.tls.server_ca_pem_file'), clock, log: this.log })
      : undefined;
    const tokens: TokenRoutes | undefined = this.revocations
      ? {
          handle: (req, res, route, search) => {
            const running = this.tokenBroker;
            if (!running) {
              res.writeHead(503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'the token broker is starting' }));
              return;
            }
            req.headers['x-api-key'] = this.uiKey;
            const prefix = config.parsec.tokenBroker.prefix.replace(/\/+$/, '');
            running.http.handle(req, res, new URL(`${prefix}${route}${search}`, 'http://localhost'));
          },
        }
      : undefined;
    return new AdminHandler({
      config: a,
      node: this.node,
      clock,
      log: this.log.child({ component: 'admin' }),
      remote: new ClientAddress(config.parsec.trustedProxies),
      uiDir: join(packageRoot(), 'dist', 'ui'),
      idp,
      tokens,
    });
  }

  /** SSE and HTTP-streaming endpoints when enabled, and `/emulation` for their commands. */
  private routeEmulation(config: Readonly<Config>): void {
    const streams = [
      { cfg: config.sse, endpoint: sseEndpoint },
      { cfg: config.httpStream, endpoint: httpStreamEndpoint },
    ].filter((s) => s.cfg.enabled);
    if (streams.length === 0) return;
    for (const { cfg, endpoint } of streams) {
      const h = new StreamHandler(this.node, endpoint, cfg);
      this.routes.set(h.path, (req, res, url) => {
        if (this.overConnectionRate(res)) return;
        const admission = this.admitConnection(req);
        if (!admission.allowed) {
          res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' }).end(JSON.stringify({ error: admission.reason === 'rate' ? 'too many connect attempts' : 'too many connections' }));
          return;
        }
        if (admission !== ADMITTED) res.on('close', admission.release);
        h.handle(req, res, url);
      });
    }
    const emulation = new EmulationHandler(this.node, config.emulation);
    this.routes.set(emulation.path, (req, res) => emulation.handle(req, res));
  }

  /** `uni_sse` and `uni_http_stream` when enabled. */
  private routeUniStreams(config: Readonly<Config>): void {
    for (const { cfg, endpoint } of [
      { cfg: config.uniSse, endpoint: uniSseEndpoint },
      { cfg: config.uniHttpStream, endpoint: uniHttpStreamEndpoint },
    ]) {
      if (!cfg.enabled) continue;
      const h = new UniStreamHandler(this.node, endpoint, cfg);
      this.routes.set(h.path, (req, res, url) => {
        if (!this.overConnectionRate(res)) h.handle(req, res, url);
      });
    }
  }

  /**
   * Builds everything and listens on `http_server.address:port` (port 0 = any free port).
   * On failure (an unreachable engine or broker, a port in use) whatever was started is closed again.
   */
  static async start(opts: ParsecOptions): Promise<Parsec> {
    const clock = opts.clock ?? systemClock;
    const log = opts.logger ?? pino({ level: opts.config.log.level });
    // Read before anything starts: an unreadable certificate stops the start with nothing to undo.
    const h = opts.config.httpServer;
    const publicTls = httpTls(h.tls);
    // As Centrifugo: the internal port's own TLS when enabled, else the public one's unless tls_external.
    const tls = { public: publicTls, internal: h.internalTls.enabled ? httpTls(h.internalTls, 'http_server.internal_tls') : h.tlsExternal ? undefined : publicTls };
    const nodeId = randomString(8);
    // Also before: a bad OTEL_* variable stops the start. Spans name the node as service.instance.id.
    const telemetry = await Telemetry.start({ config: opts.config, instanceId: nodeId, version: packageVersion(), log });
    const engines = await buildEngines(opts.config, clock, log);
    let revocations: Revocations | undefined;
    let moderation: Moderation | undefined;
    let mqttStores: MqttRedisStores | undefined;
    try {
      revocations = await buildRevocations(opts.config, clock);
      moderation = await buildModeration(opts.config, clock, log);
      mqttStores = await buildMqttStores(opts.config);
    } catch (err) {
      await moderation?.close();
      await revocations?.store.close();
      for (const engine of engines.parts) if (isCloser(engine)) await engine.close();
      throw err;
    }
    const app = new Parsec(opts.config, log, clock, engines, revocations, moderation, tls, mqttStores, telemetry, nodeId);
    try {
      await app.startTokenBroker(clock);
      await app.listen();
      app.consumers = await startConsumers({ configs: opts.config.consumers, api: { node: app.node, log: app.log }, metrics: app.metrics, nodeId: app.node.id, redis: connectRedisClient, tracer: app.telemetry.consuming });
    } catch (err) {
      await app.close();
      throw err;
    }
    const b = opts.config.broker;
    const pm = opts.config.presenceManager;
    app.log.info(
      { address: app.address(), internalAddress: app.internalAddress(), tls: opts.config.httpServer.tls.enabled, grpcPort: app.grpcPort, uniGrpcPort: app.uniGrpcPort, mqttPort: app.mqtt?.port, node: app.node.id, engine: opts.config.engine.type, broker: b.enabled ? b.type : undefined, presenceManager: pm.enabled ? pm.type : undefined, version: app.node.deps.version },
      'parsec started',
    );
    return app;
  }

  /** The token broker's routes, when `parsec.token_broker.enabled`. */
  private async startTokenBroker(clock: Clock): Promise<void> {
    if (!this.revocations) return;
    const { config } = this;
    const tls = config.parsec.tokenBroker.authenticator.tls;
    this.tokenBroker = await startTokenBroker({
      config,
      metrics: this.metrics,
      revocations: this.revocations,
      isBlocked: (user) => this.moderation.blocking.isBlocked(user),
      broadcast: this.node.control,
      admin: operatorAuth(this.apiAuth, this.uiKey),
      origins: new OriginCheck(config.client.allowedOrigins),
      clock,
      log: this.log,
      jwksCa: jwksCa(tls, 'parsec.token_broker.authenticator.tls.server_ca_pem_file'),
      readFile: (file, key) => pem('', file, key).toString('utf8'),
    });
    if (this.tokenBroker.jwks) this.readiness.push(jwksReadiness('token_broker', this.tokenBroker.jwks));
  }

  /** Runs the node (connecting the broker), then binds the HTTP and gRPC servers. */
  private async listen(): Promise<void> {
    await this.node.run();
    const { address, port, internalAddress, internalPort } = this.config.httpServer;
    await listenOn(this.server, 'http_server', address, port);
    if (this.internal && internalPort !== null) await listenOn(this.internal, 'http_server', internalAddress || address, internalPort, 'internal_');
    await this.mqtt?.listen();
    if (this.grpc) {
      const { address: grpcAddress, port: grpcPort } = this.config.grpcApi;
      const tls = certKeyTls(this.config.grpcApi.tls, 'grpc_api');
      try {
        this.grpcPort = await this.grpc.start(grpcAddress || '0.0.0.0', grpcPort, tls);
      } catch (err) {
        throw ListenError.wrap('grpc_api', grpcAddress, grpcPort, err);
      }
    }
    if (this.uniGrpc) {
      const { address: uniAddress, port: uniPort, maxReceiveMessageSize, tls } = this.config.uniGrpc;
      try {
        this.uniGrpcPort = await this.uniGrpc.start(uniAddress || '0.0.0.0', uniPort, maxReceiveMessageSize, certKeyTls(tls, 'uni_grpc'));
      } catch (err) {
        throw ListenError.wrap('uni_grpc', uniAddress, uniPort, err);
      }
    }
  }

  /** The public listener's address. */
  address(): { host: string; port: number } {
    const a = this.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  /** The internal listener's address, when `http_server.internal_port` is set. */
  internalAddress(): { host: string; port: number } | undefined {
    const a = this.internal?.address() as AddressInfo | undefined;
    return a ? { host: a.address, port: a.port } : undefined;
  }

  private route(req: IncomingMessage, res: ServerResponse, surface: Surface): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const { http } = this.metrics;
    // The handler's prefix, never the request's own path: the label set stays bounded.
    const counted = (handler: string): void => {
      if (http.enabled) res.once('finish', () => http.request(handler, req.method, res.statusCode));
    };
    if (surface === this.apiSurface && !this.config.httpApi.disabled && this.api.owns(path)) {
      counted(this.config.httpApi.handlerPrefix);
      this.api.handle(req, res, url);
      return;
    }
    if (surface === 'public' && this.tokenBroker?.http.owns(path)) {
      counted(this.config.parsec.tokenBroker.prefix);
      this.tokenBroker.http.handle(req, res, url);
      return;
    }
    const handler = (surface === 'public' ? this.routes : this.internalRoutes).get(path);
    if (handler) {
      counted(path);
      handler(req, res, url);
      return;
    }
    if (surface === this.adminSurface && this.admin?.owns(path)) {
      counted(this.admin.prefix || '/');
      this.admin.handle(req, res, url);
      return;
    }
    counted('not_found');
    const body = JSON.stringify({ error: 'not found' });
    res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
  }

  /** `client.rate_limit.ip_connect`: whether this address may connect now (and hold one more connection). */
  private admitConnection(req: IncomingMessage): ConnectAdmission {
    const limits = this.moderation.rateLimits;
    // Off by default: then no address to resolve on the upgrade path.
    if (!limits.checksAddresses) return ADMITTED;
    return limits.admitConnection(this.clientAddress.ofRequest(req));
  }

  /**
   * `client.connection_rate_limit`: when this second's new connections are used up, answers
   * 503 (on `res`, or on the upgrading socket) and says so.
   */
  private overConnectionRate(to: ServerResponse | Duplex): boolean {
    if (this.connectionRate === undefined || this.connectionRate.allow()) return false;
    if ('writeHead' in to) to.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1' }).end(JSON.stringify({ error: 'too many new connections' }));
    else to.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n');
    return true;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.overConnectionRate(socket)) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const admission = this.admitConnection(req);
    if (!admission.allowed) {
      // Before any connect work, as Centrifugo PRO does: SDKs back off as for any failed attempt.
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const release = admission === ADMITTED ? undefined : admission.release;
    // The WebSocket endpoint releases the hold from its connection's own close.
    if (this.ws?.handleUpgrade(req, socket, head, url, release)) return;
    // `release` is idempotent: a plain listener, no `once` wrapper made per connection.
    if (release) socket.on('close', release);
    if (this.uniWs?.handleUpgrade(req, socket, head, url)) return;
    if (this.mqtt?.handleUpgrade(req, socket, head, url)) return;
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }

  /**
   * Graceful stop: refuse new connections, disconnect clients with 3001 (they
   * reconnect elsewhere), wait for sockets to close up to `shutdown.timeout`, then
   * close engines. Idempotent.
   */
  close(): Promise<void> {
    this.closed ??= this.doClose();
    return this.closed;
  }

  private async doClose(): Promise<void> {
    const timeout = this.config.shutdown.timeout;
    this.log.info({ clients: this.node.numSessions, timeout }, 'shutting down');
    // First, while the engine is up: commands in flight finish and are acknowledged.
    await this.consumers?.close();
    const listeners = this.internal ? [this.server, this.internal] : [this.server];
    const serversClosed = listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve())));
    this.node.shutdown(DisconnectCode.shutdown, 'shutdown');
    for (const l of listeners) l.closeIdleConnections();
    const timer = setTimeout(() => {
      this.log.warn('shutdown timeout: dropping remaining connections');
      this.ws?.terminateAll();
      this.uniWs?.terminateAll();
      this.mqtt?.terminateAll();
      for (const l of listeners) l.closeAllConnections();
    }, timeout);
    timer.unref();
    await Promise.all([...serversClosed, this.grpc?.close(), this.uniGrpc?.close(), this.mqtt?.close()]);
    clearTimeout(timer);
    this.ws?.close();
    this.uniWs?.close();
    this.node.close();
    await this.tokenBroker?.close();
    await this.revocations?.close();
    await this.moderation.close();
    for (const engine of this.engines) if (isCloser(engine)) await engine.close();
    this.proxies.close();
    this.wheel.close();
    await this.telemetry.shutdown(Math.min(timeout, TELEMETRY_FLUSH_MS));
    this.log.info('stopped');
  }
}
