import { hasWildcard, randomString, type TimerHandle } from '../../lib/index.js';
import type { HubClient } from '../../node/index.js';
import { ChannelListener, type DeliveryQos, type ListenerOwner, type SubscriptionOptions } from './channel-listener.js';
import type { MqttContext } from './context.js';
import type { MqttPublication } from './publication.js';

/** A message on its way to a session's client. */
export interface OutboundMessage {
  topic: string;
  payload: Uint8Array;
  qos: DeliveryQos;
  /** Sent with the RETAIN flag (a retained message delivered on subscribe). */
  retain?: boolean;
  /** Subscription identifiers of the filters it matched (MQTT 5). */
  ids?: number[];
  /** When it expires (MQTT 5 Message Expiry Interval), Unix ms; undefined = never. */
  expiresAt?: number;
}

/** Whether a message's expiry has passed (it is then not sent: MQTT 5 §3.3.2.3.3). */
export function hasExpired(m: { expiresAt?: number }, now: number): boolean {
  return m.expiresAt !== undefined && m.expiresAt <= now;
}

/** A session on its way to another node: its filters and the QoS 1 messages it still owes. */
export interface SessionSnapshot {
  /** [filter, channel, subscription options]. */
  filters: Array<[string, string, SubscriptionOptions]>;
  /** Sent and unacknowledged (`dup`), then queued; payloads in base64; `x` expiry (Unix ms), `i` subscription identifiers. */
  messages: Array<{ topic: string; payload: string; retain: boolean; dup: boolean; x?: number; i?: number[] }>;
}

/** What a session needs from the connection it is attached to. */
export interface SessionLink {
  /** In-flight QoS 1 messages the client accepts (MQTT 5 Receive Maximum; 3.1.1: 65535). */
  readonly receiveMaximum: number;
  /** Sends a PUBLISH; QoS 0 messages carry packet id 0. */
  sendPublish(message: OutboundMessage, packetId: number, dup: boolean): void;
  /** Sends a live publication's plain QoS 0 PUBLISH, the packet its other plain QoS 0 deliveries share. */
  sendPlainQos0(publication: MqttPublication): void;
}

function encodeMessage(m: OutboundMessage, dup: boolean): SessionSnapshot['messages'][number] {
  return { topic: m.topic, payload: Buffer.from(m.payload).toString('base64'), retain: m.retain ?? false, dup, x: m.expiresAt, i: m.ids };
}

function decodeMessage(m: SessionSnapshot['messages'][number]): OutboundMessage {
  return { topic: m.topic, payload: Buffer.from(m.payload, 'base64'), qos: 1, retain: m.retain, expiresAt: m.x, ids: m.i };
}

/** Largest MQTT packet identifier. */
const MAX_PACKET_ID = 65_535;

/**
 * One MQTT client id's session state: its filters (listening on channels of the hub),
 * its QoS 1 messages in flight and, while no connection is attached, those queued for
 * the next one. A clean session ends with its connection; a persistent one outlives it
 * until its expiry, still listening, so QoS 1 messages published meanwhile are queued.
 */
export class MqttSession implements ListenerOwner {
  /** The hub's view of the session's listeners: stable across reconnects. */
  readonly identity: HubClient;
  private readonly listeners = new Map<string, ChannelListener>();
  /** Filter → the channel it listens on. */
  private readonly filterChannels = new Map<string, string>();
  private readonly inflight = new Map<number, OutboundMessage>();
  private queue: OutboundMessage[] = [];
  private lastPacketId = 0;
  private link: SessionLink | undefined;
  private expiryTimer: TimerHandle | undefined;
  private ended = false;
  /** Seconds the session outlives its connection; 0 = it ends with it. */
  expiry = 0;

  constructor(
    private readonly ctx: MqttContext,
    readonly clientId: string,
  ) {
    this.identity = { id: `mqtt-${randomString(12)}`, user: clientId, labels: undefined };
  }

  get filters(): ReadonlyMap<string, string> {
    return this.filterChannels;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Adds (or regrants) a filter; `channel` is resolved by the caller. */
  async subscribe(filter: string, channel: string, options: SubscriptionOptions): Promise<void> {
    const previous = this.filterChannels.get(filter);
    if (previous !== undefined) {
      this.listeners.get(previous)?.setFilter(filter, options);
      return;
    }
    this.filterChannels.set(filter, channel);
    let listener = this.listeners.get(channel);
    if (listener) {
      listener.setFilter(filter, options);
      return;
    }
    listener = new ChannelListener(this.identity, channel, this, this.ctx.topics);
    listener.setFilter(filter, options);
    this.listeners.set(channel, listener);
    try {
      await this.ctx.node.addSubscriber(channel, listener);
    } catch (err) {
      await this.unsubscribe(filter);
      throw err;
    }
  }

  /** Drops a filter; false when the session had no such filter. */
  async unsubscribe(filter: string): Promise<boolean> {
    const channel = this.filterChannels.get(filter);
    if (channel === undefined) return false;
    this.filterChannels.delete(filter);
    const listener = this.listeners.get(channel);
    if (!listener) return true;
    listener.deleteFilter(filter);
    if (listener.size === 0) {
      this.listeners.delete(channel);
      await this.ctx.node.removeSubscriber(channel, listener);
    }
    return true;
  }

  /** Exact-topic channels the session listens on (presence and join/leave apply to these). */
  exactChannels(): string[] {
    return [...this.filterChannels].filter(([f]) => !hasWildcard(f)).map(([, ch]) => ch);
  }

  /**
   * Starts handing the session to another node: returns its filters and the messages it
   * owes, and takes those messages out, while its filters keep listening. QoS 1 messages
   * that arrive from now on queue up as before: `lateMessages` hands them over once the
   * other node listens too, so nothing published during the move is lost.
   */
  beginHandover(): SessionSnapshot {
    const filters: SessionSnapshot['filters'] = [];
    for (const [filter, channel] of this.filterChannels) filters.push([filter, channel, this.listeners.get(channel)?.options(filter) ?? { qos: 0 }]);
    const messages = [...[...this.inflight.values()].map((m) => encodeMessage(m, true)), ...this.queue.map((m) => encodeMessage(m, false))];
    this.inflight.clear();
    this.queue = [];
    this.expiryTimer?.cancel();
    this.expiryTimer = undefined;
    this.ctx.sessions.forget(this);
    return { filters, messages };
  }

  /** QoS 1 messages queued since `beginHandover`, taken out. */
  lateMessages(): SessionSnapshot['messages'] {
    const late = this.queue.map((m) => encodeMessage(m, false));
    this.queue = [];
    return late;
  }

  /** Takes over a session another node handed over: its filters listen here, its messages wait for the client. */
  async restore(s: SessionSnapshot): Promise<void> {
    // A bare QoS: the form of nodes from before subscription options.
    for (const [filter, channel, o] of s.filters) await this.subscribe(filter, channel, typeof o === 'number' ? { qos: o as DeliveryQos } : o);
    for (const m of s.messages) {
      const message = decodeMessage(m);
      // Sent before, so sent again with DUP once a connection attaches.
      if (m.dup) this.inflight.set(this.nextPacketId(), message);
      else this.queue.push(message);
    }
  }

  /** Messages the previous node received while this one was starting to listen: sent (or queued) as any other. */
  receiveLate(messages: SessionSnapshot['messages']): void {
    for (const m of messages) this.send(decodeMessage(m));
  }

  deliver(publication: MqttPublication, qos: DeliveryQos, ids: readonly number[], retain: boolean): void {
    const { expiresAt } = publication;
    if (qos === 0 && !retain && ids.length === 0 && expiresAt === undefined) {
      // The common case, kept to a call: QoS 0 keeps no state, and offline it is dropped.
      this.link?.sendPlainQos0(publication);
      return;
    }
    this.send({ topic: publication.topic!, payload: publication.payload, qos, retain, ids: ids.length > 0 ? [...ids] : undefined, expiresAt });
  }

  /** Sends now, or queues a QoS 1 message the client cannot take yet; QoS 0 is dropped when offline. */
  send(message: OutboundMessage): void {
    const link = this.link;
    if (message.expiresAt !== undefined && hasExpired(message, this.ctx.node.clock.now())) return;
    if (message.qos === 0) {
      link?.sendPublish(message, 0, false);
      return;
    }
    if (link && this.queue.length === 0 && this.inflight.size < link.receiveMaximum) {
      this.transmit(link, message);
      return;
    }
    if (this.ended) return;
    this.queue.push(message);
    const max = this.ctx.config.maxQueuedMessages;
    // Oldest first out: a device back after a long absence gets the latest state.
    if (this.queue.length > max) this.queue.splice(0, this.queue.length - max);
  }

  /** The client acknowledged a QoS 1 message. */
  acknowledged(packetId: number): void {
    if (!this.inflight.delete(packetId)) return;
    this.pump();
  }

  /**
   * A connection takes the session: unacknowledged messages go again with DUP set
   * (MQTT 4.4), then what was queued.
   */
  attach(link: SessionLink): void {
    this.expiryTimer?.cancel();
    this.expiryTimer = undefined;
    this.link = link;
    this.recordHere();
    for (const [id, message] of this.inflight) link.sendPublish(message, id, true);
    this.pump();
  }

  /** Tells the other nodes that a persistent session lives here, so a reconnect there asks for it. */
  private recordHere(): void {
    const { directory, config, node } = this.ctx;
    if (!directory || this.expiry <= 0) return;
    // Until its expiry after this connection, at the longest.
    const ttl = Math.ceil(config.maxSessionExpiry / 1000) + this.expiry;
    directory.record(this.clientId, node.id, ttl).catch((err: unknown) => this.ctx.log.error({ err, clientId: this.clientId }, 'mqtt session directory update failed'));
  }

  /** Its connection closed: a persistent session waits for the next one until it expires. */
  detach(link: SessionLink): void {
    if (this.link !== link) return;
    this.link = undefined;
    if (this.expiry <= 0) {
      void this.end();
      return;
    }
    const ms = Math.min(this.expiry * 1000, this.ctx.config.maxSessionExpiry);
    this.expiryTimer = this.ctx.node.deps.wheel.schedule(ms, this.expire, this);
  }

  private expire(): void {
    this.expiryTimer = undefined;
    if (!this.link) void this.end();
  }

  /**
   * Ends the session: its filters stop listening and its messages are dropped. Idempotent.
   * A session handed over leaves the directory alone: it names the node holding it now.
   */
  async end(handedOver = false): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.expiryTimer?.cancel();
    this.ctx.sessions.forget(this);
    if (!handedOver) this.ctx.directory?.forget(this.clientId).catch((err: unknown) => this.ctx.log.error({ err, clientId: this.clientId }, 'mqtt session directory update failed'));
    this.queue = [];
    this.inflight.clear();
    const listeners = [...this.listeners.values()];
    this.listeners.clear();
    this.filterChannels.clear();
    for (const l of listeners) {
      try {
        await this.ctx.node.removeSubscriber(l.channel, l);
      } catch (err) {
        this.ctx.log.error({ err, channel: l.channel }, 'mqtt unsubscribe failed');
      }
    }
  }

  private pump(): void {
    const link = this.link;
    if (!link) return;
    const now = this.ctx.node.clock.now();
    while (this.queue.length > 0 && this.inflight.size < link.receiveMaximum) {
      const next = this.queue.shift()!;
      // Expired while queued: dropped, not sent (MQTT 5 §3.3.2.3.3).
      if (!hasExpired(next, now)) this.transmit(link, next);
    }
  }

  private transmit(link: SessionLink, message: OutboundMessage): void {
    const id = this.nextPacketId();
    this.inflight.set(id, message);
    link.sendPublish(message, id, false);
  }

  private nextPacketId(): number {
    for (;;) {
      this.lastPacketId = this.lastPacketId >= MAX_PACKET_ID ? 1 : this.lastPacketId + 1;
      if (!this.inflight.has(this.lastPacketId)) return this.lastPacketId;
    }
  }
}
