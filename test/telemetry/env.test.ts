import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { ConfigError } from '../../src/config/index.js';
import { batchOptions, exportProtocol, sampler } from '../../src/telemetry/env.js';

/** Runs `fn`, expecting a ConfigError on `variable`; returns its message. */
function refused(variable: string, fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.key, variable);
    assert.equal(err.file, 'env');
    return err.message;
  }
  assert.fail(`${variable}: nothing refused`);
}

test('the export protocol: http/protobuf by default, the traces variable first, grpc refused', () => {
  assert.equal(exportProtocol({}), 'http/protobuf');
  assert.equal(exportProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), 'http/json');
  assert.equal(exportProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }), 'http/protobuf');
  assert.equal(
    refused('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', () => exportProtocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' })),
    'env: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: expected http/protobuf or http/json (Parsec exports spans over OTLP/HTTP), got grpc',
  );
});

test('the sampler: parent-based always-on by default, the standard names and a ratio', () => {
  assert.ok(sampler({}) instanceof ParentBasedSampler);
  assert.match(sampler({}).toString(), /AlwaysOnSampler/);
  assert.ok(sampler({ OTEL_TRACES_SAMPLER: 'always_on' }) instanceof AlwaysOnSampler);
  assert.ok(sampler({ OTEL_TRACES_SAMPLER: 'always_off' }) instanceof AlwaysOffSampler);
  assert.match(sampler({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).toString(), /0\.25/);
  assert.ok(sampler({ OTEL_TRACES_SAMPLER: 'traceidratio' }) instanceof TraceIdRatioBasedSampler);
  assert.match(sampler({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }).toString(), /ParentBased.*0\.5/);
  assert.match(refused('OTEL_TRACES_SAMPLER', () => sampler({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })), /expected one of always_on, .*got jaeger_remote$/);
  for (const arg of ['1.5', '-0.1', 'half']) {
    assert.match(refused('OTEL_TRACES_SAMPLER_ARG', () => sampler({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg })), /expected a sampling probability from 0 to 1/);
  }
});

test('batch tuning from OTEL_BSP_*, whole numbers only', () => {
  assert.deepEqual(batchOptions({}), {});
  assert.deepEqual(
    batchOptions({ OTEL_BSP_SCHEDULE_DELAY: '0', OTEL_BSP_EXPORT_TIMEOUT: '3000', OTEL_BSP_MAX_QUEUE_SIZE: '4096', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '256' }),
    { scheduledDelayMillis: 0, exportTimeoutMillis: 3000, maxQueueSize: 4096, maxExportBatchSize: 256 },
  );
  assert.match(refused('OTEL_BSP_SCHEDULE_DELAY', () => batchOptions({ OTEL_BSP_SCHEDULE_DELAY: '5s' })), /expected a whole number of milliseconds, got 5s/);
  assert.match(refused('OTEL_BSP_MAX_QUEUE_SIZE', () => batchOptions({ OTEL_BSP_MAX_QUEUE_SIZE: '0' })), /expected a whole number, got 0/);
});
