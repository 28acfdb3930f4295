import type { Logger } from 'pino';
import type { TokenVerifier } from '../auth/index.js';
import type { Config } from '../config/types.js';
import type { Broker, BrokerEventHandler, EnginePublication, PresenceManager } from '../engine/types.js';
import { randomString, type Clock, type TimerWheel } from '../lib/index.js';
import type { ClientInfo, Publication, StreamPosition } from '../protocol/index.js';
import { ChannelRules, type ChannelInfo } from './channel-rules.js';
import type { Client } from './client.js';
import { Hub, type Subscriber } from './hub.js';

export interface NodeDeps {
  config: Readonly<Config>;
  broker: Broker;
  presence: PresenceManager;
  clock: Clock;
  wheel: TimerWheel;
  logger: Logger;
  connectionTokens: TokenVerifier;
  subscriptionTokens: TokenVerifier;
  version: string;
  name: string;
}

export interface NodePublishOptions {
  info?: ClientInfo;
  tags?: Record<string, string>;
  skipHistory?: boolean;
  idempotencyKey?: string;
  /** Allow delta encoding for this publication (also on when the namespace sets `delta_publish`). */
  delta?: boolean;
}

/** A session the node can end (the shutdown path and server API ops act through this). */
export interface Disconnectable {
  disconnect(code: number, reason?: string): void;
}

/**
 * One Parsec node: channel rules, the local hub, and the engine behind them. Client
 * sessions and the server API act through it; it is the engine's event handler.
 */
export class Node implements BrokerEventHandler {
  readonly id = randomString(8);
  readonly startedAt: number;
  readonly hub = new Hub<Client>();
  readonly rules: ChannelRules;
  readonly log: Logger;
  private readonly sessions = new Set<Disconnectable>();
  /** Emulated sessions by session id, so `/emulation` requests reach their Client. */
  private readonly emulated = new Map<string, Client>();
  private closing = false;

  constructor(readonly deps: NodeDeps) {
    this.rules = new ChannelRules(deps.config.channel);
    this.startedAt = deps.clock.now();
    this.log = deps.logger.child({ component: 'node' });
  }

  get config(): Readonly<Config> {
    return this.deps.config;
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  get shuttingDown(): boolean {
    return this.closing;
  }

  async run(): Promise<void> {
    await this.deps.broker.run(this);
  }

  /** Publishes into a channel with its namespace's history settings. */
  async publish(ch: ChannelInfo, data: Uint8Array, opts: NodePublishOptions = {}): Promise<StreamPosition> {
    const history = ch.history && !opts.skipHistory;
    return this.deps.broker.publish(ch.channel, data, {
      historySize: history ? ch.options.historySize : 0,
      historyTtl: history ? ch.options.historyTtl : 0,
      historyMetaTtl: ch.historyMetaTtl,
      info: opts.info,
      tags: opts.tags,
      idempotencyKey: opts.idempotencyKey,
      delta: opts.delta || ch.options.deltaPublish,
    });
  }

  /** Registers a subscriber; the first one on this node makes the broker deliver the channel here. */
  async addSubscriber(channel: string, sub: Subscriber): Promise<void> {
    if (this.hub.subscribe(channel, sub)) await this.deps.broker.subscribe(channel);
  }

  async removeSubscriber(channel: string, clientId: string): Promise<void> {
    if (this.hub.unsubscribe(channel, clientId)) await this.deps.broker.unsubscribe(channel);
  }

  get broker(): Broker {
    return this.deps.broker;
  }

  get presence(): PresenceManager {
    return this.deps.presence;
  }

  /** Called by every Client when it is created; `untrackSession` when it closes. */
  trackSession(c: Client): void {
    this.sessions.add(c);
    if (c.session) this.emulated.set(c.session, c);
  }

  untrackSession(c: Client): void {
    this.sessions.delete(c);
    if (c.session) this.emulated.delete(c.session);
  }

  /** The open emulated session with this id on this node, if any. */
  emulatedSession(session: string): Client | undefined {
    return this.emulated.get(session);
  }

  get numSessions(): number {
    return this.sessions.size;
  }

  handlePublication(channel: string, pub: EnginePublication, position: StreamPosition): void {
    this.hub.broadcastPublication(channel, toProtocolPublication(pub), position, pub.delta ?? false);
  }

  handleJoin(channel: string, info: ClientInfo): void {
    this.hub.broadcastJoinLeave(channel, 'join', info);
  }

  handleLeave(channel: string, info: ClientInfo): void {
    this.hub.broadcastJoinLeave(channel, 'leave', info);
  }

  handleControl(): void {
    // Single-node engines deliver control messages back to this node only; nothing to apply yet.
  }

  /** Ends every session with `shutdown` (3001: clients reconnect, to another node). */
  shutdown(code: number, reason: string): void {
    this.closing = true;
    for (const s of [...this.sessions]) s.disconnect(code, reason);
  }
}

export function toProtocolPublication(pub: EnginePublication): Publication {
  return { data: pub.data, info: pub.info, offset: pub.offset || undefined, tags: pub.tags };
}
