import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Node } from '../node/index.js';

/**
 * `GET /health`: 200 while the node serves; 503 with the reason while it is shutting
 * down (so balancers drain it) or its engine cannot deliver (a green check over silent
 * message loss is worse than none).
 */
export function handleHealth(node: Node, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const reason = node.unhealthyReason();
  const status = reason ? 503 : 200;
  const body = JSON.stringify(reason ? { status: 'unavailable', reason } : {});
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(req.method === 'HEAD' ? undefined : body);
}
