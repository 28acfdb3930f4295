import { connect, Events, type ConnectionOptions, type NatsConnection, type Status } from 'nats';
import type { Logger } from 'pino';
import { formatDuration } from '../../config/index.js';
import { natsTlsOptions, type NatsTls } from '../../lib/index.js';
import { EngineError, EngineErrorCode } from '../errors.js';

/** A connection and what its status events say about it. */
export interface NatsLink {
  readonly nc: NatsConnection;
  /** False from a disconnect until the reconnect. */
  connected: boolean;
  /** Settles when the connection has closed and its end is logged. */
  readonly watched: Promise<void>;
}

/**
 * Connects once, giving up after `dialTimeout`; later reconnects never give up (as in
 * Centrifugo), because a node without its broker is useless but may yet recover.
 * @throws EngineError PARSEC_ENGINE_UNAVAILABLE naming `broker.nats.url` (and `broker.nats.tls` with TLS on).
 */
export async function connectNats(opts: { url: string; dialTimeout: number; tls?: NatsTls }): Promise<NatsConnection> {
  const servers = opts.url.split(',').map((s) => s.trim()).filter(Boolean);
  const options: ConnectionOptions = { servers, timeout: opts.dialTimeout, maxReconnectAttempts: -1, name: 'parsec' };
  if (opts.tls) options.tls = natsTlsOptions(opts.tls, servers);
  try {
    return await connect(options);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new EngineError(
      EngineErrorCode.unavailable,
      `broker.nats.url: cannot connect to NATS at ${opts.url} within ${formatDuration(opts.dialTimeout)} (broker.nats.dial_timeout): ${why}${tlsHint(opts.tls)}`,
      { cause: err },
    );
  }
}

/** What to check when a TLS connection fails: the handshake's error alone rarely names the setting. */
function tlsHint(tls: NatsTls | undefined): string {
  if (!tls) return '';
  const without = tls.cert ? '' : '; no client certificate was offered (broker.nats.tls.cert_pem, broker.nats.tls.key_pem), which a server that verifies clients requires';
  return `; check broker.nats.tls (server_ca_pem, server_name)${without}`;
}

/** Follows the connection's status: disconnects at warn, reconnects at info, an unexpected close at error. */
export function watchNats(nc: NatsConnection, log: Logger, closing: () => boolean): NatsLink {
  const link: { nc: NatsConnection; connected: boolean; watched: Promise<void> } = { nc, connected: true, watched: Promise.resolve() };
  const report = (s: Status): void => {
    switch (s.type) {
      case Events.Disconnect:
        link.connected = false;
        log.warn({ server: s.data }, 'nats disconnected');
        break;
      case Events.Reconnect:
        link.connected = true;
        log.info({ server: s.data }, 'nats reconnected');
        break;
      case Events.Error:
        log.warn({ error: s.data, permission: s.permissionContext }, 'nats error');
        break;
      case Events.LDM:
        log.warn({ server: s.data }, 'nats server entering lame duck mode');
        break;
      default:
        log.debug({ status: s.type, data: s.data }, 'nats status');
    }
  };
  const follow = async (): Promise<void> => {
    const statuses = nc.status();
    // nats.js 2.x leaves the status stream open after the connection closes; ending it
    // here lets the loop below finish.
    const ended = nc.closed().then((err) => {
      if (isStoppable(statuses)) statuses.stop();
      return err;
    });
    for await (const s of statuses) report(s);
    link.connected = false;
    const err = await ended;
    if (!closing()) log.error({ err }, 'nats connection closed for good: this node no longer sends or receives publications');
  };
  link.watched = follow().catch((err: unknown) => log.error({ err }, 'nats status watch failed'));
  return link;
}

/** nats.js hands out a QueuedIterator typed as a plain AsyncIterable; it can be stopped. */
function isStoppable(it: object): it is { stop(): void } {
  return typeof (it as { stop?: unknown }).stop === 'function';
}

/** `promise`, or a rejection once `ms` have passed; the timer never outlives the race. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EngineError(EngineErrorCode.unavailable, `nats ${what} timed out after ${formatDuration(ms)}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
