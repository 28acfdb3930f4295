import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, type BatchSpanProcessorOptions, type Sampler } from '@opentelemetry/sdk-trace';
import { ConfigError, ConfigErrorCode } from '../config/index.js';

/*
 * OpenTelemetry's standard environment variables that the exporter package does not read
 * itself (it reads OTEL_EXPORTER_OTLP_ENDPOINT, _HEADERS, _TIMEOUT, _COMPRESSION and their
 * _TRACES_ forms). A bad value stops the start naming the variable.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** How spans travel to the collector: OTLP/HTTP with binary protobuf (the OTLP default) or JSON bodies. */
export type ExportProtocol = 'http/protobuf' | 'http/json';

function invalid(name: string, detail: string): ConfigError {
  return new ConfigError(ConfigErrorCode.invalid, name, 'env', detail);
}

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. */
export function exportProtocol(env: Env): ExportProtocol {
  const name = value(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const v = value(env, name) ?? 'http/protobuf';
  if (v === 'http/protobuf' || v === 'http/json') return v;
  throw invalid(name, `expected http/protobuf or http/json (Parsec exports spans over OTLP/HTTP), got ${v}`);
}

function ratio(env: Env): number {
  const raw = value(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (raw === undefined) return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw invalid('OTEL_TRACES_SAMPLER_ARG', `expected a sampling probability from 0 to 1, got ${raw}`);
  return n;
}

const SAMPLERS: Readonly<Record<string, (env: Env) => Sampler>> = {
  always_on: () => new AlwaysOnSampler(),
  always_off: () => new AlwaysOffSampler(),
  traceidratio: (env) => new TraceIdRatioBasedSampler(ratio(env)),
  parentbased_always_on: () => new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  parentbased_always_off: () => new ParentBasedSampler({ root: new AlwaysOffSampler() }),
  parentbased_traceidratio: (env) => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio(env)) }),
};

/** `OTEL_TRACES_SAMPLER` (+ `_ARG`); the default follows the caller's decision and samples every new trace. */
export function sampler(env: Env): Sampler {
  const name = value(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  const make = SAMPLERS[name];
  if (!make) throw invalid('OTEL_TRACES_SAMPLER', `expected one of ${Object.keys(SAMPLERS).join(', ')}, got ${name}`);
  return make(env);
}

const BATCH_VARIABLES = {
  scheduledDelayMillis: 'OTEL_BSP_SCHEDULE_DELAY',
  exportTimeoutMillis: 'OTEL_BSP_EXPORT_TIMEOUT',
  maxQueueSize: 'OTEL_BSP_MAX_QUEUE_SIZE',
  maxExportBatchSize: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
} as const satisfies Partial<Record<keyof BatchSpanProcessorOptions, string>>;

/** The batch processor's tuning, without its exporter. */
export type BatchTuning = Omit<BatchSpanProcessorOptions, 'exporter'>;

/** `OTEL_BSP_*`: how long spans wait to be sent in batches, and how many are kept (beyond that, new spans are dropped). */
export function batchOptions(env: Env): BatchTuning {
  const out: BatchTuning = {};
  for (const [option, name] of Object.entries(BATCH_VARIABLES) as Array<[keyof typeof BATCH_VARIABLES, string]>) {
    const raw = value(env, name);
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < (option === 'scheduledDelayMillis' ? 0 : 1)) throw invalid(name, `expected a whole number${option.endsWith('Millis') ? ' of milliseconds' : ''}, got ${raw}`);
    out[option] = n;
  }
  return out;
}
