import type { Server } from 'node:net';

/** Why a listener could not bind, by the errno Node (or grpc-js, in its message) reports. */
const CAUSES = {
  EADDRINUSE: { on: 'port', reason: 'the port is already in use' },
  EACCES: { on: 'port', reason: 'this process may not use the port' },
  EADDRNOTAVAIL: { on: 'address', reason: 'the address is not one of this host' },
  ENOTFOUND: { on: 'address', reason: 'the host name does not resolve' },
} as const;
type Errno = keyof typeof CAUSES;

/**
 * A server that could not listen. `key` is the config key to change (`http_server.port`,
 * `grpc_api.address`…), so the CLI can say it in one line instead of a stack trace.
 */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly code = 'PARSEC_LISTEN_FAILED';
  readonly key: string;

  private constructor(key: string, where: string, reason: string, cause: unknown) {
    super(`${key}: cannot listen on ${where}: ${reason}`, { cause });
    this.key = key;
  }

  /**
   * `cause` as a ListenError when it is a bind failure, else `cause` itself (a bad TLS
   * certificate, say, is not the port's fault). `section` is the listener's config section
   * (`http_server`, `grpc_api`) and `keyPrefix` what precedes `port`/`address` in its keys
   * (`internal_` for `http_server.internal_port`); `address` '' means every interface.
   */
  static wrap(section: string, address: string, port: number, cause: unknown, keyPrefix = ''): unknown {
    // grpc-js has no `code` on its bind error, only the errno inside the message.
    const text = cause instanceof Error ? `${'code' in cause ? String(cause.code) : ''} ${cause.message}` : '';
    const errno = (Object.keys(CAUSES) as Errno[]).find((c) => text.includes(c));
    if (!errno) return cause;
    const host = address.includes(':') ? `[${address}]` : address || '*';
    return new ListenError(`${section}.${keyPrefix}${CAUSES[errno].on}`, `${host}:${port}`, CAUSES[errno].reason, cause);
  }
}

/**
 * Binds a server, turning a bind failure into a ListenError naming `<section>.<keyPrefix>port`
 * or `.address` (`http_server.internal_port` for keyPrefix `internal_`).
 */
export function listenOn(server: Server, section: string, address: string, port: number, keyPrefix = ''): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (err: Error): void => reject(ListenError.wrap(section, address, port, err, keyPrefix));
    server.once('error', failed);
    server.listen(port, address || undefined, () => {
      server.off('error', failed);
      resolve();
    });
  });
}
