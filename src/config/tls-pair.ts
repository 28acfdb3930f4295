import type { RuleViolation } from './rules.js';
import type { TlsConfig } from './types.js';

/** A TLS block (`grpc_api.tls`, `uni_grpc.tls`, `parsec.mqtt.tls`) that is on needs a certificate and a key. */
export function tlsPair(t: TlsConfig, section: string): RuleViolation | undefined {
  if (!t.enabled) return undefined;
  if (!t.certPem && !t.certPemFile) return { key: `${section}.tls.cert_pem_file`, detail: `a certificate is required when ${section}.tls.enabled is true` };
  if (!t.keyPem && !t.keyPemFile) return { key: `${section}.tls.key_pem_file`, detail: `a private key is required when ${section}.tls.enabled is true` };
  return undefined;
}
