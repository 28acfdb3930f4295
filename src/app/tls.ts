import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../config/index.js';
import type { Config, JwksTlsConfig, TlsConfig } from '../config/types.js';

/** The CA bundle a JWKS endpoint is verified with, from the PEM text or its file. */
export function jwksCa(tls: JwksTlsConfig, key: string): string | undefined {
  if (!tls.enabled || (!tls.serverCaPem && !tls.serverCaPemFile)) return undefined;
  return pem(tls.serverCaPem, tls.serverCaPemFile, key).toString('utf8');
}

/** A PEM from its text or its file; a file that can't be read stops the start naming the key. */
export function pem(text: string, file: string, key: string): Buffer {
  if (text) return Buffer.from(text);
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError('PARSEC_CONFIG_UNREADABLE', key, null, `cannot read ${file}: ${(err as Error).message}`);
  }
}

/** A PEM as Centrifugo takes it: the text itself, a file path, or base64 of the text. */
function pemData(value: string, key: string): Buffer {
  if (value.includes('-----BEGIN')) return Buffer.from(value);
  if (existsSync(value)) return pem('', value, key);
  const decoded = Buffer.from(value, 'base64');
  if (decoded.includes('-----BEGIN')) return decoded;
  throw new ConfigError('PARSEC_CONFIG_UNREADABLE', key, null, 'expected PEM text, the path of a readable PEM file, or base64 of PEM text');
}

/** `http_server.tls` as Node's TLS options: a client CA asks every client for a certificate it signed. */
export function httpTls(t: Config['httpServer']['tls']): { cert: Buffer; key: Buffer; ca?: Buffer; requestCert: boolean; rejectUnauthorized: boolean } | undefined {
  if (!t.enabled) return undefined;
  const cert = pemData(t.certPem, 'http_server.tls.cert_pem');
  const key = pemData(t.keyPem, 'http_server.tls.key_pem');
  if (!t.clientCaPem) return { cert, key, requestCert: false, rejectUnauthorized: false };
  return { cert, key, ca: pemData(t.clientCaPem, 'http_server.tls.client_ca_pem'), requestCert: true, rejectUnauthorized: true };
}

/** A certificate and key for a gRPC or MQTT listener: each as PEM text, base64, a path in `*_pem`, or a path in `*_pem_file`. */
export function certKeyTls(t: TlsConfig, section: string): { cert: Buffer; key: Buffer } | undefined {
  if (!t.enabled) return undefined;
  const load = (text: string, file: string, what: 'cert' | 'key'): Buffer =>
    text ? pemData(text, `${section}.tls.${what}_pem`) : pem('', file, `${section}.tls.${what}_pem_file`);
  return { cert: load(t.certPem, t.certPemFile, 'cert'), key: load(t.keyPem, t.keyPemFile, 'key') };
}
