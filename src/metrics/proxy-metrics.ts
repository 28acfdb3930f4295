import { Counter, Gauge, Histogram, Summary, type Registry } from 'prom-client';
import { DEFAULT_BUCKETS, SUMMARY } from './buckets.js';

type ProxyLabel = 'protocol' | 'type' | 'name';

/**
 * How a proxy call ended: `ok`, the backend's own `error` or `disconnect` answer, or why no
 * usable answer came (`timeout`, `unreachable`, `status`, `malformed`, `encoding`).
 */
export type ProxyOutcome = 'ok' | 'error' | 'disconnect' | 'timeout' | 'unreachable' | 'status' | 'malformed' | 'encoding';

/** The instruments of one proxy and call type, labelled once. */
export interface ProxyMeter {
  begin(): void;
  /** Outcomes other than ok and the backend's own error or disconnect count as `centrifugo_proxy_errors`. */
  end(seconds: number, outcome: ProxyOutcome): void;
}

const NO_METER: ProxyMeter = { begin() {}, end() {} };

/**
 * `centrifugo_proxy_*` (duration, errors, in flight, by `protocol` http|grpc, call `type`
 * and proxy `name`: `default` for a section's own proxy, as in Centrifugo) and Parsec's
 * `parsec_proxy_calls_total` by outcome.
 */
export class ProxyMetrics {
  private readonly summary: Summary<ProxyLabel>;
  private readonly histogram: Histogram<ProxyLabel>;
  private readonly errors: Counter<ProxyLabel>;
  private readonly inflight: Gauge<ProxyLabel>;
  private readonly calls: Counter<'type' | 'name' | 'outcome'>;

  constructor(registry: Registry, private readonly on: boolean) {
    const registers = [registry];
    const labelNames: ProxyLabel[] = ['protocol', 'type', 'name'];
    this.summary = new Summary({ name: 'centrifugo_proxy_duration_seconds', help: 'Duration of proxy call.', labelNames, ...SUMMARY, percentiles: [...SUMMARY.percentiles], registers });
    this.histogram = new Histogram({ name: 'centrifugo_proxy_duration_seconds_histogram', help: 'Histogram of duration of proxy call.', labelNames, buckets: DEFAULT_BUCKETS, registers });
    this.errors = new Counter({ name: 'centrifugo_proxy_errors', help: 'Proxy call error count.', labelNames, registers });
    this.inflight = new Gauge({ name: 'centrifugo_proxy_inflight_requests', help: 'Number of inflight proxy requests.', labelNames, registers });
    this.calls = new Counter({ name: 'parsec_proxy_calls_total', help: 'Proxy calls by call type, proxy and outcome.', labelNames: ['type', 'name', 'outcome'], registers });
  }

  /** The meter for one proxy's calls of one type; proxies and types come from the config, a bounded set. */
  meter(protocol: 'http' | 'grpc', type: string, name: string): ProxyMeter {
    if (!this.on) return NO_METER;
    const labels = { protocol, type, name };
    const { summary, histogram, errors, inflight, calls } = this;
    return {
      begin: () => inflight.inc(labels),
      end: (seconds, outcome) => {
        inflight.dec(labels);
        summary.observe(labels, seconds);
        histogram.observe(labels, seconds);
        if (outcome !== 'ok' && outcome !== 'error' && outcome !== 'disconnect') errors.inc(labels);
        calls.inc({ type, name, outcome });
      },
    };
  }
}
