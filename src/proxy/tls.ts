import { pemData } from '../config/index.js';
import type { ProxyTlsConfig } from '../config/types.js';

/** A proxy's `tls` block read into what a TLS client takes; PEMs are read once, at start. */
export interface BackendTls {
  /** Replaces the system's CAs, as Go's RootCAs does in Centrifugo. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** SNI and the name checked in the backend's certificate; the endpoint's host when absent. */
  serverName?: string;
  insecureSkipVerify: boolean;
}

/**
 * `t` (at config key `at`, e.g. `proxies[0].http.tls`) read, or undefined when it is off.
 * @throws ConfigError naming the key when a PEM is neither text, a readable file nor base64 of PEM
 */
export function backendTls(t: ProxyTlsConfig, at: string): BackendTls | undefined {
  if (!t.enabled) return undefined;
  const read = (value: string, key: string): Buffer | undefined => (value ? pemData(value, `${at}.${key}`) : undefined);
  return {
    ca: read(t.serverCaPem, 'server_ca_pem'),
    cert: read(t.certPem, 'cert_pem'),
    key: read(t.keyPem, 'key_pem'),
    serverName: t.serverName || undefined,
    insecureSkipVerify: t.insecureSkipVerify,
  };
}
