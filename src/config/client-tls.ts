import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError, ConfigErrorCode } from './errors.js';
import { pem, pemData } from './pem.js';
import type { ClientTlsConfig } from './types.js';

/**
 * A client's `tls` block (a proxy's calls to its backend, Redis, NATS) read into what a TLS
 * client takes; PEMs are read once, at start.
 */
export interface ClientTls {
  /** Replaces the system's CAs, as Go's RootCAs does in Centrifugo. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** SNI and the name checked in the server's certificate; the address's host when absent. */
  serverName?: string;
  insecureSkipVerify: boolean;
}

/**
 * `t` (at config key `at`, e.g. `proxies[0].http.tls`) read, or undefined when it is off.
 * @throws ConfigError naming the key when a PEM is neither text, a readable file nor base64 of
 * PEM, or OpenSSL cannot use it (a damaged certificate, a key that is not the certificate's)
 */
export function clientTls(t: ClientTlsConfig, at: string): ClientTls | undefined {
  if (!t.enabled) return undefined;
  const read = (value: string, key: string): Buffer | undefined => (value ? pemData(value, `${at}.${key}`) : undefined);
  const tls = {
    // Redis sections also take the CA as a file of its own.
    ca: read(t.serverCaPem, 'server_ca_pem') ?? (t.serverCaPemFile ? pem('', t.serverCaPemFile, `${at}.server_ca_pem_file`) : undefined),
    cert: read(t.certPem, 'cert_pem'),
    key: read(t.keyPem, 'key_pem'),
    serverName: t.serverName || undefined,
    insecureSkipVerify: t.insecureSkipVerify,
  };
  if (tls.ca !== undefined && !hasCertificate(tls.ca)) {
    // OpenSSL skips what it cannot parse in a CA bundle; Centrifugo refuses a bundle without one certificate.
    throw new ConfigError(ConfigErrorCode.invalid, `${at}.server_ca_pem`, null, 'no valid certificate found');
  }
  if (tls.cert !== undefined) usable({ cert: tls.cert, key: tls.key }, `${at}.cert_pem`);
  return tls;
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Whether a CA bundle holds at least one certificate that parses. */
function hasCertificate(bundle: Buffer): boolean {
  return (bundle.toString('utf8').match(CERTIFICATE) ?? []).some((block) => {
    try {
      new X509Certificate(block);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Loads a client certificate and its key into OpenSSL once, so that a broken PEM or a key
 * that is not the certificate's stops the start here rather than failing every handshake.
 */
function usable(options: SecureContextOptions, key: string): void {
  try {
    createSecureContext(options);
  } catch (err) {
    throw new ConfigError(ConfigErrorCode.invalid, key, null, `not usable for TLS: ${(err as Error).message}`, { cause: err });
  }
}
