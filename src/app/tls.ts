import { clientTls, pem, pemData } from '../config/index.js';
import type { Config, JwksTlsConfig, TlsConfig } from '../config/types.js';
import { natsTlsOf, type NatsTls } from '../lib/index.js';

/** The CA bundle a JWKS endpoint is verified with, from the PEM text or its file. */
export function jwksCa(tls: JwksTlsConfig, key: string): string | undefined {
  if (!tls.enabled || (!tls.serverCaPem && !tls.serverCaPemFile)) return undefined;
  return pem(tls.serverCaPem, tls.serverCaPemFile, key).toString('utf8');
}

/** A listener's certificate and key, and the CA its clients' certificates must chain to when set (mutual TLS). */
export interface ListenerTls {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** An HTTP listener's TLS as Node's options: a client CA asks every client for a certificate it signed. */
export type HttpTls = ListenerTls & { requestCert: boolean; rejectUnauthorized: boolean };

/** A listener's TLS as Node's server options: with a client CA, clients must present a certificate it signed. */
export function nodeTls(l: ListenerTls): HttpTls {
  return { ...l, requestCert: l.ca !== undefined, rejectUnauthorized: l.ca !== undefined };
}

/** `http_server.tls` or `http_server.internal_tls` (`section`) as Node's TLS options. */
export function httpTls(t: Config['httpServer']['tls'], section = 'http_server.tls'): HttpTls | undefined {
  if (!t.enabled) return undefined;
  const cert = pemData(t.certPem, `${section}.cert_pem`);
  const key = pemData(t.keyPem, `${section}.key_pem`);
  return nodeTls(t.clientCaPem ? { cert, key, ca: pemData(t.clientCaPem, `${section}.client_ca_pem`) } : { cert, key });
}

/**
 * A certificate and key for a gRPC or MQTT listener: each as PEM text, base64, a path in
 * `*_pem`, or a path in `*_pem_file`; with `client_ca_pem`, the CA clients must present a
 * certificate of.
 */
export function certKeyTls(t: TlsConfig, section: string): ListenerTls | undefined {
  if (!t.enabled) return undefined;
  const load = (text: string, file: string, what: 'cert' | 'key'): Buffer =>
    text ? pemData(text, `${section}.tls.${what}_pem`) : pem('', file, `${section}.tls.${what}_pem_file`);
  const cert = load(t.certPem, t.certPemFile, 'cert');
  const key = load(t.keyPem, t.keyPemFile, 'key');
  return t.clientCaPem ? { cert, key, ca: pemData(t.clientCaPem, `${section}.tls.client_ca_pem`) } : { cert, key };
}

/** `broker.nats.tls` as the NATS client takes it, each PEM read now so a bad one stops the start naming its key. */
export function natsTls(t: Config['broker']['nats']['tls']): NatsTls | undefined {
  const c = clientTls(t, 'broker.nats.tls');
  return c && natsTlsOf(c);
}
