import type { Logger } from 'pino';
import type { Broker } from '../engine/types.js';
import type { Clock } from '../lib/index.js';
import { applyFleetOp, type FleetOp } from './fleet-ops.js';
import type { Node } from './node.js';

/** What every node tells the others about itself (the server API `info` shape). */
export interface NodeInfo {
  uid: string;
  name: string;
  version: string;
  num_clients: number;
  num_users: number;
  num_channels: number;
  num_subs: number;
  uptime: number;
  process: { cpu: number; rss: number };
}

type ControlMessage =
  | { t: 'node'; info: NodeInfo }
  | { t: 'op'; op: FleetOp }
  /** Commands for an emulated (SSE/HTTP-streaming) session held by another node; data is base64. */
  | { t: 'emulation'; node: string; session: string; data: string };

/** How often a node announces itself, and after how long without news a node counts as gone. */
export const NODE_INFO_INTERVAL_MS = 3_000;
export const NODE_EXPIRY_MS = 10_000;

/**
 * The cluster control plane over the engine's control channel: node heartbeats (so
 * `info` lists every live node) and user-targeted operations, which every node
 * (this one included) applies to its own sessions.
 */
export class ControlPlane {
  private readonly peers = new Map<string, { info: NodeInfo; seenAt: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly node: Node,
    private readonly broker: Broker,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(): void {
    void this.announce();
    this.timer = setInterval(() => void this.announce(), NODE_INFO_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Sends an operation to every node; resolves once the engine accepted it. */
  async send(op: FleetOp): Promise<void> {
    await this.publish({ t: 'op', op });
  }

  /** Whether a node id belongs to a live node of the cluster. */
  isLive(uid: string): boolean {
    if (uid === this.node.id) return true;
    const p = this.peers.get(uid);
    return p !== undefined && this.clock.now() - p.seenAt <= NODE_EXPIRY_MS;
  }

  /** Hands commands to the node holding an emulated session (via the engine, so any node may receive them). */
  async forwardEmulation(node: string, session: string, data: Uint8Array): Promise<void> {
    await this.publish({ t: 'emulation', node, session, data: Buffer.from(data).toString('base64') });
  }

  /** Every live node, this one first and always current. */
  nodes(): NodeInfo[] {
    const now = this.clock.now();
    const out = [this.node.info()];
    for (const [uid, p] of this.peers) {
      if (now - p.seenAt > NODE_EXPIRY_MS) this.peers.delete(uid);
      else if (uid !== this.node.id) out.push(p.info);
    }
    return out;
  }

  handle(data: Uint8Array): void {
    let msg: ControlMessage;
    try {
      msg = JSON.parse(Buffer.from(data).toString('utf8')) as ControlMessage;
    } catch {
      this.log.warn('undecodable control message');
      return;
    }
    if (msg.t === 'node') {
      if (msg.info.uid !== this.node.id) this.peers.set(msg.info.uid, { info: msg.info, seenAt: this.clock.now() });
      return;
    }
    if (msg.t === 'emulation') {
      if (msg.node === this.node.id) this.node.emulatedSession(msg.session)?.handleFrame(Buffer.from(msg.data, 'base64'));
      return;
    }
    if (msg.t === 'op') {
      applyFleetOp(this.node, msg.op).catch((err: unknown) => this.log.error({ err, op: msg.op.kind }, 'fleet operation failed'));
    }
  }

  private async announce(): Promise<void> {
    try {
      await this.publish({ t: 'node', info: this.node.info() });
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'node announce failed');
    }
  }

  private publish(msg: ControlMessage): Promise<void> {
    return this.broker.publishControl(Buffer.from(JSON.stringify(msg)));
  }
}
