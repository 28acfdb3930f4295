import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { MqttConfig } from '../../config/types.js';
import { listenOn, peerAddress } from '../../lib/index.js';
import type { HubClient, Node, PublicationFanout, Subscriber } from '../../node/index.js';
import { MqttConnection, type MqttSocket } from './connection.js';
import type { MqttContext } from './context.js';
import { MemoryRetainedStore, type RetainedStore } from './retained.js';
import { SessionRegistry } from './sessions.js';
import type { SessionDirectory } from './session-directory.js';
import { HANDOVER_MAX_MS, onHandoffNotice, sendHandoff } from './handoff.js';
import { TopicSpace } from './topics.js';

export interface MqttFrontDoorOptions {
  node: Node;
  config: Readonly<MqttConfig>;
  /** `parsec.mqtt.address`, or `http_server.address` when that is empty. */
  address: string;
  topics: TopicSpace;
  /** Default: in memory (one node). */
  retained?: RetainedStore;
  /** Where persistent sessions are, for handoffs between nodes (Redis); none on one node. */
  directory?: SessionDirectory;
  tls?: TlsOptions;
}

/**
 * The MQTT listener (TCP, or TLS) and MQTT over WebSocket on the HTTP server: turns
 * connections into MqttConnections sharing one session registry and retained store.
 */
export class MqttFrontDoor {
  private readonly server: Server;
  private readonly ctx: MqttContext;
  private readonly sockets = new Set<MqttSocket>();
  private readonly wss: WebSocketServer | undefined;
  private presenceTimer: NodeJS.Timeout | undefined;
  private drained: (() => void) | undefined;

  constructor(private readonly opts: MqttFrontDoorOptions) {
    const { node, config } = opts;
    this.ctx = {
      node,
      config,
      topics: opts.topics,
      retained: opts.retained ?? new MemoryRetainedStore(),
      sessions: new SessionRegistry(),
      directory: opts.directory,
      log: node.log.child({ component: 'mqtt' }),
    };
    const onSocket = (socket: Socket): void => {
      // MQTT packets are small and latency matters (as on the HTTP server's WebSocket connections): no Nagle delay.
      socket.setNoDelay(true);
      this.accept(socket, peerAddress(socket), () => socket.bytesWritten - socket.writableLength);
    };
    this.server = opts.tls ? createTlsServer(opts.tls, onSocket) : createServer(onSocket);
    if (config.websocket.enabled) {
      // MQTT over WebSocket (MQTT 5 §6): binary frames carry the byte stream, subprotocol "mqtt".
      this.wss = new WebSocketServer({ noServer: true, maxPayload: config.maxPacketSize + 5, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
    }
  }

  /** Listens for other nodes' takeover notices, then binds; a port in use stops the start naming `parsec.mqtt.port`. */
  async listen(): Promise<void> {
    await this.opts.node.addSubscriber(this.opts.topics.takeoverChannel, new TakeoverListener(this.opts.node.id, this.ctx));
    await this.opts.node.addSubscriber(this.opts.topics.handoffChannel, new HandoffListener(this.opts.node.id, this.ctx));
    const { port } = this.opts.config;
    const { address } = this.opts;
    await listenOn(this.server, 'parsec.mqtt', address, port);
    const every = this.opts.node.config.client.presenceUpdateInterval;
    if (every > 0) {
      this.presenceTimer = setInterval(() => void this.refreshPresence(), every);
      this.presenceTimer.unref();
    }
  }

  /** The bound port (the listener may have been given port 0). */
  get port(): number {
    const a = this.server.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  /** Takes an HTTP upgrade on `parsec.mqtt.websocket.path`; false when it is not for MQTT. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): boolean {
    const wss = this.wss;
    if (!wss || url.pathname !== this.opts.config.websocket.path) return false;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      const raw = req.socket;
      this.accept(stream, peerAddress(raw), () => raw.bytesWritten - raw.writableLength);
    });
    return true;
  }

  private accept(socket: MqttSocket, remoteAddr: string, sentBytes: () => number): void {
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (this.sockets.size === 0) this.drained?.();
    });
    new MqttConnection(this.ctx, socket, remoteAddr, sentBytes);
  }

  private async refreshPresence(): Promise<void> {
    for (const owner of [...this.ctx.sessions.liveOwners()]) await owner.refreshPresence();
  }

  /**
   * Stops listening and ends the connections left (sessions were already ended by the
   * node's shutdown, with the reason); resolves once they are closed. Idempotent.
   */
  async close(): Promise<void> {
    clearInterval(this.presenceTimer);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.end();
    this.wss?.close();
    if (this.sockets.size > 0) await new Promise<void>((resolve) => this.drained = resolve);
    await closed;
    await this.ctx.retained.close();
  }

  /** Drops every connection at once (the shutdown timeout passed). */
  terminateAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}

/** Server-originated notices on a control channel of the namespace, parsed; undefined for anything else. */
abstract class NoticeListener implements Subscriber {
  readonly client: HubClient;

  constructor(
    protected readonly nodeId: string,
    protected readonly ctx: MqttContext,
    kind: string,
  ) {
    this.client = { id: `mqtt-${kind}-${nodeId}`, user: '', labels: undefined };
  }

  get pushJoinLeave(): boolean {
    return false;
  }

  get compact(): boolean {
    return false;
  }

  deliverPublication(fanout: PublicationFanout): void {
    // Client publications carry the publisher's info: a client cannot forge notices.
    if (fanout.pub.info) return;
    let notice: unknown;
    try {
      notice = JSON.parse(Buffer.from(fanout.pub.data).toString('utf8'));
    } catch {
      return;
    }
    if (notice && typeof notice === 'object') this.handle(notice as Record<string, unknown>);
  }

  protected abstract handle(notice: Record<string, unknown>): void;

  deliverPush(): void {}

  checkPosition(): void {}
}

/**
 * Takeover notices from every node: the client id now has a connection elsewhere. When
 * that connection asked for a handoff, the session here goes to it.
 */
class TakeoverListener extends NoticeListener {
  constructor(nodeId: string, ctx: MqttContext) {
    super(nodeId, ctx, 'takeover');
  }

  protected handle({ c, n, node, handoff }: Record<string, unknown>): void {
    // This node's own notices: its registry took the client id over when it accepted the CONNECT.
    if (node === this.nodeId || typeof c !== 'string' || typeof n !== 'string') return;
    const snapshot = this.ctx.sessions.claimedElsewhere(c, n, handoff === true, HANDOVER_MAX_MS);
    if (snapshot) void sendHandoff(this.ctx, { n, s: snapshot }, c);
  }
}

/** Sessions moving between nodes (see HandoffNotice). */
class HandoffListener extends NoticeListener {
  constructor(nodeId: string, ctx: MqttContext) {
    super(nodeId, ctx, 'handoff');
  }

  protected handle(notice: Record<string, unknown>): void {
    onHandoffNotice(this.ctx, notice);
  }
}
