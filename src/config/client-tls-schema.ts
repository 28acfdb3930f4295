import { bool, section, str } from './fields.js';

/**
 * Centrifugo's `TLSConfig` as a client reads it (every Redis section, and the consumers'
 * connections to Redis, NATS and PostgreSQL): a client certificate (`cert_pem` + `key_pem`, each PEM text, a
 * path or base64), the CA the server's certificate is checked with, and the name checked in it
 * (`server_name`, also sent as SNI). `client_ca_pem`, the server side, is recognised only
 * (not-supported.ts).
 */
export const clientTlsSchema = section({
  enabled: bool(),
  cert_pem: str(),
  key_pem: str(),
  server_ca_pem: str(),
  server_ca_pem_file: str(),
  insecure_skip_verify: bool(),
  server_name: str(),
});
