import { Registry, collectDefaultMetrics } from 'prom-client';
import { ApiMetrics } from './api-metrics.js';
import { ClientMetrics } from './client-metrics.js';
import { ConsumerMetrics } from './consumer-metrics.js';
import { HttpMetrics } from './http-metrics.js';
import { ModerationMetrics } from './moderation-metrics.js';
import { NodeMetrics } from './node-metrics.js';
import { EngineMetrics, FleetMetrics, JwksMetrics, TokenBrokerMetrics } from './parsec-metrics.js';
import { ProxyMetrics } from './proxy-metrics.js';
import { TransportMetrics } from './transport-metrics.js';

export interface MetricsOptions {
  /** `prometheus.enabled`: off, every instrument is a no-op (the hot-path counters cost an array increment either way). */
  enabled: boolean;
  version: string;
  /** `prometheus.instrument_http_handlers`. */
  instrumentHttpHandlers?: boolean;
  /** `prometheus.recovered_publications_histogram`. */
  recoveredPublicationsHistogram?: boolean;
}

/**
 * Every instrument of one server, in its own registry (so servers in one process never
 * share series), grouped by the area that reports into them. Names, labels and buckets
 * follow Centrifugo where it has the metric, so its Grafana dashboard works as it is;
 * Parsec's own metrics are `parsec_*`. Process and Node.js runtime metrics come from
 * prom-client's defaults.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly enabled: boolean;
  readonly node: NodeMetrics;
  readonly client: ClientMetrics;
  readonly transport: TransportMetrics;
  readonly api: ApiMetrics;
  readonly proxy: ProxyMetrics;
  readonly engine: EngineMetrics;
  readonly tokenBroker: TokenBrokerMetrics;
  readonly jwks: JwksMetrics;
  readonly fleet: FleetMetrics;
  readonly moderation: ModerationMetrics;
  readonly http: HttpMetrics;
  readonly consumers: ConsumerMetrics;

  constructor(opts: MetricsOptions) {
    const on = opts.enabled;
    const r = this.registry;
    this.enabled = on;
    this.node = new NodeMetrics(r, on, opts.version);
    this.client = new ClientMetrics(r, on, opts.recoveredPublicationsHistogram ?? false);
    this.transport = new TransportMetrics(r, on);
    this.api = new ApiMetrics(r, on);
    this.proxy = new ProxyMetrics(r, on);
    this.engine = new EngineMetrics(r, on);
    this.tokenBroker = new TokenBrokerMetrics(r, on);
    this.jwks = new JwksMetrics(r, on);
    this.fleet = new FleetMetrics(r, on);
    this.moderation = new ModerationMetrics(r, on);
    this.http = new HttpMetrics(r, on && (opts.instrumentHttpHandlers ?? false));
    this.consumers = new ConsumerMetrics(r, on);
    if (on) collectDefaultMetrics({ register: r });
  }

  /** The Prometheus text exposition of every metric. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
