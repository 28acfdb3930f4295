import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { handleHealth } from './admin/index.js';
import { GrpcApi, HttpApi } from './api/index.js';
import { BearerVerifier, ServerApiAuthenticator, TokenVerifier } from './auth/index.js';
import { createRevocationStore, startTokenBroker, type RunningTokenBroker } from './broker/index.js';
import { ConfigError } from './config/index.js';
import type { ApiJwksConfig, Config, JwksTlsConfig } from './config/types.js';
import { isCloser, type Broker, type PresenceManager } from './engine/index.js';
import { MemoryBroker, MemoryPresenceManager } from './engine/memory/index.js';
import { NatsBroker } from './engine/nats/index.js';
import { connectRedisClient, startRedisEngine } from './engine/redis/index.js';
import { ListenError, TimerWheel, listenOn, packageVersion, systemClock, type Clock } from './lib/index.js';
import { Node, type RevocationStore } from './node/index.js';
import { DisconnectCode } from './protocol/index.js';
import { Proxies } from './proxy/index.js';
import { EmulationHandler, MqttFrontDoor, OriginCheck, RedisRetainedStore, RedisSessionDirectory, StreamHandler, TopicSpace, WebSocketHandler, httpStreamEndpoint, sseEndpoint } from './transport/index.js';
import { hostname } from 'node:os';

export interface ParsecOptions {
  config: Readonly<Config>;
  logger?: Logger;
  clock?: Clock;
}

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

interface Engines {
  broker: Broker;
  presence: PresenceManager;
  /** Everything to close on shutdown (an engine's own broker stays open for its presence when a separate broker replaces it). */
  parts: Array<Broker | PresenceManager>;
}

/**
 * The configured engine, in-memory (one process) or Redis (many nodes), and the broker:
 * the engine's own, or a separate one (`broker.enabled`, e.g. NATS) while presence
 * stays with the engine, as in Centrifugo.
 */
async function buildEngines(config: Readonly<Config>, clock: Clock, log: Logger): Promise<Engines> {
  const engine =
    config.engine.type === 'redis'
      ? await startRedisEngine(config.engine.redis, clock, log.child({ component: 'redis' }))
      : { broker: new MemoryBroker({ clock }), presence: new MemoryPresenceManager() };
  const broker = brokerFor(config, clock, log) ?? engine.broker;
  return { broker, presence: engine.presence, parts: [broker, engine.presence, ...(broker === engine.broker ? [] : [engine.broker])] };
}

/** A broker apart from the engine when `broker.enabled`, else undefined. */
function brokerFor(config: Readonly<Config>, clock: Clock, log: Logger): Broker | undefined {
  const b = config.broker;
  if (!b.enabled) {
    if (b.type !== 'memory') log.warn({ type: b.type }, 'broker.type is set but broker.enabled is false: the engine is the broker');
    return undefined;
  }
  if (b.type === 'memory') return new MemoryBroker({ clock });
  const withHistory = [['', config.channel.withoutNamespace] as const, ...config.channel.namespaces.map((n) => [n.name, n] as const)]
    .filter(([, o]) => o.historySize > 0)
    .map(([name]) => name || '(without namespace)');
  if (withHistory.length > 0) {
    log.warn({ namespaces: withHistory }, 'the NATS broker keeps no history: publishing, history and recovery in these namespaces fail with 108');
  }
  return new NatsBroker({ ...b.nats, clock, logger: log.child({ component: 'nats_broker' }) });
}

/** The token broker's revocation store when the broker is enabled (Redis: its own connection from `engine.redis`). */
async function buildRevocations(config: Readonly<Config>, clock: Clock): Promise<RevocationStore | undefined> {
  const tb = config.parsec.tokenBroker;
  if (!tb.enabled) return undefined;
  const redis = tb.revocations.store === 'redis' ? { client: await connectRedisClient(config.engine.redis), prefix: config.engine.redis.prefix } : undefined;
  return createRevocationStore(tb.revocations, redis, clock);
}

/** What MQTT keeps in Redis when the engine is Redis, so every node sees it. */
interface MqttRedisStores {
  retained: RedisRetainedStore;
  directory: RedisSessionDirectory;
}

/** MQTT retained messages and the persistent session directory in Redis with the Redis engine; else undefined (one node, memory). */
async function buildMqttStores(config: Readonly<Config>): Promise<MqttRedisStores | undefined> {
  if (!config.parsec.mqtt.enabled || config.engine.type !== 'redis') return undefined;
  const r = config.engine.redis;
  const client = await connectRedisClient(r, ' for MQTT retained messages and sessions');
  return { retained: new RedisRetainedStore(client, r.prefix), directory: new RedisSessionDirectory(client, r.prefix) };
}

/** The CA bundle a JWKS endpoint is verified with, from the PEM text or its file. */
function jwksCa(tls: JwksTlsConfig, key: string): string | undefined {
  if (!tls.enabled || (!tls.serverCaPem && !tls.serverCaPemFile)) return undefined;
  return pem(tls.serverCaPem, tls.serverCaPemFile, key).toString('utf8');
}

/** A PEM from its text or its file; a file that can't be read stops the start naming the key. */
function pem(text: string, file: string, key: string): Buffer {
  if (text) return Buffer.from(text);
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError('PARSEC_CONFIG_UNREADABLE', key, null, `cannot read ${file}: ${(err as Error).message}`);
  }
}

function grpcTls(t: Config['grpcApi']['tls']): { cert: Buffer; key: Buffer } | undefined {
  if (!t.enabled) return undefined;
  return { cert: pem(t.certPem, t.certPemFile, 'grpc_api.tls.cert_pem_file'), key: pem(t.keyPem, t.keyPemFile, 'grpc_api.tls.key_pem_file') };
}

/** Server API authentication for one API section (HTTP or gRPC): key and/or JWKS Bearer tokens. */
function apiAuthenticator(cfg: { key: string; insecure: boolean; jwks: ApiJwksConfig }, clock: Clock, log: Logger, section = 'http_api'): ServerApiAuthenticator {
  const j = cfg.jwks;
  const bearer = j.enabled
    ? new BearerVerifier({ endpoint: j.endpoint, audience: j.audience, issuer: j.issuer, scope: j.scope, ca: jwksCa(j.tls, `${section}.jwks.tls.server_ca_pem_file`), clock, log })
    : undefined;
  return new ServerApiAuthenticator({ key: cfg.key, insecure: cfg.insecure, bearer });
}

/**
 * Request read bounds for an HTTP listener. Node checks them only every
 * `connectionsCheckingInterval` (30 s by default), so the check runs at least twice per header
 * timeout and at most a second apart: a half-sent request is closed within the timeout plus that.
 * The check walks only connections with a request in progress; idle keep-alive connections,
 * responses still streaming and upgraded sockets are none of its business.
 */
function httpServerOptions(config: Readonly<Config>): ServerOptions {
  const { readHeaderTimeout, readTimeout } = config.parsec.httpServer;
  return {
    headersTimeout: readHeaderTimeout,
    requestTimeout: readTimeout,
    connectionsCheckingInterval: Math.min(1000, Math.ceil(readHeaderTimeout / 2)),
  };
}

/** What the CLI reports as "cannot start" (a broker it cannot reach, for one). */
export { EngineError } from './engine/index.js';


/**
 * The composition root: builds the engine, the node, the transports and the HTTP
 * server from a config, and tears them down in reverse order.
 */
export class Parsec {
  readonly node: Node;
  readonly server: Server;
  readonly log: Logger;
  private readonly ws: WebSocketHandler | undefined;
  /** The MQTT front door, when `parsec.mqtt.enabled`. */
  readonly mqtt: MqttFrontDoor | undefined;
  private readonly api: HttpApi;
  private readonly apiAuth: ServerApiAuthenticator;
  private readonly grpc: GrpcApi | undefined;
  private readonly routes = new Map<string, Route>();
  private readonly wheel: TimerWheel;
  private readonly engines: Array<Broker | PresenceManager>;
  private readonly proxies: Proxies;
  private readonly revocations: RevocationStore | undefined;
  private tokenBroker: RunningTokenBroker | undefined;
  private closed: Promise<void> | undefined;
  /** The bound gRPC API port, when `grpc_api.enabled`. */
  grpcPort: number | undefined;

  private constructor(
    readonly config: Readonly<Config>,
    log: Logger,
    clock: Clock,
    { broker, presence, parts }: Engines,
    revocations: RevocationStore | undefined,
    mqttStores: MqttRedisStores | undefined,
  ) {
    this.log = log;
    this.revocations = revocations;
    this.wheel = new TimerWheel({ clock });
    this.engines = parts;
    this.proxies = new Proxies(config, this.log);
    const mqtt = config.parsec.mqtt;
    const topics = mqtt.enabled ? new TopicSpace(mqtt.namespace, config.channel.namespaceBoundary, config.channel.privatePrefix) : undefined;
    this.node = new Node({
      config,
      broker,
      presence,
      clock,
      wheel: this.wheel,
      logger: this.log,
      connectionTokens: new TokenVerifier(config.client.token, clock, this.log, jwksCa(config.client.token.jwksTls, 'client.token.jwks_tls.server_ca_pem_file')),
      subscriptionTokens: new TokenVerifier(
        config.client.subscriptionToken,
        clock,
        this.log,
        jwksCa(config.client.subscriptionToken.jwksTls, 'client.subscription_token.jwks_tls.server_ca_pem_file'),
      ),
      proxies: this.proxies,
      version: packageVersion(),
      name: config.node.name || hostname(),
      revocations,
      mirror: topics,
    });
    if (topics) {
      const tls = mqtt.tls.enabled
        ? { cert: pem(mqtt.tls.certPem, mqtt.tls.certPemFile, 'parsec.mqtt.tls.cert_pem_file'), key: pem(mqtt.tls.keyPem, mqtt.tls.keyPemFile, 'parsec.mqtt.tls.key_pem_file') }
        : undefined;
      this.mqtt = new MqttFrontDoor({ node: this.node, config: mqtt, address: mqtt.address || config.httpServer.address, topics, tls, ...mqttStores });
    }
    if (!config.websocket.disabled) this.ws = new WebSocketHandler(this.node);
    if (config.client.userIdHttpHeader && config.parsec.trustedProxies.length === 0) {
      this.log.warn(
        { header: config.client.userIdHttpHeader },
        'client.user_id_http_header is believed from any peer: anyone reaching the server directly can connect as any user; list your proxies in parsec.trusted_proxies',
      );
    }
    this.apiAuth = apiAuthenticator(config.httpApi, clock, this.log);
    this.api = new HttpApi(this.node, this.apiAuth, config.httpApi);
    if (config.httpApi.insecure) this.log.warn('http_api.insecure is on: the server API accepts requests without credentials (development only)');
    else if (!config.httpApi.key && !config.httpApi.jwks.enabled) this.log.warn('http_api.key is empty and http_api.jwks is off: the server API refuses every request');
    if (config.grpcApi.enabled) {
      const g = config.grpcApi;
      this.grpc = new GrpcApi({
        node: this.node,
        auth: apiAuthenticator(g, clock, this.log, 'grpc_api'),
        errorMode: g.errorMode,
        logger: this.log,
        maxReceiveMessageLength: g.maxReceiveMessageSize,
      });
      if (g.insecure) this.log.warn('grpc_api.insecure is on: the gRPC API accepts calls without credentials (development only)');
    }
    this.routeEmulation(config);
    if (config.health.enabled) this.routes.set(config.health.handlerPrefix, (req, res) => handleHealth(this.node, req, res));
    this.server = createServer(httpServerOptions(config), (req, res) => this.route(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
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
      this.routes.set(h.path, (req, res, url) => h.handle(req, res, url));
    }
    const emulation = new EmulationHandler(this.node, config.emulation);
    this.routes.set(emulation.path, (req, res) => emulation.handle(req, res));
  }

  /**
   * Builds everything and listens on `http_server.address:port` (port 0 = any free port).
   * On failure (an unreachable engine or broker, a port in use) whatever was started is closed again.
   */
  static async start(opts: ParsecOptions): Promise<Parsec> {
    const clock = opts.clock ?? systemClock;
    const log = opts.logger ?? pino({ level: opts.config.log.level });
    const engines = await buildEngines(opts.config, clock, log);
    let revocations: RevocationStore | undefined;
    let mqttStores: MqttRedisStores | undefined;
    try {
      revocations = await buildRevocations(opts.config, clock);
      mqttStores = await buildMqttStores(opts.config);
    } catch (err) {
      await revocations?.close();
      for (const engine of engines.parts) if (isCloser(engine)) await engine.close();
      throw err;
    }
    const app = new Parsec(opts.config, log, clock, engines, revocations, mqttStores);
    try {
      await app.startTokenBroker(clock);
      await app.listen();
    } catch (err) {
      await app.close();
      throw err;
    }
    const b = opts.config.broker;
    app.log.info(
      { address: app.address(), grpcPort: app.grpcPort, mqttPort: app.mqtt?.port, node: app.node.id, engine: opts.config.engine.type, broker: b.enabled ? b.type : undefined, version: app.node.deps.version },
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
      revocations: this.revocations,
      broadcast: this.node.control,
      admin: this.apiAuth,
      origins: new OriginCheck(config.client.allowedOrigins),
      clock,
      log: this.log,
      jwksCa: jwksCa(tls, 'parsec.token_broker.authenticator.tls.server_ca_pem_file'),
      readFile: (file, key) => pem('', file, key).toString('utf8'),
    });
  }

  /** Runs the node (connecting the broker), then binds the HTTP and gRPC servers. */
  private async listen(): Promise<void> {
    await this.node.run();
    const { address, port } = this.config.httpServer;
    await listenOn(this.server, 'http_server', address, port);
    await this.mqtt?.listen();
    if (this.grpc) {
      const { address: grpcAddress, port: grpcPort } = this.config.grpcApi;
      const tls = grpcTls(this.config.grpcApi.tls);
      try {
        this.grpcPort = await this.grpc.start(grpcAddress || '0.0.0.0', grpcPort, tls);
      } catch (err) {
        throw ListenError.wrap('grpc_api', grpcAddress, grpcPort, err);
      }
    }
  }

  address(): { host: string; port: number } {
    const a = this.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (this.api.owns(path)) {
      this.api.handle(req, res, url);
      return;
    }
    if (this.tokenBroker?.http.owns(path)) {
      this.tokenBroker.http.handle(req, res, url);
      return;
    }
    const handler = this.routes.get(path);
    if (handler) {
      handler(req, res, url);
      return;
    }
    const body = JSON.stringify({ error: 'not found' });
    res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (this.ws?.handleUpgrade(req, socket, head, url)) return;
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
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.node.shutdown(DisconnectCode.shutdown, 'shutdown');
    this.server.closeIdleConnections();
    const timer = setTimeout(() => {
      this.log.warn('shutdown timeout: dropping remaining connections');
      this.ws?.terminateAll();
      this.mqtt?.terminateAll();
      this.server.closeAllConnections();
    }, timeout);
    timer.unref();
    await Promise.all([serverClosed, this.grpc?.close(), this.mqtt?.close()]);
    clearTimeout(timer);
    this.ws?.close();
    this.node.close();
    await this.tokenBroker?.close();
    await this.revocations?.close();
    for (const engine of this.engines) if (isCloser(engine)) await engine.close();
    this.proxies.close();
    this.wheel.close();
    this.log.info('stopped');
  }
}
