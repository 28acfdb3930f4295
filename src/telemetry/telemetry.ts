import type { Logger } from 'pino';
import type { Config } from '../config/types.js';
import type { Env } from './env.js';
import type { Provider } from './provider.js';
import { noTracer, type Tracer } from './tracer.js';

export interface TelemetryOptions {
  /**
   * `opentelemetry` (`enabled`: without it nothing is traced and no OpenTelemetry package is
   * loaded; `api`: server API calls, HTTP and gRPC; `consuming`: commands applied from async
   * consumers) and `parsec.opentelemetry` (`proxy`: calls to application backends).
   */
  config: Pick<Config, 'opentelemetry'> & { parsec: Pick<Config['parsec'], 'opentelemetry'> };
  /** `service.instance.id`: the node id, so that several nodes' spans stay apart. */
  instanceId: string;
  version: string;
  log: Logger;
  /** Where OTEL_* variables are read; the exporter reads its own from process.env. @default process.env */
  env?: Env;
}

/** `OTEL_SDK_DISABLED=true` turns tracing off whatever the config says, as in every OpenTelemetry SDK. */
function sdkDisabled(env: Env): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
}

/**
 * Tracing as the config asks: a Tracer for each kind of work, the SDK's own for the kinds
 * traced and `noTracer` for the others.
 */
export class Telemetry {
  private stopped: Promise<void> | undefined;

  private constructor(
    readonly api: Tracer,
    readonly proxy: Tracer,
    readonly consuming: Tracer,
    private readonly provider: Provider | undefined,
    private readonly log: Logger,
  ) {}

  /** @throws ConfigError naming the OTEL_* variable whose value cannot be used */
  static async start(opts: TelemetryOptions): Promise<Telemetry> {
    const env = opts.env ?? process.env;
    const log = opts.log.child({ component: 'opentelemetry' });
    const { enabled, api, consuming } = opts.config.opentelemetry;
    const { proxy } = opts.config.parsec.opentelemetry;
    const off = new Telemetry(noTracer, noTracer, noTracer, undefined, log);
    if (!enabled) return off;
    if (sdkDisabled(env)) {
      log.info('OTEL_SDK_DISABLED is true: opentelemetry.enabled is ignored, nothing is traced');
      return off;
    }
    const provider = (await import('./provider.js')).startProvider(env, opts.instanceId, opts.version, log);
    if (!api && !proxy && !consuming) log.warn('opentelemetry.enabled is on but api, consuming and parsec.opentelemetry.proxy are all off: nothing is traced');
    log.info({ protocol: provider.protocol, api, proxy, consuming, instance: opts.instanceId }, 'opentelemetry tracing enabled');
    const traced = (on: boolean): Tracer => (on ? provider.tracer : noTracer);
    return new Telemetry(traced(api), traced(proxy), traced(consuming), provider, log);
  }

  /**
   * Sends the spans still queued and stops the exporter, giving up after `timeoutMs` (an
   * unreachable collector must not hold the stop); idempotent.
   */
  shutdown(timeoutMs: number): Promise<void> {
    this.stopped ??= this.stop(timeoutMs);
    return this.stopped;
  }

  private async stop(timeoutMs: number): Promise<void> {
    const provider = this.provider;
    if (!provider) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    try {
      const how = await Promise.race([provider.shutdown().then(() => 'done' as const), late]);
      if (how === 'late') this.log.warn({ timeoutMs }, 'opentelemetry: spans still unsent at shutdown were dropped');
    } catch (err) {
      this.log.warn({ err }, 'opentelemetry: sending the last spans failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
