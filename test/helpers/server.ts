import { pino, type Logger } from 'pino';
import { Parsec } from '../../src/app.js';
import { defaultConfig } from '../../src/config/index.js';
import type { ChannelOptions, Config, NamespaceConfig } from '../../src/config/types.js';
import type { Clock } from '../../src/lib/index.js';

export const SECRET = 'test-secret-key-with-enough-length';

/** A config for tests: loopback, port 0, fast keepalive off unless asked, HMAC secret set. */
export function testConfig(edit?: (c: Config) => void): Config {
  const c = structuredClone(defaultConfig()) as Config;
  c.httpServer = { ...c.httpServer, address: '127.0.0.1', port: 0 };
  c.log.level = 'silent';
  c.client.token.hmacSecretKey = SECRET;
  c.shutdown.timeout = 2000;
  edit?.(c);
  return c;
}

export function namespace(name: string, opts: Partial<ChannelOptions>): NamespaceConfig {
  return { ...structuredClone(defaultConfig().channel.withoutNamespace), ...opts, name };
}

export interface TestServer {
  app: Parsec;
  url: string;
  httpUrl: string;
  close(): Promise<void>;
}

/**
 * Starts a server; `logger` replaces the default (silent unless PARSEC_TEST_LOG sets a level),
 * `clock` the system clock.
 */
export async function startServer(
  config: Config,
  logger: Logger = pino({ level: process.env.PARSEC_TEST_LOG ?? 'silent' }),
  clock?: Clock,
): Promise<TestServer> {
  const app = await Parsec.start({ config, logger, clock });
  const { port } = app.address();
  return {
    app,
    url: `ws://127.0.0.1:${port}/connection/websocket`,
    httpUrl: `http://127.0.0.1:${port}`,
    close: () => app.close(),
  };
}
