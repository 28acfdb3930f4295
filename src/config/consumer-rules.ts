import { SUPPORTED_CONSUMER_TYPES, type ConsumerConfig } from './consumers-schema.js';
import { clientTlsRule } from './redis-rules.js';
import type { RuleViolation } from './rules.js';

// A table name, optionally schema-qualified: it is interpolated into SQL, so nothing else gets through.
const SQL_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/i;
// A LISTEN channel is an identifier too.
const SQL_IDENT = /^[a-z_][a-z0-9_]*$/i;

/**
 * Checks of `consumers[]`: unique names, and for every enabled consumer a type Parsec runs
 * with the keys that type needs. Disabled consumers are not checked beyond their name, as
 * Centrifugo skips them.
 */
export function consumerRules(consumers: readonly ConsumerConfig[]): RuleViolation | undefined {
  const seen = new Set<string>();
  for (const [i, c] of consumers.entries()) {
    const at = `consumers[${i}]`;
    if (seen.has(c.name)) return { key: `${at}.name`, detail: `"${c.name}" is the name of an earlier consumer; names must be unique` };
    seen.add(c.name);
    if (!c.enabled) continue;
    if (!SUPPORTED_CONSUMER_TYPES.has(c.type)) {
      return {
        key: `${at}.type`,
        detail: `consumer "${c.name}": type "${c.type}" is not supported by Parsec (supported: ${[...SUPPORTED_CONSUMER_TYPES].join(', ')}); set enabled: false or remove it`,
      };
    }
    const broken = c.type === 'postgresql' ? postgresql(c, at) : c.type === 'redis_stream' ? redisStream(c, at) : natsJetStream(c, at);
    if (broken) return broken;
  }
  return undefined;
}

function postgresql(c: ConsumerConfig, at: string): RuleViolation | undefined {
  const p = c.postgresql;
  const key = `${at}.postgresql`;
  if (!p.dsn) return { key: `${key}.dsn`, detail: `consumer "${c.name}": a PostgreSQL DSN is required` };
  if (!SQL_NAME.test(p.outboxTableName)) {
    return { key: `${key}.outbox_table_name`, detail: `consumer "${c.name}": expected a table name (letters, digits, "_", optionally schema-qualified), got ${JSON.stringify(p.outboxTableName)}` };
  }
  if (p.partitionNotificationChannel && !SQL_IDENT.test(p.partitionNotificationChannel)) {
    return { key: `${key}.partition_notification_channel`, detail: `consumer "${c.name}": expected an identifier (letters, digits, "_"), got ${JSON.stringify(p.partitionNotificationChannel)}` };
  }
  if (p.partitionPollInterval <= 0) return { key: `${key}.partition_poll_interval`, detail: 'must be greater than 0' };
  if (p.tls.enabled) {
    // node-postgres lets a DSN's own ssl settings win over the tls block: say it rather than ignore one.
    for (const [dsnKey, dsn] of [['dsn', p.dsn], ['partition_notification_dsn', p.partitionNotificationDsn]] as const) {
      if (/(^|[?&\s])ssl[a-z]*=/i.test(dsn)) return { key: `${key}.${dsnKey}`, detail: `consumer "${c.name}": has ssl settings of its own while ${key}.tls.enabled is true; set TLS in one place` };
    }
  }
  return clientTlsRule(p, key);
}

function redisStream(c: ConsumerConfig, at: string): RuleViolation | undefined {
  const r = c.redisStream;
  const key = `${at}.redis_stream`;
  if (r.address.length === 0 && r.clusterAddress.length === 0 && r.sentinelAddress.length === 0) {
    return { key: `${key}.address`, detail: `consumer "${c.name}": a Redis address is required` };
  }
  if (r.address.length > 1 || r.clusterAddress.length > 1 || r.sentinelAddress.length > 1) {
    return { key: `${key}.address`, detail: `consumer "${c.name}": expected one Redis shard (a stream lives on one server)` };
  }
  if (r.streams.length === 0 || r.streams.some((s) => s === '')) return { key: `${key}.streams`, detail: `consumer "${c.name}": at least one stream name is required` };
  if (new Set(r.streams).size !== r.streams.length) return { key: `${key}.streams`, detail: `consumer "${c.name}": a stream is listed twice` };
  if (!r.consumerGroup) return { key: `${key}.consumer_group`, detail: `consumer "${c.name}": a consumer group name is required` };
  if (!r.payloadValue) return { key: `${key}.payload_value`, detail: 'must not be empty' };
  if (r.visibilityTimeout <= 0) return { key: `${key}.visibility_timeout`, detail: 'must be greater than 0' };
  if (r.publicationDataMode.enabled && !r.publicationDataMode.channelsValue) {
    return { key: `${key}.publication_data_mode.channels_value`, detail: `consumer "${c.name}": required when publication_data_mode.enabled is true` };
  }
  return clientTlsRule(r, key);
}

function natsJetStream(c: ConsumerConfig, at: string): RuleViolation | undefined {
  const n = c.natsJetstream;
  const key = `${at}.nats_jetstream`;
  if (!/^nats:\/\/[^\s]+$/.test(n.url)) return { key: `${key}.url`, detail: `consumer "${c.name}": expected nats://host:port, got ${JSON.stringify(n.url)}` };
  if (!n.streamName) return { key: `${key}.stream_name`, detail: `consumer "${c.name}": the JetStream stream name is required` };
  if (!n.durableConsumerName) return { key: `${key}.durable_consumer_name`, detail: `consumer "${c.name}": a durable consumer name is required` };
  if (/[\s.*>]/.test(n.durableConsumerName)) return { key: `${key}.durable_consumer_name`, detail: 'must not contain whitespace, ".", "*" or ">"' };
  if (n.publicationDataMode.enabled && !n.publicationDataMode.channelsHeader) {
    return { key: `${key}.publication_data_mode.channels_header`, detail: `consumer "${c.name}": required when publication_data_mode.enabled is true` };
  }
  return clientTlsRule(n, key);
}
