import { BlockList, isIP } from 'node:net';

/**
 * The requester's address: the socket's peer, or, when that peer is a trusted proxy, the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy (entries to its
 * left could have been written by anyone).
 */
export class RemoteAddress {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  /** `proxies` are IPs or CIDRs, already validated by the config. */
  constructor(proxies: readonly string[]) {
    for (const p of proxies) {
      const [ip, bits] = p.split('/') as [string, string | undefined];
      const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.trusted.addAddress(ip, type);
      else this.trusted.addSubnet(ip, Number(bits), type);
    }
    this.any = proxies.length > 0;
  }

  private isTrusted(address: string): boolean {
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    return family !== 0 && this.trusted.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }

  of(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    const direct = peer ?? '';
    if (!this.any || !forwardedFor || !this.isTrusted(direct)) return direct;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((h) => h.trim()).filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) if (!this.isTrusted(hops[i]!)) return hops[i]!;
    return hops[0] ?? direct;
  }
}
