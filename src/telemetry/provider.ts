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

/** Export failures repeat every batch while a collector is down: one log line per this many ms. */
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
 * The SDK reports through process-wide hooks (its diag logger and error handler): route them
 * to the log, export failures at most once a minute with the count of those not logged.
 */
function reportErrorsTo(log: Logger): void {
  let lastLogged = 0;
  let suppressed = 0;
  setGlobalErrorHandler((err) => {
    const now = Date.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    log.warn({ err, suppressed }, 'opentelemetry export failed');
    lastLogged = now;
    suppressed = 0;
  });
  const line = (level: 'warn' | 'error') => (message: string, ...args: unknown[]) => log[level]({ details: args.length > 0 ? args : undefined }, message);
  diag.setLogger({ error: line('error'), warn: line('warn'), info: () => undefined, debug: () => undefined, verbose: () => undefined }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
