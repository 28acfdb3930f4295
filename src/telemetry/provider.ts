import { diag, DiagLogLevel } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import { batchOptions, exportProtocol, sampler, type Env, type ExportProtocol } from './env.js';
import { SdkTracer } from './sdk-tracer.js';
import type { Tracer } from './tracer.js';

/** The SDK's warnings and export failures: one log line of each per this many ms. */
const ERROR_LOG_INTERVAL_MS = 60_000;

/** The running SDK: one tracer for every kind of traced work. */
export interface Provider {
  readonly tracer: Tracer;
  readonly protocol: ExportProtocol;
  /** Sends the queued spans and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * One SDK tracer provider exporting over OTLP/HTTP in batches, off the request path. Its
 * resource names the service (`parsec`, or OTEL_SERVICE_NAME), version and node; the
 * environment's OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over these defaults.
 * @throws ConfigError naming the OTEL_* variable whose value cannot be used
 */
export function startProvider(env: Env, instanceId: string, version: string, log: Logger): Provider {
  const protocol = exportProtocol(env);
  const defaults = resourceFromAttributes({ 'service.name': 'parsec', 'service.version': version, 'service.instance.id': instanceId });
  const provider = new TracerProvider({
    sampler: sampler(env),
    resource: defaults.merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [new BatchSpanProcessor({ exporter: protocol === 'http/json' ? new JsonExporter() : new ProtobufExporter(), ...batchOptions(env) })],
  });
  reportErrorsTo(log);
  return { tracer: new SdkTracer(provider.getTracer('parsec', version)), protocol, shutdown: () => provider.shutdown() };
}

/**
 * At most one line per interval, with the count of those left out since the last one: export
 * failures repeat every batch while a collector is down, and "dropped spans" every time the
 * queue overflows under load, which would otherwise cost a log line per burst.
 */
function throttled(write: (fields: Record<string, unknown>, message: string) => void): (fields: Record<string, unknown>, message: string) => void {
  let lastLogged = 0;
  let suppressed = 0;
  return (fields, message) => {
    const now = Date.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    write({ ...fields, suppressed }, message);
    lastLogged = now;
    suppressed = 0;
  };
}

/**
 * The SDK reports through process-wide hooks (its diag logger and error handler): route them
 * to the log, each at most once a minute.
 */
function reportErrorsTo(log: Logger): void {
  const exportFailed = throttled((fields, message) => log.warn(fields, message));
  setGlobalErrorHandler((err) => exportFailed({ err }, 'opentelemetry export failed'));
  const line = (level: 'warn' | 'error') => {
    const write = throttled((fields, message) => log[level](fields, message));
    return (message: string, ...args: unknown[]) => write({ details: args.length > 0 ? args : undefined }, message);
  };
  diag.setLogger({ error: line('error'), warn: line('warn'), info: () => undefined, debug: () => undefined, verbose: () => undefined }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
