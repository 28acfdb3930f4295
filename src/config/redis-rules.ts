import type { RuleViolation } from './rules.js';
import type { ParsedConfig } from './schema.js';
import type { RedisConfig } from './types.js';

/*
 * Checks of the Redis sections in use (`engine.redis`, `broker.redis`, `presence_manager.redis`,
 * `map_broker.redis`) and of the `broker` and `presence_manager` switches that pick them.
 */

/** Server addresses that are there, and a Sentinel master name with Sentinel addresses. */
export function redisAddressRule(r: RedisConfig, section: string): RuleViolation | undefined {
  for (const [k, list] of [['address', r.address], ['cluster_address', r.clusterAddress], ['sentinel_address', r.sentinelAddress]] as const) {
    const empty = list.findIndex((a) => a.trim() === '');
    if (empty >= 0) return { key: `${section}.${k}[${empty}]`, detail: 'empty: expected a Redis address like "redis://127.0.0.1:6379"' };
  }
  if (r.sentinelAddress.length > 0 && r.sentinelMasterName === '') {
    return { key: `${section}.sentinel_master_name`, detail: `required with ${section}.sentinel_address` };
  }
  return undefined;
}

/** A client certificate comes with its key, and a key with its certificate: every client `tls` block (Redis sections, consumers). */
export function clientTlsRule(r: Pick<RedisConfig, 'tls'>, section: string): RuleViolation | undefined {
  const t = r.tls;
  if (!t.enabled) return undefined;
  if (t.certPem && !t.keyPem) return { key: `${section}.tls.key_pem`, detail: `required with ${section}.tls.cert_pem: a client certificate needs its private key` };
  if (t.keyPem && !t.certPem) return { key: `${section}.tls.cert_pem`, detail: `required with ${section}.tls.key_pem: a private key needs its client certificate` };
  return undefined;
}

/** Both checks of one Redis section. */
export function redisRules(r: RedisConfig, section: string): RuleViolation | undefined {
  return redisAddressRule(r, section) ?? clientTlsRule(r, section);
}

/**
 * An enabled broker of a type Parsec has, and the Redis sections the engine, broker and
 * presence manager use. As in Centrifugo, the engine runs unless both the broker and the
 * presence manager are enabled, and a disabled section is not read.
 */
export function engineRules(c: ParsedConfig): RuleViolation | undefined {
  const b = c.broker;
  if (b.enabled && (b.type === 'redisnats' || b.type === 'postgres')) {
    const name = b.type === 'redisnats' ? 'the redisnats broker (Redis + NATS)' : 'the postgres broker';
    return { key: 'broker.type', detail: `${name} is not supported by Parsec; use "redis", "nats" or "memory"` };
  }
  const pm = c.presenceManager;
  const engineRuns = !b.enabled || !pm.enabled;
  return (
    (engineRuns && c.engine.type === 'redis' ? clientTlsRule(c.engine.redis, 'engine.redis') : undefined) ??
    (b.enabled && b.type === 'redis' ? redisRules(b.redis, 'broker.redis') : undefined) ??
    (pm.enabled && pm.type === 'redis' ? redisRules(pm.redis, 'presence_manager.redis') : undefined)
  );
}
