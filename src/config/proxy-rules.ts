import type { RuleViolation } from './rules.js';
import type { ProxyConfig } from './types.js';

const ASCII = /^[\x00-\x7f]*$/;
// Centrifugo's bound: what fits a WebSocket close frame's reason with room to spare.
const MAX_REASON = 123;

/** A proxy's `http.tls`/`grpc.tls` and `http.status_to_code_transforms`, checked as Centrifugo does (plus the disconnect code range). */
export function proxyOptionsProblem(p: ProxyConfig, at: string): RuleViolation | undefined {
  return tlsProblem(p.http.tls, `${at}.http.tls`) ?? tlsProblem(p.grpc.tls, `${at}.grpc.tls`) ?? transformsProblem(p.http.statusToCodeTransforms, `${at}.http.status_to_code_transforms`);
}

function tlsProblem(t: ProxyConfig['http']['tls'], at: string): RuleViolation | undefined {
  if (!t.enabled) return undefined;
  // Centrifugo silently drops a certificate without its key; a client certificate half given is a mistake.
  if (t.certPem && !t.keyPem) return { key: `${at}.key_pem`, detail: 'the client certificate in cert_pem needs its private key' };
  if (t.keyPem && !t.certPem) return { key: `${at}.cert_pem`, detail: 'the private key in key_pem needs its client certificate' };
  return undefined;
}

function transformsProblem(ts: ProxyConfig['http']['statusToCodeTransforms'], section: string): RuleViolation | undefined {
  for (const [i, t] of ts.entries()) {
    const at = `${section}[${i}]`;
    if (t.statusCode === 0) return { key: `${at}.status_code`, detail: 'expected an HTTP status code' };
    const error = t.toError.code > 0;
    const disconnect = t.toDisconnect.code > 0;
    if (!error && !disconnect) return { key: at, detail: 'expected to_error.code or to_disconnect.code' };
    if (error && disconnect) return { key: at, detail: 'expected to_error or to_disconnect, not both' };
    if (disconnect && (t.toDisconnect.code < 3000 || t.toDisconnect.code > 4999)) return { key: `${at}.to_disconnect.code`, detail: 'expected a disconnect code from 3000 to 4999' };
    for (const [text, key] of [[t.toError.message, 'to_error.message'], [t.toDisconnect.reason, 'to_disconnect.reason']] as const) {
      if (!ASCII.test(text)) return { key: `${at}.${key}`, detail: 'must be ASCII' };
      if (text.length > MAX_REASON) return { key: `${at}.${key}`, detail: `expected at most ${MAX_REASON} characters` };
    }
  }
  return undefined;
}
