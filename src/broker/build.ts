import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BearerVerifier, hmacSigningKey, type JwksKeySource, privateSigningKey, SigningKeyError, type SigningKey } from '../auth/index.js';
import { ConfigError, ConfigErrorCode } from '../config/index.js';
import type { Config, TokenBrokerConfig } from '../config/types.js';
import { ClientAddress, systemClock, type Clock } from '../lib/index.js';
import type { Metrics } from '../metrics/index.js';
import type { RevocationStore } from '../node/index.js';
import { MemoryAudit, type AuditStore } from './audit.js';
import { ApiKeyAuthenticator, ChainAuthenticator, HookAuthenticator, JwksAuthenticator, type Authenticator } from './authenticator.js';
import { allowAll, HookAuthorizer, RoleAuthorizer, type Authorizer } from './authorizer.js';
import { BrokerHttp, type AdminAuthenticator, type OriginPolicy } from './http.js';
import { MemoryRevocations } from './memory-revocations.js';
import { PostgresAudit } from './postgres-audit.js';
import { RateLimiter } from './rate-limiter.js';
import { RedisRevocations } from './redis-revocations.js';
import { TokenBroker, type RevocationBroadcast } from './token-broker.js';

/**
 * The configured revocation store: in memory, or in Redis with a client the caller
 * connected (from `engine.redis`); the store owns and closes that client.
 */
export function createRevocationStore(cfg: TokenBrokerConfig['revocations'], redis: { client: Redis | Cluster; prefix: string } | undefined, clock: Clock = systemClock): RevocationStore {
  if (cfg.store === 'redis') {
    if (!redis) throw new Error('the Redis revocation store needs a Redis client');
    return new RedisRevocations({ client: redis.client, prefix: redis.prefix, clock, maxTtl: cfg.maxTtl, ownsClient: true });
  }
  return new MemoryRevocations({ clock, maxTtl: cfg.maxTtl, pruneInterval: cfg.pruneInterval });
}

function signingKeyOf(cfg: TokenBrokerConfig, hmacSecret: string, readFile: (file: string, key: string) => string, source: string | null): SigningKey {
  const fromPem = (pem: string, key: string): SigningKey => {
    try {
      return privateSigningKey(pem);
    } catch (err) {
      if (err instanceof SigningKeyError) throw new ConfigError(ConfigErrorCode.invalid, key, source, err.message, { cause: err });
      throw err;
    }
  };
  if (cfg.signingPrivateKey) return fromPem(cfg.signingPrivateKey, 'parsec.token_broker.signing_private_key');
  if (cfg.signingPrivateKeyFile) {
    const key = 'parsec.token_broker.signing_private_key_file';
    return fromPem(readFile(cfg.signingPrivateKeyFile, key), key);
  }
  // The config rules made sure one of the two secrets is set.
  return hmacSigningKey(cfg.signingKey || hmacSecret);
}

/** Who may call, and the IdP key source when callers are checked by JWKS. */
function authenticatorOf(
  cfg: TokenBrokerConfig['authenticator'],
  clock: Clock,
  log: Logger,
  jwksCa: string | undefined,
  metrics: Metrics,
): { users: Authenticator; jwks?: JwksKeySource } {
  const services = Object.keys(cfg.apiKeys).length > 0 ? new ApiKeyAuthenticator(cfg.apiKeys) : undefined;
  switch (cfg.type) {
    case 'api_keys':
      return { users: new ChainAuthenticator(services, undefined) };
    case 'hook':
      return { users: new ChainAuthenticator(services, new HookAuthenticator(cfg.hookUrl, cfg.hookTimeout)) };
    case 'jwks': {
      const onJwksFetch = (ok: boolean, seconds: number): void => metrics.jwks.fetched('token_broker', ok, seconds);
      const verifier = new BearerVerifier({ endpoint: cfg.endpoint, audience: cfg.audience, issuer: cfg.issuer, scope: '', ca: jwksCa, clock, log, onJwksFetch });
      return { users: new ChainAuthenticator(services, new JwksAuthenticator(verifier, cfg.userIdClaim)), jwks: verifier.jwks };
    }
  }
}

function authorizerOf(cfg: TokenBrokerConfig['authorizer']): Authorizer {
  switch (cfg.type) {
    case 'allow_all':
      return allowAll;
    case 'roles':
      return new RoleAuthorizer(cfg);
    case 'hook':
      return new HookAuthorizer(cfg.hookUrl, cfg.hookTimeout);
  }
}

export interface TokenBrokerParts {
  config: Readonly<Config>;
  revocations: RevocationStore;
  /** Whether a user is blocked (the node's block set): no token is issued for them. */
  isBlocked: (user: string) => boolean;
  broadcast: RevocationBroadcast;
  admin: AdminAuthenticator;
  /** Browser origins allowed to call the routes. */
  origins: OriginPolicy;
  clock: Clock;
  log: Logger;
  /** Extra CA for the IdP's JWKS endpoint (`parsec.token_broker.authenticator.tls`). */
  jwksCa?: string;
  /** Reads a PEM file named by a config key, failing with a ConfigError naming it. */
  readFile: (file: string, key: string) => string;
  metrics: Metrics;
}

/** A running token broker: its HTTP routes and what to close. */
export interface RunningTokenBroker {
  http: BrokerHttp;
  /** The IdP key source callers are checked against (`authenticator.type: jwks`), for readiness. */
  jwks?: JwksKeySource;
  /** Closes the audit store (the revocation store belongs to whoever created it); idempotent. */
  close(): Promise<void>;
}

/** Builds the broker from `parsec.token_broker`/`parsec.audit`; connects PostgreSQL when an audit DSN is set. */
export async function startTokenBroker(p: TokenBrokerParts): Promise<RunningTokenBroker> {
  const { parsec } = p.config;
  const cfg = parsec.tokenBroker;
  const log = p.log.child({ component: 'token_broker' });
  if (cfg.authorizer.type === 'allow_all') log.warn('parsec.token_broker.authorizer.type is allow_all: every requested channel is granted (development only)');
  const audit: AuditStore = parsec.audit.postgresDsn ? await PostgresAudit.start(parsec.audit.postgresDsn, parsec.audit.postgresTable) : new MemoryAudit(parsec.audit.memorySize);
  const broker = new TokenBroker({
    config: cfg,
    channelLimit: p.config.client.channelLimit,
    channelMaxLength: p.config.channel.maxLength,
    signingKey: signingKeyOf(cfg, p.config.client.token.hmacSecretKey, p.readFile, p.config.source),
    authorizer: authorizerOf(cfg.authorizer),
    revocations: p.revocations,
    isBlocked: p.isBlocked,
    audit,
    broadcast: p.broadcast,
    clock: p.clock,
    log,
    metrics: p.metrics.tokenBroker,
  });
  const { users, jwks } = authenticatorOf(cfg.authenticator, p.clock, log, p.jwksCa, p.metrics);
  const http = new BrokerHttp({
    broker,
    origins: p.origins,
    prefix: cfg.prefix.replace(/\/+$/, ''),
    users,
    admin: p.admin,
    limiter: new RateLimiter({ clock: p.clock, ...cfg.rateLimit }),
    remote: new ClientAddress(parsec.trustedProxies),
    maxBodySize: cfg.maxRequestBodySize,
    log,
  });
  let closed: Promise<void> | undefined;
  return {
    http,
    jwks,
    close: () => (closed ??= audit.close()),
  };
}
