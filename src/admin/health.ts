import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Node } from '../node/index.js';

/** `GET /health`: 200 while the node serves, 503 once it is shutting down (so balancers drain it). */
export function handleHealth(node: Node, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const status = node.shuttingDown ? 503 : 200;
  const body = JSON.stringify(node.shuttingDown ? { status: 'shutting down' } : {});
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(req.method === 'HEAD' ? undefined : body);
}
