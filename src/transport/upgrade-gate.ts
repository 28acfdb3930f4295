import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Node } from '../node/index.js';
import type { OriginCheck } from './origin.js';
import { rejectUpgrade } from './reject.js';

/**
 * Refuses a WebSocket upgrade the node must not take: 503 while shutting down, 403 for an
 * Origin outside `client.allowed_origins`. Returns true when it answered.
 */
export function refusedUpgrade(node: Node, origins: OriginCheck, log: Logger, req: IncomingMessage, socket: Duplex): boolean {
  if (node.shuttingDown) {
    rejectUpgrade(socket, 503, 'shutting down');
    return true;
  }
  if (!origins.allows(req)) {
    log.info({ origin: req.headers.origin }, 'origin not allowed');
    rejectUpgrade(socket, 403, 'origin not allowed');
    return true;
  }
  return false;
}
