import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { ClientAddress, peerAddress, plainAddress } from '../lib/index.js';
import { NO_HEADERS, type ConnectionRequest, type Node } from '../node/index.js';

/**
 * A request that kept nothing but its peer, no proxy being trusted to name another client
 * address (the usual one). The address is read from the socket when first asked: the peer's
 * address costs a system call per connection, and many sessions are never asked it. The
 * rest comes from the prototype, so an idle connection holds one field here, not three.
 */
class PeerOnly implements ConnectionRequest {
  constructor(private readonly socket: Socket) {}

  /** The socket keeps the address once read; '' when it closed before anyone asked. */
  get ip(): string {
    return plainAddress(peerAddress(this.socket));
  }

  get headers(): Readonly<Record<string, string>> {
    return NO_HEADERS;
  }

  get headerUser(): string {
    return '';
  }
}

/**
 * Reads what a connection's HTTP request says about it: the headers some proxy forwards
 * (only those, so idle connections keep nothing else), the client's address (behind
 * `parsec.trusted_proxies`, from X-Forwarded-For) and the user a reverse proxy vouches for
 * (`client.user_id_http_header`).
 */
export class RequestReader {
  private readonly keep: ReadonlySet<string>;
  private readonly address: ClientAddress;
  /** Lower-case, as Node keys request headers; '' = the option is off. */
  private readonly userHeader: string;
  private readonly anyPeerVouches: boolean;

  constructor(node: Node) {
    this.keep = node.deps.proxies.httpHeaders;
    this.address = new ClientAddress(node.config.parsec.trustedProxies);
    this.userHeader = node.config.client.userIdHttpHeader.toLowerCase();
    // Centrifugo believes the header from anyone, assuming a proxy in front that sets it;
    // listing trusted proxies narrows that to them, so a client reaching the server
    // directly cannot name itself any user.
    this.anyPeerVouches = node.config.parsec.trustedProxies.length === 0;
  }

  read(req: IncomingMessage): ConnectionRequest {
    const headers = this.headers(req);
    const headerUser = this.headerUser(req);
    if (headers === NO_HEADERS && headerUser === '' && !this.address.readsForwardedFor) return new PeerOnly(req.socket);
    return { headers, ip: this.address.ofRequest(req), headerUser };
  }

  private headerUser(req: IncomingMessage): string {
    if (!this.userHeader) return '';
    const values = req.headersDistinct[this.userHeader];
    // Several copies mean a proxy appended its own to one the client sent (Node would join
    // them with a comma): believe none rather than guess which is the proxy's.
    const v = values?.length === 1 ? values[0]! : '';
    if (v === '') return '';
    return this.anyPeerVouches || this.address.isTrustedPeer(peerAddress(req.socket)) ? v : '';
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
