import type { TlsOptions } from 'nats';
import { identityCheck, urlHost } from './tls-identity.js';

/**
 * TLS to NATS (`broker.nats.tls`, a `nats_jetstream` consumer's `tls`), PEMs already read.
 * Node's `rejectUnauthorized` and `servername` reach the socket as they are: nats.js passes
 * its whole `tls` object to `tls.connect`.
 */
export interface NatsTls {
  /** The CA the server's certificate must chain to; Node's bundled roots when absent. */
  ca?: string;
  /** A client certificate and its key, for servers that verify clients. */
  cert?: string;
  key?: string;
  /** False only with `insecure_skip_verify`. */
  rejectUnauthorized: boolean;
  /** The name checked in the server's certificate (and sent as SNI) instead of the URL's host. */
  servername?: string;
}

/** A client TLS setting as the config reads it (config's ClientTls), for NATS. */
export function natsTlsOf(c: { ca?: Buffer; cert?: Buffer; key?: Buffer; serverName?: string; insecureSkipVerify: boolean }): NatsTls {
  return { ca: c.ca?.toString('utf8'), cert: c.cert?.toString('utf8'), key: c.key?.toString('utf8'), rejectUnauthorized: !c.insecureSkipVerify, servername: c.serverName };
}

/**
 * The `tls` option of a NATS connection to `servers`: nats.js hands Node no server name for
 * a server addressed by IP, so without a `servername` the certificate is checked against
 * the IPs of `servers` (see identityCheck).
 */
export function natsTlsOptions(tls: NatsTls, servers: readonly string[]): TlsOptions {
  const identity = tls.servername ? undefined : identityCheck(servers.map(urlHost).filter((h): h is string => h !== undefined));
  // nats.js types only its own TLS fields; the rest of the object goes to Node unchanged.
  return (identity ? { ...tls, checkServerIdentity: identity } : tls) as TlsOptions;
}
