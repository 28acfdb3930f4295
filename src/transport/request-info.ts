import type { IncomingMessage } from 'node:http';
import { ClientAddress } from '../lib/index.js';
import { NO_HEADERS, type ConnectionRequest, type Node } from '../node/index.js';

/**
 * Reads what backends may be told about a connection from its HTTP request: the headers
 * some proxy forwards (only those, so idle connections keep nothing else) and the
 * client's address (behind `parsec.trusted_proxies`, from X-Forwarded-For).
 */
export class RequestReader {
  private readonly keep: ReadonlySet<string>;
  private readonly address: ClientAddress;

  constructor(node: Node) {
    this.keep = node.deps.proxies.httpHeaders;
    this.address = new ClientAddress(node.config.parsec.trustedProxies);
  }

  read(req: IncomingMessage): ConnectionRequest {
    return { headers: this.headers(req), ip: this.address.of(req.socket.remoteAddress, req.headers['x-forwarded-for']) };
  }

  private headers(req: IncomingMessage): Readonly<Record<string, string>> {
    if (this.keep.size === 0) return NO_HEADERS;
    const out: Record<string, string> = {};
    for (const name of this.keep) {
      const v = req.headers[name];
      if (v !== undefined) out[name] = Array.isArray(v) ? v.join(', ') : v;
    }
    return out;
  }
}
