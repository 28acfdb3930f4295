import { loadConfig } from '../config/index.js';
import { Parsec } from '../app.js';
import { signHmacConnectionToken } from '../auth/index.js';
import cluster from 'node:cluster';
import { UsageError, intOption, parse } from './args.js';
import { runWorkers } from './workers.js';
import { watchParent } from './parent-watch.js';
import { demoConfig } from './demo.js';
import { pino, type DestinationStream } from 'pino';
import { closeSync, openSync } from 'node:fs';
import { ConfigError, ConfigErrorCode } from '../config/index.js';
import type { Config } from '../config/types.js';

export const serveHelp = `Usage: parsec serve [--config FILE] [--port N] [--address ADDR] [--workers N]

Runs the server. Without --config, starts in demo mode on 127.0.0.1 with an
ephemeral HMAC secret, API key and admin UI password, and prints a connection
token to try and the admin UI's address.

  -c, --config FILE   Centrifugo v6 style config (JSON, YAML or TOML)
  -p, --port N        overrides http_server.port
  -a, --address ADDR  overrides http_server.address
  -w, --workers N     run N processes sharing the port (needs engine.type redis, or a
                      shared broker with presence_manager redis)
  -h, --help          this help

Environment variables PARSEC_<KEY_PATH> override file values, e.g.
PARSEC_HTTP_SERVER_PORT=9000 or PARSEC_CLIENT_TOKEN_HMAC_SECRET_KEY=...`;

export async function serve(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    address: { type: 'string', short: 'a' },
    workers: { type: 'string', short: 'w' },
  });
  const { config: loaded, warnings } = loadConfig({ file: values.config, env: process.env });
  const base = values.config ? loaded : demoConfig(loaded);
  const config = {
    ...base,
    httpServer: {
      ...base.httpServer,
      address: values.address ?? base.httpServer.address,
      port: intOption(values.port, '--port', base.httpServer.port),
    },
  };
  const logger = pino({ level: config.log.level }, logDestination(config.log.file));
  const workers = intOption(values.workers, '--workers', 1);
  // Under `npm start`, npm losing its life must not leave this server running: stop as
  // on SIGTERM (the graceful path, workers included). npm sets npm_lifecycle_event.
  if (cluster.isPrimary && process.env.npm_lifecycle_event !== undefined) {
    watchParent(() => {
      logger.warn({ ppid: process.ppid }, 'npm, the parent process, exited; stopping');
      process.kill(process.pid, 'SIGTERM');
    });
  }
  if (workers > 1 && cluster.isPrimary) {
    if (!sharedByProcesses(config)) {
      throw new UsageError('--workers needs a broker and a presence manager that processes share: engine.type "redis", or an enabled broker (redis, nats) and presence_manager (redis)');
    }
    for (const w of warnings) logger.warn(w);
    return runWorkers(workers, logger);
  }
  if (cluster.isPrimary) for (const w of warnings) logger.warn(w);
  const app = await Parsec.start({ config, logger });
  if (!values.config) await printDemo(app, config.client.token.hmacSecretKey, config.httpApi.key, config.admin.password);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signal received');
    // The last lines reach a log.file before the process ends (pino writes to it asynchronously).
    const exit = (code: number) => logger.flush(() => process.exit(code));
    app.close().then(
      () => exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return new Promise<number>(() => {
    // Runs until a signal stops it.
  });
}

async function printDemo(app: Parsec, secret: string, apiKey: string, adminPassword: string): Promise<void> {
  const { port } = app.address();
  const now = Math.floor(Date.now() / 1000);
  const token = await signHmacConnectionToken(secret, { user: 'demo', ttl: 24 * 3600, now });
  const host = `localhost:${port}`;
  process.stdout.write(
    [
      '',
      'Parsec is running in demo mode (no --config): secrets below last until this process exits.',
      '',
      `  WebSocket URL:     ws://${host}/connection/websocket`,
      `  Token (user demo): ${token}`,
      `  HMAC secret:       ${secret}`,
      `  API key:           ${apiKey}`,
      `  Admin UI:          http://${host}${app.admin?.prefix ?? ''}/  (password: ${adminPassword})`,
      '',
      'Connect from Node or a browser with the centrifuge SDK:',
      `  const c = new Centrifuge('ws://${host}/connection/websocket', { token: '<token above>' });`,
      `  const sub = c.newSubscription('chat'); sub.on('publication', (ctx) => console.log(ctx.data));`,
      `  sub.subscribe(); c.connect(); sub.publish({ text: 'hello' });`,
      '',
      'For a real deployment: npx parsec genconfig, then npm start -- --config config.json',
      '',
    ].join('\n'),
  );
}

/**
 * `log.file`: the log appended to that file instead of stdout. Opened once here so a path
 * that can't be written stops the start naming the key; pino then writes to it
 * asynchronously, off the hot path.
 */
function logDestination(file: string): DestinationStream | undefined {
  if (file === '') return undefined;
  try {
    closeSync(openSync(file, 'a'));
  } catch (err) {
    throw new ConfigError(ConfigErrorCode.unreadable, 'log.file', null, `cannot write ${file}: ${(err as Error).message}`);
  }
  return pino.destination({ dest: file, append: true, sync: false });
}

/** Whether processes started on this config make one cluster: each shares the broker (PUB/SUB, history) and presence with the others. */
function sharedByProcesses(c: Readonly<Config>): boolean {
  const broker = c.broker.enabled ? c.broker.type !== 'memory' : c.engine.type === 'redis';
  const presence = c.presenceManager.enabled ? c.presenceManager.type === 'redis' : c.engine.type === 'redis';
  return broker && presence;
}
