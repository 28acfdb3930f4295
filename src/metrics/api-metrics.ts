import { Counter, Histogram, Summary, type Registry } from 'prom-client';
import { DEFAULT_BUCKETS, SUMMARY } from './buckets.js';

/** How a server API call arrived, Centrifugo's `protocol` label (`consuming`: from an async consumer). */
export type ApiProtocol = 'http' | 'grpc' | 'consuming';

/**
 * `centrifugo_api_*`: server API calls by protocol and method (methods are the API's own
 * names; an unknown one never gets this far) and their errors by code.
 */
export class ApiMetrics {
  private readonly summary: Summary<'protocol' | 'method'>;
  private readonly histogram: Histogram<'protocol' | 'method'>;
  private readonly errors: Counter<'protocol' | 'method' | 'error'>;

  constructor(registry: Registry, private readonly on: boolean) {
    const registers = [registry];
    const labelNames = ['protocol', 'method'] as const;
    this.summary = new Summary({ name: 'centrifugo_api_command_duration_seconds', help: 'Duration of API per command.', labelNames, ...SUMMARY, percentiles: [...SUMMARY.percentiles], registers });
    this.histogram = new Histogram({ name: 'centrifugo_api_command_duration_seconds_histogram', help: 'Histogram of duration of API per command.', labelNames, buckets: DEFAULT_BUCKETS, registers });
    this.errors = new Counter({ name: 'centrifugo_api_command_errors_total', help: 'Total errors in API commands.', labelNames: ['protocol', 'method', 'error'], registers });
  }

  observe(protocol: ApiProtocol, method: string, seconds: number): void {
    if (!this.on) return;
    const labels = { protocol, method };
    this.summary.observe(labels, seconds);
    this.histogram.observe(labels, seconds);
  }

  /** `error`: the API error code (Centrifugo's codes: 100 internal, 102 unknown channel…). */
  error(protocol: ApiProtocol, method: string, error: number): void {
    if (this.on) this.errors.inc({ protocol, method, error: String(error) });
  }
}
