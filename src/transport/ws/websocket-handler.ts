import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { newClientId } from '../../lib/index.js';
import { Client, type Node } from '../../node/index.js';
import type { ProtocolName } from '../../protocol/index.js';
import { OriginCheck } from '../origin.js';
import { RequestReader } from '../request-info.js';
import { refusedUpgrade } from '../upgrade-gate.js';
import { WebSocketAcceptor } from './acceptor.js';
import { WebSocketTransport } from './websocket-transport.js';

const PROTOBUF_SUBPROTOCOL = 'centrifuge-protobuf';
const JSON_SUBPROTOCOL = 'centrifuge-json';

/** Picks the protocol: negotiated subprotocol first, then `?cf_protocol=` (or legacy `?format=`). */
function protocolOf(req: IncomingMessage, url: URL): ProtocolName {
  const header = req.headers['sec-websocket-protocol'];
  if (header !== undefined) {
    const offered = header.split(',').map((s) => s.trim());
    if (offered.includes(PROTOBUF_SUBPROTOCOL)) return 'protobuf';
    if (offered.includes(JSON_SUBPROTOCOL)) return 'json';
  }
  // Most clients send no query: reading `searchParams` would build one per connection.
  if (url.search === '') return 'json';
  const q = url.searchParams.get('cf_protocol') ?? url.searchParams.get('format');
  return q === 'protobuf' ? 'protobuf' : 'json';
}

/** The subprotocol answered: Centrifugo's protobuf one over its JSON one, none for any other. */
function selectProtocol(offered: ReadonlySet<string>): string | false {
  if (offered.has(PROTOBUF_SUBPROTOCOL)) return PROTOBUF_SUBPROTOCOL;
  if (offered.has(JSON_SUBPROTOCOL)) return JSON_SUBPROTOCOL;
  return false;
}

/** Accepts WebSocket upgrades on the configured path and turns each socket into a Client. */
export class WebSocketHandler {
  private readonly acceptor: WebSocketAcceptor;
  private readonly origins: OriginCheck;
  private readonly log: Logger;
  private readonly requests: RequestReader;
  readonly path: string;

  constructor(private readonly node: Node) {
    const cfg = node.config;
    this.path = cfg.websocket.handlerPrefix;
    this.origins = new OriginCheck(cfg.client.allowedOrigins);
    this.requests = new RequestReader(node);
    this.log = node.deps.logger.child({ component: 'websocket' });
    this.acceptor = new WebSocketAcceptor({
      maxPayload: cfg.websocket.messageSizeLimit,
      compression: cfg.websocket,
      wheel: node.deps.wheel,
      selectProtocol,
    });
  }

  /**
   * Handles an upgrade for our path; returns false when the path is not ours. `gone`, when
   * given, is called once the socket is done with (at once when the upgrade is refused).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, gone?: () => void): boolean {
    if (url.pathname !== this.path) return false;
    if (refusedUpgrade(this.node, this.origins, this.log, req, socket)) {
      gone?.();
      return true;
    }
    const protocol = protocolOf(req, url);
    const request = this.requests.read(req);
    // The session is the Client itself: it takes the connection's frames and its close.
    this.acceptor.upgrade(req, socket, head, (conn) => new Client(this.node, new WebSocketTransport(conn, protocol, request), newClientId()), gone);
    return true;
  }

  /** Drops sockets that did not finish their close handshake in time. */
  terminateAll(): void {
    this.acceptor.terminateAll();
  }

  close(): void {
    this.acceptor.close();
  }
}
