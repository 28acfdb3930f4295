import { formatDuration } from './duration.js';
import type { RuleViolation } from './rules.js';
import type { ParsedConfig } from './schema.js';
import { tlsPair } from './tls-pair.js';

// A table name, optionally schema-qualified: it is interpolated into DDL, so nothing else gets through.
const SQL_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/i;

/** Checks of the `parsec` settings that span keys (`parsec.trusted_proxies` is checked in rules.ts). */
export function parsecRules(c: ParsedConfig): RuleViolation | undefined {
  return httpServer(c.parsec.httpServer) ?? tokenBroker(c) ?? audit(c.parsec.audit) ?? mqtt(c);
}

function httpServer(h: ParsedConfig['parsec']['httpServer']): RuleViolation | undefined {
  const at = 'parsec.http_server';
  // 0 would leave half-sent requests open for as long as the peer likes, which is what the key prevents.
  if (h.readHeaderTimeout <= 0) return { key: `${at}.read_header_timeout`, detail: 'must be greater than 0' };
  if (h.readTimeout > 0 && h.readTimeout < h.readHeaderTimeout) {
    return {
      key: `${at}.read_timeout`,
      detail: `must be 0 (no bound) or at least read_header_timeout, but ${formatDuration(h.readTimeout)} < ${formatDuration(h.readHeaderTimeout)}`,
    };
  }
  return undefined;
}

function tokenBroker(c: ParsedConfig): RuleViolation | undefined {
  const b = c.parsec.tokenBroker;
  if (!b.enabled) return undefined;
  const at = 'parsec.token_broker';
  if (!b.prefix.startsWith('/') || b.prefix.length < 2) return { key: `${at}.prefix`, detail: `expected a path like "/parsec", got ${JSON.stringify(b.prefix)}` };
  if (!b.signingKey && !b.signingPrivateKey && !b.signingPrivateKeyFile && !c.client.token.hmacSecretKey) {
    return {
      key: `${at}.signing_key`,
      detail: 'the token broker needs a key to sign with: set it, or signing_private_key(_file), or client.token.hmac_secret_key',
    };
  }
  if (b.maxTtl <= 0) return { key: `${at}.max_ttl`, detail: 'must be greater than 0' };
  if (b.defaultTtl <= 0 || b.defaultTtl > b.maxTtl) return { key: `${at}.default_ttl`, detail: 'must be greater than 0 and at most max_ttl' };
  const authn = b.authenticator;
  if (authn.type === 'jwks' && !/^https?:\/\//.test(authn.endpoint)) {
    return { key: `${at}.authenticator.endpoint`, detail: `expected the IdP's JWKS http(s):// URL, got ${JSON.stringify(authn.endpoint)}` };
  }
  if (authn.type === 'hook' && !/^https?:\/\//.test(authn.hookUrl)) return { key: `${at}.authenticator.hook_url`, detail: 'expected an http(s):// URL' };
  if (authn.type === 'api_keys' && Object.keys(authn.apiKeys).length === 0) {
    return { key: `${at}.authenticator.api_keys`, detail: 'at least one service key is needed when the type is api_keys' };
  }
  const emptyKey = Object.entries(authn.apiKeys).find(([, key]) => key.length < 16);
  if (emptyKey) return { key: `${at}.authenticator.api_keys.${emptyKey[0]}`, detail: 'a service key must be at least 16 characters' };
  if (b.authorizer.type === 'hook' && !/^https?:\/\//.test(b.authorizer.hookUrl)) {
    return { key: `${at}.authorizer.hook_url`, detail: 'expected an http(s):// URL' };
  }
  if (b.revocations.maxTtl < b.maxTtl) {
    return { key: `${at}.revocations.max_ttl`, detail: 'must be at least token_broker.max_ttl, or a revoked token could outlive its revocation' };
  }
  if (b.credentials.expiration > b.revocations.maxTtl) {
    return { key: `${at}.credentials.expiration`, detail: 'must be at most revocations.max_ttl, or a revoked credential could outlive its revocation' };
  }
  return undefined;
}

function audit(a: ParsedConfig['parsec']['audit']): RuleViolation | undefined {
  if (SQL_NAME.test(a.postgresTable)) return undefined;
  return { key: 'parsec.audit.postgres_table', detail: `expected a table name (letters, digits, "_", optionally "schema."), got ${JSON.stringify(a.postgresTable)}` };
}

function mqtt(c: ParsedConfig): RuleViolation | undefined {
  const m = c.parsec.mqtt;
  if (!m.enabled) return undefined;
  const at = 'parsec.mqtt';
  const { namespaceBoundary } = c.channel;
  if (m.namespace === '' || m.namespace.includes(namespaceBoundary)) {
    return { key: `${at}.namespace`, detail: `expected a namespace name without ${JSON.stringify(namespaceBoundary)}, got ${JSON.stringify(m.namespace)}` };
  }
  if (!c.channel.namespaces.some((n) => n.name === m.namespace)) {
    return { key: `${at}.namespace`, detail: `no namespace named ${JSON.stringify(m.namespace)} in channel.namespaces: declare it there (its history, presence and join/leave options apply to MQTT topics)` };
  }
  if (m.websocket.enabled && !m.websocket.path.startsWith('/')) {
    return { key: `${at}.websocket.path`, detail: `expected a path like "/mqtt", got ${JSON.stringify(m.websocket.path)}` };
  }
  const tls = tlsPair(m.tls, at);
  if (tls) return tls;
  const t = c.client.token;
  if (!t.hmacSecretKey && !t.rsaPublicKey && !t.ecdsaPublicKey && !t.ed25519PublicKey && !t.jwksPublicEndpoint) {
    return { key: `${at}.enabled`, detail: 'MQTT clients authenticate with connection tokens: configure client.token (hmac_secret_key, a public key or jwks_public_endpoint)' };
  }
  return undefined;
}
