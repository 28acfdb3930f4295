import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { peerAddress } from './peer-address.js';

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) → `10.0.0.1`. */
export function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * A request's client address behind reverse proxies. X-Forwarded-For is believed only
 * when the peer is a trusted proxy (`parsec.trusted_proxies`: addresses and CIDR ranges,
 * checked by the config), and read from the right: the first address that is not itself
 * a trusted proxy is the client (entries further left could have been written by anyone).
 */
export class ClientAddress {
  private readonly trusted: BlockList | undefined;

  constructor(proxies: readonly string[]) {
    if (proxies.length === 0) return;
    this.trusted = new BlockList();
    for (const entry of proxies) {
      const [addr, bits] = entry.split('/') as [string, string | undefined];
      const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.trusted.addAddress(addr, type);
      else this.trusted.addSubnet(addr, Number(bits), type);
    }
  }

  /** Whether X-Forwarded-For is ever read: some proxy is trusted. Without one the peer is the client. */
  get readsForwardedFor(): boolean {
    return this.trusted !== undefined;
  }

  /**
   * A request's client address. The headers are read only when some proxy is trusted: Node
   * builds a request's header object on first use, which a WebSocket upgrade otherwise skips.
   */
  ofRequest(req: IncomingMessage): string {
    return this.of(peerAddress(req.socket), this.trusted ? req.headers['x-forwarded-for'] : undefined);
  }

  /** The client's address from the socket peer and the X-Forwarded-For header(s). */
  of(peerAddress: string | undefined, forwardedFor: string | string[] | undefined): string {
    const peer = plain(peerAddress ?? '');
    if (!this.trusted || !this.isTrusted(peer)) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
      .split(',')
      .map((h) => plain(h.trim()))
      .filter((h) => isIP(h) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) if (!this.isTrusted(hops[i]!)) return hops[i]!;
    return hops[0] ?? peer;
  }

  /** Whether the socket peer is one of `parsec.trusted_proxies` (never, when none are listed). */
  isTrustedPeer(peerAddress: string | undefined): boolean {
    return this.trusted !== undefined && this.isTrusted(plain(peerAddress ?? ''));
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.trusted!.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}
