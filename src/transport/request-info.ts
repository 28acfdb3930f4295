import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { ConnectionRequest, Node } from '../node/index.js';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) → `10.0.0.1`. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** `parsec.trusted_proxies` (addresses and CIDR ranges, checked by config/rules.ts) as a BlockList. */
function trustList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

/**
 * Reads what backends may be told about a connection from its HTTP request: the headers
 * some proxy forwards (only those, so idle connections keep nothing else) and the
 * client's address. X-Forwarded-For is believed only from a trusted peer, and read from
 * the right: the first address that is not itself a trusted proxy is the client.
 */
export class RequestReader {
  private readonly keep: ReadonlySet<string>;
  private readonly trusted: BlockList | undefined;

  constructor(node: Node) {
    this.keep = node.deps.proxies.httpHeaders;
    const list = node.config.parsec.trustedProxies;
    this.trusted = list.length > 0 ? trustList(list) : undefined;
  }

  read(req: IncomingMessage): ConnectionRequest {
    return { headers: this.headers(req), ip: this.clientIp(req) };
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

  private clientIp(req: IncomingMessage): string {
    const peer = plain(req.socket.remoteAddress ?? '');
    if (!this.trusted || !this.isTrusted(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => plain(h.trim())).filter((h) => isIP(h) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) if (!this.isTrusted(hops[i]!)) return hops[i]!;
    return hops[0] ?? peer;
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.trusted!.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}
