import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig, loadConfig } from '../../src/config/index.js';
import { configError, tempConfig } from './helpers.js';

const OUTBOX = { dsn: 'postgres://u@db/app', outbox_table_name: 'centrifugo_outbox' };

test('no consumers by default; a Centrifugo consumers list loads with its defaults', (t) => {
  assert.deepEqual(defaultConfig().consumers, []);
  const file = tempConfig(
    t,
    'config.yaml',
    [
      'consumers:',
      '  - name: outbox',
      '    enabled: true',
      '    type: postgresql',
      '    postgresql: {dsn: "postgres://u@db/app", outbox_table_name: centrifugo_outbox, num_partitions: 4, partition_notification_channel: centrifugo_partition_change}',
      '  - name: streams',
      '    enabled: true',
      '    type: redis_stream',
      '    redis_stream: {address: "redis://127.0.0.1:6379", streams: [a, b], consumer_group: centrifugo}',
      '  - name: js',
      '    enabled: true',
      '    type: nats_jetstream',
      '    nats_jetstream: {stream_name: EVENTS, durable_consumer_name: centrifugo, subjects: ["events.>"]}',
    ].join('\n'),
  );
  const { config, warnings } = loadConfig({ file });
  assert.deepEqual(warnings, []);
  const [pgc, redis, js] = config.consumers;
  assert.equal(pgc!.maxAttempts, 0);
  assert.deepEqual(pgc!.postgresql, {
    dsn: 'postgres://u@db/app',
    outboxTableName: 'centrifugo_outbox',
    numPartitions: 4,
    partitionSelectLimit: 100,
    partitionPollInterval: 300,
    partitionNotificationChannel: 'centrifugo_partition_change',
    partitionNotificationDsn: '',
    useTryLock: false,
    tls: { enabled: false, certPem: '', keyPem: '', serverCaPem: '', serverCaPemFile: '', insecureSkipVerify: false, serverName: '' },
  });
  assert.deepEqual(redis!.redisStream.address, ['redis://127.0.0.1:6379']);
  assert.equal(redis!.redisStream.visibilityTimeout, 30_000);
  assert.equal(redis!.redisStream.numWorkers, 1);
  assert.equal(redis!.redisStream.payloadValue, 'payload');
  assert.equal(redis!.redisStream.methodValue, 'method');
  assert.equal(js!.natsJetstream.url, 'nats://127.0.0.1:4222');
  assert.equal(js!.natsJetstream.deliverPolicy, 'new');
  assert.equal(js!.natsJetstream.maxAckPending, 100);
  assert.equal(js!.natsJetstream.methodHeader, 'centrifugo-method');
});

test('kafka, aws_sqs, google_pub_sub and azure_service_bus are refused by consumers[i].type when enabled', (t) => {
  for (const type of ['kafka', 'aws_sqs', 'google_pub_sub', 'azure_service_bus']) {
    const file = tempConfig(t, 'config.json', JSON.stringify({ consumers: [{ name: 'ok', enabled: true, type: 'postgresql', postgresql: OUTBOX }, { name: 'q', enabled: true, type, [type]: { topics: ['x'] } }] }));
    const err = configError(() => loadConfig({ file }));
    assert.equal(err.key, 'consumers[1].type');
    assert.equal(err.file, file);
    assert.match(err.message, new RegExp(`consumer "q": type "${type}" is not supported by Parsec \\(supported: postgresql, redis_stream, nats_jetstream\\)`));
  }
});

test('disabled consumers are not checked and unknown types are named', (t) => {
  const disabled = tempConfig(t, 'config.json', JSON.stringify({ consumers: [{ name: 'k', enabled: false, type: 'kafka', kafka: { brokers: ['b:9092'] } }, { name: 'p', type: 'postgresql' }] }));
  const { config, warnings } = loadConfig({ file: disabled });
  assert.deepEqual(warnings, [`${disabled}: "consumers[*].kafka" is recognised but not supported yet (ignored)`]);
  assert.equal(config.consumers.length, 2);
  const unknown = tempConfig(t, 'config.json', JSON.stringify({ consumers: [{ name: 'r', enabled: true, type: 'rabbitmq' }] }));
  assert.equal(configError(() => loadConfig({ file: unknown })).key, 'consumers[0].type');
});

test('an enabled consumer needs the keys of its type, named in the error', (t) => {
  const cases: Array<[unknown, string]> = [
    [{ name: 'a', enabled: true, type: 'postgresql', postgresql: { outbox_table_name: 't' } }, 'consumers[0].postgresql.dsn'],
    [{ name: 'a', enabled: true, type: 'postgresql', postgresql: { dsn: 'postgres://x', outbox_table_name: 't; DROP TABLE x' } }, 'consumers[0].postgresql.outbox_table_name'],
    [{ name: 'a', enabled: true, type: 'postgresql', postgresql: { ...OUTBOX, partition_notification_channel: 'bad channel' } }, 'consumers[0].postgresql.partition_notification_channel'],
    [{ name: 'a', enabled: true, type: 'postgresql', postgresql: { ...OUTBOX, tls: { enabled: true, cert_pem: '/c.pem' } } }, 'consumers[0].postgresql.tls.key_pem'],
    [{ name: 'a', enabled: true, type: 'redis_stream', redis_stream: { consumer_group: 'g' } }, 'consumers[0].redis_stream.streams'],
    [{ name: 'a', enabled: true, type: 'redis_stream', redis_stream: { streams: ['s'] } }, 'consumers[0].redis_stream.consumer_group'],
    [{ name: 'a', enabled: true, type: 'redis_stream', redis_stream: { streams: ['s'], consumer_group: 'g', address: ['redis://a', 'redis://b'] } }, 'consumers[0].redis_stream.address'],
    [{ name: 'a', enabled: true, type: 'redis_stream', redis_stream: { streams: ['s'], consumer_group: 'g', publication_data_mode: { enabled: true, channels_value: '' } } }, 'consumers[0].redis_stream.publication_data_mode.channels_value'],
    [{ name: 'a', enabled: true, type: 'redis_stream', redis_stream: { streams: ['s'], consumer_group: 'g', tls: { enabled: true, cert_pem: '/c.pem' } } }, 'consumers[0].redis_stream.tls.key_pem'],
    [{ name: 'a', enabled: true, type: 'redis_stream', redis_stream: { streams: ['s'], consumer_group: 'g', tls: { enabled: true, key_pem: '/k.pem' } } }, 'consumers[0].redis_stream.tls.cert_pem'],
    [{ name: 'a', enabled: true, type: 'nats_jetstream', nats_jetstream: { durable_consumer_name: 'd' } }, 'consumers[0].nats_jetstream.stream_name'],
    [{ name: 'a', enabled: true, type: 'nats_jetstream', nats_jetstream: { stream_name: 'S' } }, 'consumers[0].nats_jetstream.durable_consumer_name'],
    [{ name: 'a', enabled: true, type: 'nats_jetstream', nats_jetstream: { stream_name: 'S', durable_consumer_name: 'd', deliver_policy: 'last' } }, 'consumers[0].nats_jetstream.deliver_policy'],
    [{ name: 'a', enabled: true, type: 'nats_jetstream', nats_jetstream: { stream_name: 'S', durable_consumer_name: 'd', tls: { enabled: true, key_pem: '/k.pem' } } }, 'consumers[0].nats_jetstream.tls.cert_pem'],
    [{ enabled: true, type: 'postgresql', postgresql: OUTBOX }, 'consumers[0].name'],
  ];
  for (const [entry, key] of cases) {
    const file = tempConfig(t, 'config.json', JSON.stringify({ consumers: [entry] }));
    assert.equal(configError(() => loadConfig({ file })).key, key, JSON.stringify(entry));
  }
  const twice = tempConfig(t, 'config.json', JSON.stringify({ consumers: [{ name: 'a', type: 'kafka' }, { name: 'a', type: 'kafka' }] }));
  assert.equal(configError(() => loadConfig({ file: twice })).key, 'consumers[1].name');
});

test("a redis_stream consumer's tls block takes a client certificate, server_name and insecure_skip_verify, as the Redis sections do", (t) => {
  const tls = { enabled: true, cert_pem: '/etc/c.pem', key_pem: '/etc/k.pem', server_ca_pem: '/etc/ca.pem', server_name: 'redis.internal', insecure_skip_verify: true };
  const file = tempConfig(t, 'config.json', JSON.stringify({ consumers: [{ name: 'a', enabled: true, type: 'redis_stream', redis_stream: { streams: ['s'], consumer_group: 'g', tls } }] }));
  const { config, warnings } = loadConfig({ file });
  assert.deepEqual(warnings, [], 'no "not supported yet" notice');
  assert.deepEqual(config.consumers[0]!.redisStream.tls, {
    enabled: true,
    certPem: '/etc/c.pem',
    keyPem: '/etc/k.pem',
    serverCaPem: '/etc/ca.pem',
    serverCaPemFile: '',
    serverName: 'redis.internal',
    insecureSkipVerify: true,
  });
});

test('max_attempts is a Parsec key of every consumer', (t) => {
  const file = tempConfig(t, 'config.json', JSON.stringify({ consumers: [{ name: 'a', enabled: true, type: 'postgresql', max_attempts: 5, postgresql: OUTBOX }] }));
  assert.equal(loadConfig({ file }).config.consumers[0]!.maxAttempts, 5);
});
