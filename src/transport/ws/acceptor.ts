import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CompressionConfig } from '../../config/types.js';
import type { TimerWheel } from '../../lib/index.js';
import { rejectUpgrade } from '../reject.js';
import type { WebSocketConnection, WebSocketSink } from './connection.js';
import { perMessageDeflate } from './deflate-options.js';
import { isRefusal, readHandshake, switchingProtocols } from './handshake.js';
import { LeanWebSocket, type LeanOptions } from './lean-websocket.js';
import { WsConnection } from './ws-connection.js';

/** ws's wait for the peer's close frame before it drops the socket. */
const CLOSE_TIMEOUT = 30_000;

export interface AcceptorOptions {
  /** `message_size_limit`: the largest message taken. */
  readonly maxPayload: number;
  /** The endpoint's compression settings: with compression on, ws takes clients that offer extensions. */
  readonly compression: CompressionConfig;
  readonly wheel: TimerWheel;
  /** Picks the subprotocol to answer from those offered (ws's default: the first one). */
  readonly selectProtocol?: (offered: ReadonlySet<string>) => string | false;
}

/** Builds the session over a new connection and returns what hears its frames. */
export type OpenSession = (conn: WebSocketConnection) => WebSocketSink;

function firstProtocol(offered: ReadonlySet<string>): string | false {
  return offered.values().next().value ?? false;
}

/**
 * Socket listeners shared by every lean connection of one endpoint: an emitter calls them
 * with the socket as `this`, which finds its connection in `conns`. One closure per socket
 * and event would cost memory on every idle connection.
 */
function leanListeners(conns: Map<Socket, LeanWebSocket>) {
  return {
    data(this: Socket, chunk: Buffer): void {
      conns.get(this)?.read(chunk);
    },
    end(this: Socket): void {
      conns.get(this)?.ended();
    },
    close(this: Socket): void {
      const conn = conns.get(this);
      conns.delete(this);
      conn?.gone();
    },
    error(this: Socket, err: Error): void {
      conns.get(this)?.sink.logDebug({ err: err.message }, 'websocket socket error');
      this.destroy();
    },
  };
}

/** The same for ws's WebSockets (the compression path). */
function wsListeners(sinks: Map<WebSocket, WebSocketSink>) {
  return {
    message(this: WebSocket, data: Buffer): void {
      sinks.get(this)?.handleFrame(data);
    },
    pong(this: WebSocket): void {
      sinks.get(this)?.pongFrame?.();
    },
    close(this: WebSocket): void {
      const sink = sinks.get(this);
      sinks.delete(this);
      sink?.handleTransportClose();
    },
    error(this: WebSocket, err: Error): void {
      // ws closes the socket itself after protocol errors (e.g. 1009 for an oversized frame).
      sinks.get(this)?.logDebug({ err: err.message }, 'websocket error');
    },
  };
}

/**
 * Completes WebSocket upgrades for one endpoint. Sessions without compression get Parsec's
 * own connection (`LeanWebSocket`); with compression configured, a client that offers an
 * extension goes to ws unchanged, which negotiates permessage-deflate and runs the session.
 */
export class WebSocketAcceptor {
  /** Only when compression is on: nothing else needs ws. */
  private readonly wss: WebSocketServer | undefined;
  private readonly lean: LeanOptions;
  private readonly selectProtocol: (offered: ReadonlySet<string>) => string | false;
  private readonly conns = new Map<Socket, LeanWebSocket>();
  private readonly sinks = new Map<WebSocket, WebSocketSink>();
  private readonly leanOn = leanListeners(this.conns);
  private readonly wsOn = wsListeners(this.sinks);

  constructor(opts: AcceptorOptions) {
    this.lean = { maxPayload: opts.maxPayload, wheel: opts.wheel, closeTimeout: CLOSE_TIMEOUT };
    this.selectProtocol = opts.selectProtocol ?? firstProtocol;
    const deflate = perMessageDeflate(opts.compression);
    if (deflate) {
      const select = this.selectProtocol;
      this.wss = new WebSocketServer({
        noServer: true,
        maxPayload: opts.maxPayload,
        perMessageDeflate: deflate,
        clientTracking: false,
        handleProtocols: (offered) => select(offered),
      });
    }
  }

  /**
   * Answers the handshake and opens a session over the connection, or refuses the request
   * with ws's status for it. `socket` is the net.Socket an http.Server hands 'upgrade'.
   * `gone`, when given, is called once when the socket closes (at once when refused): the
   * lean connection calls it from its own close, with no listener added per socket.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, open: OpenSession, gone?: () => void): void {
    // http.Server hands 'upgrade' a net.Socket; its type says Duplex only because anyone may emit the event.
    const netSocket = socket as Socket;
    if (this.wss && req.headers['sec-websocket-extensions'] !== undefined) {
      if (gone) socket.once('close', gone);
      this.wss.handleUpgrade(req, socket, head, (ws) => this.acceptWs(ws, netSocket, open));
      return;
    }
    const offer = readHandshake(req);
    if (isRefusal(offer)) {
      rejectUpgrade(socket, offer.status, offer.message, offer.headers);
      gone?.();
      return;
    }
    // The client already sent FIN (ws checks the same).
    if (!socket.readable || !socket.writable) {
      socket.destroy();
      gone?.();
      return;
    }
    const protocol = offer.protocols.size > 0 ? this.selectProtocol(offer.protocols) : false;
    netSocket.setTimeout(0);
    netSocket.setNoDelay();
    netSocket.write(switchingProtocols(offer.key, protocol));
    const conn = new LeanWebSocket(netSocket, this.lean, gone);
    conn.sink = open(conn);
    this.conns.set(netSocket, conn);
    netSocket.on('data', this.leanOn.data);
    netSocket.on('end', this.leanOn.end);
    netSocket.on('close', this.leanOn.close);
    netSocket.on('error', this.leanOn.error);
    // What the client sent right behind its request: frames, read before anything later.
    if (head.length > 0) conn.read(head);
  }

  private acceptWs(ws: WebSocket, socket: Socket, open: OpenSession): void {
    this.sinks.set(ws, open(new WsConnection(ws, socket)));
    ws.on('message', this.wsOn.message);
    ws.on('pong', this.wsOn.pong);
    ws.on('close', this.wsOn.close);
    ws.on('error', this.wsOn.error);
  }

  /** Drops sockets that did not finish their close handshake in time. */
  terminateAll(): void {
    for (const conn of this.conns.values()) conn.terminate();
    for (const ws of this.sinks.keys()) ws.terminate();
  }

  close(): void {
    this.terminateAll();
    this.wss?.close();
  }
}
