import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { handleHealth } from './admin/index.js';
import { GrpcApi, HttpApi } from './api/index.js';
import { BearerVerifier, ServerApiAuthenticator, TokenVerifier } from './auth/index.js';
import { ConfigError } from './config/index.js';
import type { ApiJwksConfig, Config } from './config/types.js';
import { isCloser, type Broker, type PresenceManager } from './engine/index.js';
import { MemoryBroker, MemoryPresenceManager } from './engine/memory/index.js';
import { NatsBroker } from './engine/nats/index.js';
import { TimerWheel, packageVersion, systemClock, type Clock } from './lib/index.js';
import { Node } from './node/index.js';
import { DisconnectCode } from './protocol/index.js';
import { WebSocketHandler } from './transport/index.js';
import { hostname } from 'node:os';

export interface ParsecOptions {
  config: Readonly<Config>;
  logger?: Logger;
  clock?: Clock;
}

type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** The CA bundle a JWKS endpoint is verified with, from the PEM text or its file. */
function jwksCa(j: ApiJwksConfig, section: string): string | undefined {
  if (!j.tls.enabled) return undefined;
  if (j.tls.serverCaPem) return j.tls.serverCaPem;
  if (!j.tls.serverCaPemFile) return undefined;
  try {
    return readFileSync(j.tls.serverCaPemFile, 'utf8');
  } catch (err) {
    throw new ConfigError('PARSEC_CONFIG_UNREADABLE', `${section}.jwks.tls.server_ca_pem_file`, null, `cannot read ${j.tls.serverCaPemFile}: ${(err as Error).message}`);
  }
}

/** Server API authentication for one API section (HTTP or gRPC): key and/or JWKS Bearer tokens. */
function apiAuthenticator(cfg: { key: string; insecure: boolean; jwks: ApiJwksConfig }, clock: Clock, log: Logger, section = 'http_api'): ServerApiAuthenticator {
  const j = cfg.jwks;
  const bearer = j.enabled
    ? new BearerVerifier({ endpoint: j.endpoint, audience: j.audience, issuer: j.issuer, scope: j.scope, ca: jwksCa(j, section), clock, log })
    : undefined;
  return new ServerApiAuthenticator({ key: cfg.key, insecure: cfg.insecure, bearer });
}

/** What the CLI reports as "cannot start" (a broker it cannot reach, for one). */
export { EngineError } from './engine/index.js';

/**
 * The broker the config asks for. As in Centrifugo, `broker` counts only when enabled,
 * and presence stays with the engine (memory) whatever the broker.
 */
function brokerFor(config: Readonly<Config>, clock: Clock, log: Logger): Broker {
  const b = config.broker;
  if (!b.enabled) {
    if (b.type !== 'memory') log.warn({ type: b.type }, 'broker.type is set but broker.enabled is false: the engine is the broker');
    return new MemoryBroker({ clock });
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

/**
 * The composition root: builds the engine, the node, the transports and the HTTP
 * server from a config, and tears them down in reverse order.
 */
export class Parsec {
  readonly node: Node;
  readonly server: Server;
  readonly log: Logger;
  private readonly ws: WebSocketHandler | undefined;
  private readonly api: HttpApi;
  private readonly grpc: GrpcApi | undefined;
  private readonly routes = new Map<string, Route>();
  private readonly wheel: TimerWheel;
  private readonly engines: Array<Broker | PresenceManager>;
  private closed: Promise<void> | undefined;
  /** The bound gRPC API port, when `grpc_api.enabled`. */
  grpcPort: number | undefined;

  private constructor(readonly config: Readonly<Config>, opts: ParsecOptions) {
    const clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? pino({ level: config.log.level });
    this.wheel = new TimerWheel({ clock });
    const broker = brokerFor(config, clock, this.log);
    const presence = new MemoryPresenceManager();
    this.engines = [broker, presence];
    this.node = new Node({
      config,
      broker,
      presence,
      clock,
      wheel: this.wheel,
      logger: this.log,
      connectionTokens: new TokenVerifier(config.client.token, clock, this.log),
      subscriptionTokens: new TokenVerifier(config.client.subscriptionToken, clock, this.log),
      version: packageVersion(),
      name: config.node.name || hostname(),
    });
    if (!config.websocket.disabled) this.ws = new WebSocketHandler(this.node);
    this.api = new HttpApi(this.node, apiAuthenticator(config.httpApi, clock, this.log), config.httpApi);
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
    if (config.health.enabled) this.routes.set(config.health.handlerPrefix, (req, res) => handleHealth(this.node, req, res));
    this.server = createServer((req, res) => this.route(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  /**
   * Builds everything and listens on `http_server.address:port` (port 0 = any free port).
   * On failure (an unreachable broker, a port in use) whatever was started is closed again.
   */
  static async start(opts: ParsecOptions): Promise<Parsec> {
    const app = new Parsec(opts.config, opts);
    try {
      await app.listen();
    } catch (err) {
      await app.close();
      throw err;
    }
    const b = opts.config.broker;
    app.log.info(
      { address: app.address(), grpcPort: app.grpcPort, node: app.node.id, engine: opts.config.engine.type, broker: b.enabled ? b.type : undefined, version: app.node.deps.version },
      'parsec started',
    );
    return app;
  }

  /** Runs the node (connecting the broker), then binds the HTTP and gRPC servers. */
  private async listen(): Promise<void> {
    await this.node.run();
    const { address, port } = this.config.httpServer;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, address || undefined, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    if (this.grpc) {
      const { address: grpcAddress, port: grpcPort } = this.config.grpcApi;
      this.grpcPort = await this.grpc.start(grpcAddress || '0.0.0.0', grpcPort);
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
    const handler = this.routes.get(path);
    if (handler) {
      handler(req, res);
      return;
    }
    const body = JSON.stringify({ error: 'not found' });
    res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (this.ws?.handleUpgrade(req, socket, head, url)) return;
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
      this.server.closeAllConnections();
    }, timeout);
    timer.unref();
    await Promise.all([serverClosed, this.grpc?.close()]);
    clearTimeout(timer);
    this.ws?.close();
    for (const engine of this.engines) if (isCloser(engine)) await engine.close();
    this.wheel.close();
    this.log.info('stopped');
  }
}
