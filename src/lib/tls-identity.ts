import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

export type IdentityCheck = (name: string, cert: PeerCertificate) => Error | undefined;

/**
 * How a client library's TLS connection should check the server's certificate, for the
 * libraries that hand Node no name for a server addressed by IP (nats.js, node-postgres):
 * Node then checks the certificate against "localhost". With `serverName` (a `server_name`
 * setting), the certificate must name it. Otherwise a name Node was given is checked, and
 * in place of "localhost" the IPs among `hosts` (the addresses dialled), as Go's clients
 * check the address they dial; a certificate naming any of them passes. Undefined when
 * Node's own check is right (no server name set, no host an IP).
 */
export function identityCheck(hosts: readonly string[], serverName?: string): IdentityCheck | undefined {
  if (serverName) return (_name, cert) => checkServerIdentity(serverName, cert);
  const ips = hosts.filter((h) => isIP(h) !== 0);
  if (ips.length === 0) return undefined;
  return (name, cert) => {
    if (name !== 'localhost') return checkServerIdentity(name, cert);
    let failure: Error | undefined;
    for (const host of [name, ...ips]) {
      failure = checkServerIdentity(host, cert);
      if (!failure) return undefined;
    }
    return failure;
  };
}

/** The host of a URL (`nats://10.0.0.5:4222`, `postgres://db:5432/x`), brackets of IPv6 taken off; undefined when it does not parse. */
export function urlHost(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}
