import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/index.js';

/** `GET <prometheus.handler_prefix>`: every metric in the Prometheus text format. */
export function handleMetrics(metrics: Metrics, log: Logger, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  metrics.scrape().then(
    ({ contentType, body }) => {
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) }).end(req.method === 'HEAD' ? undefined : body);
    },
    (err: unknown) => {
      log.error({ err }, 'metrics scrape failed');
      if (!res.headersSent) res.writeHead(500).end();
    },
  );
}
