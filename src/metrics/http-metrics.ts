import { Counter, type Registry } from 'prom-client';

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

/**
 * `centrifugo_node_incoming_http_requests_total` by handler, method and status, with
 * `prometheus.instrument_http_handlers` as in Centrifugo. `path` is the handler's prefix
 * (never the request's own path), so the label set stays bounded.
 */
export class HttpMetrics {
  private readonly requests: Counter<'path' | 'method' | 'status'> | undefined;

  constructor(registry: Registry, on: boolean) {
    if (!on) return;
    this.requests = new Counter({
      name: 'centrifugo_node_incoming_http_requests_total',
      help: 'Number of incoming HTTP requests',
      labelNames: ['path', 'method', 'status'],
      registers: [registry],
    });
  }

  get enabled(): boolean {
    return this.requests !== undefined;
  }

  request(path: string, method: string | undefined, status: number): void {
    this.requests?.inc({ path, method: method && METHODS.has(method) ? method : 'OTHER', status: String(status) });
  }
}
