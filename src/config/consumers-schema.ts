import { z } from 'zod';
import { camelKeys } from './camel.js';
import { bool, duration, int, oneOf, section, str, strList } from './fields.js';
import { clientTlsSchema } from './client-tls-schema.js';

/*
 * `consumers[]`: asynchronous consumers of server API commands (Centrifugo v6 keys and
 * defaults). Parsec runs `postgresql`, `redis_stream` and `nats_jetstream`; the other
 * Centrifugo types are known so that an enabled one stops the start with a clear message
 * (consumer-rules.ts) instead of being ignored.
 */

/** Every consumer type Centrifugo v6 knows. */
export const CONSUMER_TYPES = ['postgresql', 'redis_stream', 'nats_jetstream', 'kafka', 'aws_sqs', 'google_pub_sub', 'azure_service_bus'] as const;

/** The types Parsec runs. */
export const SUPPORTED_CONSUMER_TYPES: ReadonlySet<string> = new Set(['postgresql', 'redis_stream', 'nats_jetstream']);

const postgresqlSchema = section({
  dsn: str(),
  outbox_table_name: str(),
  num_partitions: int(1, 1, 4096),
  partition_select_limit: int(100, 1, 100_000),
  partition_poll_interval: duration('300ms'),
  // LISTEN channel a trigger notifies with the partition number: rows are picked up at once instead of at the next poll.
  partition_notification_channel: str(),
  // A direct DSN for LISTEN when `dsn` goes through a transaction-pooling PgBouncer.
  partition_notification_dsn: str(),
  use_try_lock: bool(),
  tls: clientTlsSchema,
});

/*
 * Centrifugo's publication data mode: the message is the data to publish, and these entry
 * fields (Redis) or headers (JetStream) name its channels (comma-separated) and options.
 */
const redisDataMode = section({
  enabled: bool(),
  channels_value: str('centrifugo-channels'),
  idempotency_key_value: str('centrifugo-idempotency-key'),
  delta_value: str('centrifugo-delta'),
  version_value: str('centrifugo-version'),
  version_epoch_value: str('centrifugo-version-epoch'),
  tags_value_prefix: str('centrifugo-tag-'),
});

const natsDataMode = section({
  enabled: bool(),
  channels_header: str('centrifugo-channels'),
  idempotency_key_header: str('centrifugo-idempotency-key'),
  delta_header: str('centrifugo-delta'),
  version_header: str('centrifugo-version'),
  version_epoch_header: str('centrifugo-version-epoch'),
  tags_header_prefix: str('centrifugo-tag-'),
});

const addressList = () => z.union([z.string().transform((s) => [s]), z.array(z.string())]).default(['redis://127.0.0.1:6379']);

const redisStreamSchema = section({
  // Centrifugo's Redis connection keys (one shard: a stream lives on one server).
  address: addressList(),
  cluster_address: z.union([z.string().transform((s) => [s]), z.array(z.string())]).default(() => []),
  sentinel_address: z.union([z.string().transform((s) => [s]), z.array(z.string())]).default(() => []),
  sentinel_master_name: str(),
  sentinel_user: str(),
  sentinel_password: str(),
  db: int(0, 0, 1000),
  user: str(),
  password: str(),
  connect_timeout: duration('1s'),
  io_timeout: duration('4s'),
  // As the engine's Redis sections: a client certificate, CA, server_name, insecure_skip_verify.
  tls: clientTlsSchema,
  streams: strList(),
  consumer_group: str(),
  // An entry left unacknowledged this long (its consumer died, or gave up retrying) is claimed by another.
  visibility_timeout: duration('30s'),
  num_workers: int(1, 1, 1024),
  payload_value: str('payload'),
  method_value: str('method'),
  publication_data_mode: redisDataMode,
});

const natsJetStreamSchema = section({
  url: str('nats://127.0.0.1:4222'),
  credentials_file: str(),
  username: str(),
  password: str(),
  token: str(),
  stream_name: str(),
  use_existing_consumer: bool(),
  subjects: strList(),
  durable_consumer_name: str(),
  deliver_policy: oneOf(['new', 'all'], 'new'),
  max_ack_pending: int(100, 1),
  method_header: str('centrifugo-method'),
  publication_data_mode: natsDataMode,
  tls: clientTlsSchema,
});

export const consumerSchema = z
  .object({
    name: z.string().regex(/^[-a-zA-Z0-9_.]+$/, 'expected a name of letters, digits, "-", "_" or "."'),
    enabled: bool(),
    type: z.enum(CONSUMER_TYPES),
    // Not a Centrifugo key: deliveries of a command failing with a temporary error (engine
    // unavailable) after which it is logged and skipped; 0 = retry until it succeeds.
    max_attempts: int(0, 0),
    postgresql: postgresqlSchema,
    redis_stream: redisStreamSchema,
    nats_jetstream: natsJetStreamSchema,
    // The settings of the other types are recognised (not-supported.ts) and dropped.
  })
  .transform((o) => camelKeys(o));

export const consumersSchema = z.array(consumerSchema).default(() => []);

/** One `consumers[]` entry, camelCase, durations in ms. */
export type ConsumerConfig = z.output<typeof consumerSchema>;
export type PostgresConsumerConfig = ConsumerConfig['postgresql'];
export type RedisStreamConsumerConfig = ConsumerConfig['redisStream'];
export type NatsJetStreamConsumerConfig = ConsumerConfig['natsJetstream'];
