import type { EventEmitter } from 'node:events';
import mqtt from 'mqtt-packet';
import { hasWildcard, isServerTopic, newClientId, randomString, topicFilterProblem, topicNameProblem, type TimerHandle } from '../../lib/index.js';
import { Client, engineFailure } from '../../node/index.js';
import { DisconnectCode, ErrorCode } from '../../protocol/index.js';
import type { DeliveryQos, SubscriptionOptions } from './channel-listener.js';
import { Reason, SUBACK_FAILURE_V4, reasonForDisconnect, type MqttVersion, type Refusal } from './codes.js';
import { authenticate, type Will } from './connect.js';
import { HANDOFF_WAIT_MS, HANDOVER_MAX_MS, sendHandoff } from './handoff.js';
import type { MqttContext } from './context.js';
import { RateBucket } from './rate.js';
import { MqttSession, hasExpired, type OutboundMessage, type SessionLink, type SessionSnapshot } from './session.js';
import type { SessionOwner } from './sessions.js';
import { PacketOutput } from './packet-output.js';
import { EXPIRES_AT_TAG, RETAIN_TAG, type MqttPublication } from './publication.js';
import { MqttTransport, type MqttStream, type NodeCloseTarget } from './transport.js';

/** A stream MQTT packets arrive on. */
export type MqttSocket = MqttStream & EventEmitter;

type State = 'awaiting_connect' | 'connecting' | 'connected' | 'closed';

/** The packet the parser is assembling; mqtt-packet keeps it public but leaves it out of its types. */
interface ParserInternals {
  packet: { length: number };
}

/**
 * Topic aliases an MQTT 5 client may set on its PUBLISH packets (CONNACK Topic Alias
 * Maximum); each holds one topic name for the connection's life, so this bounds the memory.
 */
export const TOPIC_ALIAS_MAXIMUM = 64;

/**
 * One MQTT network connection: parses packets (mqtt-packet), authenticates the CONNECT
 * as a node Client, and serves PUBLISH, SUBSCRIBE and the rest for the session it holds.
 * Packets are handled one at a time in arrival order, so QoS 1 acknowledgements follow
 * the order the engine accepted the messages in.
 */
export class MqttConnection implements SessionOwner, SessionLink, NodeCloseTarget {
  /** Learns the protocol version from the CONNECT it parses. */
  private readonly parser = mqtt.parser();
  private state: State = 'awaiting_connect';
  private version: MqttVersion = 4;
  private client: Client | undefined;
  private session: MqttSession | undefined;
  private clientId = '';
  /** The token's `topicAcl`; a token without one may neither publish nor subscribe. */
  private acl: Client['credentials']['topicAcl'];
  private will: Will | undefined;
  /** The client ended cleanly (DISCONNECT 0x00) or the node revoked it: no will goes out. */
  private willCancelled = false;
  private keepaliveMs = 0;
  private lastSeen: number;
  private timer: TimerHandle | undefined;
  private readonly bucket: RateBucket | undefined;
  private violations = 0;
  receiveMaximum = 65_535;
  /** MQTT 5 Maximum Packet Size of the client; 0 = the protocol's. */
  private clientMaxPacket = 0;
  /** MQTT 5 inbound topic aliases: alias → topic name, for this connection only. */
  private readonly aliases = new Map<number, string>();
  /** QoS 2 packet ids published and awaiting PUBREL (MQTT 4.3.3). */
  private readonly qos2 = new Set<number>();
  private queue: Promise<void> = Promise.resolve();
  private readonly out: PacketOutput;
  readonly nonce = randomString(12);

  constructor(
    private readonly ctx: MqttContext,
    private readonly socket: MqttSocket,
    private readonly remoteAddr: string,
    private readonly bytesSent: () => number,
  ) {
    const { node } = ctx;
    this.lastSeen = node.clock.now();
    this.bucket = ctx.config.rateLimit > 0 ? new RateBucket(ctx.config.rateLimit, node.clock) : undefined;
    this.out = new PacketOutput(socket, bytesSent, node, (detail) => this.log.warn({ clientId: this.clientId || undefined, detail }, 'slow consumer disconnected'));
    this.timer = node.deps.wheel.schedule(ctx.config.connectTimeout, this.connectTimedOut, this);
    this.parser.on('packet', (p: mqtt.Packet) => this.onPacket(p));
    this.parser.on('error', (err: Error) => this.fail(Reason.malformedPacket, `malformed packet: ${err.message}`));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
  }

  private get log() {
    return this.ctx.log;
  }

  sentBytes(): number {
    return this.bytesSent();
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.lastSeen = this.ctx.node.clock.now();
    this.parser.parse(chunk);
    // A packet announcing more than the limit is refused before its body is buffered.
    if ((this.state as State) !== 'closed' && (this.parser as unknown as ParserInternals).packet.length > this.ctx.config.maxPacketSize) {
      this.fail(Reason.packetTooLarge, 'packet too large');
    }
  }

  private onPacket(p: mqtt.Packet): void {
    if (this.state === 'closed') return;
    if ((p.length ?? 0) > this.ctx.config.maxPacketSize) {
      this.fail(Reason.packetTooLarge, 'packet too large');
      return;
    }
    if (this.state === 'awaiting_connect') {
      if (p.cmd !== 'connect') {
        this.fail(Reason.protocolError, `first packet is ${p.cmd}, not connect`);
        return;
      }
      this.state = 'connecting';
    } else if (p.cmd === 'connect') {
      this.fail(Reason.protocolError, 'second connect');
      return;
    } else if (this.bucket && !this.bucket.take()) {
      this.log.warn({ clientId: this.clientId, limit: this.ctx.config.rateLimit }, 'mqtt client over its inbound rate limit disconnected');
      this.end(Reason.messageRateTooHigh, 'message rate too high');
      return;
    }
    this.queue = this.queue.then(() => this.handle(p)).catch((err: unknown) => {
      this.log.error({ err, clientId: this.clientId, cmd: p.cmd }, 'mqtt packet failed');
      this.end(Reason.unspecified, 'internal error');
    });
  }

  private async handle(p: mqtt.Packet): Promise<void> {
    if (this.state === 'closed') return;
    switch (p.cmd) {
      case 'connect':
        return this.handleConnect(p);
      case 'publish':
        return this.handlePublish(p);
      case 'puback':
        this.session?.acknowledged(p.messageId ?? 0);
        return;
      case 'pubrel':
        this.qos2.delete(p.messageId ?? 0);
        this.write({ cmd: 'pubcomp', messageId: p.messageId });
        return;
      case 'subscribe':
        return this.handleSubscribe(p);
      case 'unsubscribe':
        return this.handleUnsubscribe(p);
      case 'pingreq':
        this.write({ cmd: 'pingresp' });
        return;
      case 'disconnect':
        return this.handleDisconnect(p);
      default:
        // Parsec sends no QoS 2 (so no PUBREC/PUBCOMP come back) and no enhanced auth.
        this.fail(Reason.protocolError, `unexpected ${p.cmd}`);
    }
  }

  private async handleConnect(p: mqtt.IConnectPacket): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    const version = p.protocolVersion;
    if (version === 5) {
      this.version = 5;
      this.receiveMaximum = p.properties?.receiveMaximum ?? 65_535;
      this.clientMaxPacket = p.properties?.maximumPacketSize ?? 0;
    } else if (version !== 4) {
      this.refuse({ v4: 1, v5: 0x84, reason: 'unsupported protocol version' }, `protocol level ${String(version)}`);
      return;
    }
    const client = new Client(this.ctx.node, new MqttTransport(this.socket, this, this.remoteAddr), newClientId());
    const outcome = await authenticate(this.ctx, client, p);
    if ('refusal' in outcome) {
      client.handleTransportClose();
      this.refuse(outcome.refusal, outcome.detail, p.clientId);
      return;
    }
    if (this.state === 'closed') {
      // The socket went away while the token was checked.
      client.handleTransportClose();
      return;
    }
    this.client = client;
    this.clientId = client.user;
    this.acl = client.credentials.topicAcl;
    this.will = outcome.will;
    const { sessions } = this.ctx;
    sessions.claim(this.clientId, this);
    let session = sessions.get(this.clientId);
    const handoff = !outcome.cleanStart && (!session || session.isEnded) ? await this.requestHandoff() : undefined;
    await this.announceTakeover(handoff !== undefined);
    if (session && outcome.cleanStart) {
      await session.end();
      session = undefined;
    }
    let present = session !== undefined && !session.isEnded;
    if (!session || session.isEnded) {
      session = new MqttSession(this.ctx, this.clientId);
      sessions.add(session);
      const snapshot = await handoff?.wait;
      if (snapshot) {
        await session.restore(snapshot);
        present = true;
        // Listening now: the old node may stop and send what it received meanwhile.
        sessions.expectLate(this.nonce, session, HANDOVER_MAX_MS);
        await sendHandoff(this.ctx, { n: this.nonce, ack: true }, this.clientId);
      }
    }
    session.expiry = outcome.sessionExpiry;
    this.session = session;
    if ((this.state as State) === 'closed') {
      // Gone (or taken over) while the session was being set up: the session waits or ends as after any connection.
      session.attach(this);
      this.cleanup();
      return;
    }
    this.keepaliveMs = (p.keepalive ?? 0) * 1000;
    this.out.writeTimeout = this.keepaliveMs * 1.5;
    this.write(this.connack(present, p.clientId === '' ? this.clientId : undefined));
    this.state = 'connected';
    outcome.after();
    session.attach(this);
    for (const channel of session.exactChannels()) await this.presence(channel, true);
    this.armKeepalive();
    this.log.debug({ clientId: this.clientId, version: this.version, present, remote: this.remoteAddr }, 'mqtt client connected');
  }

  /**
   * When another node holds this client id's persistent session, starts waiting for it
   * (the takeover notice asks for it); undefined when no other node has one.
   */
  private async requestHandoff(): Promise<{ wait: Promise<SessionSnapshot | undefined> } | undefined> {
    const { directory, node, sessions } = this.ctx;
    if (!directory) return undefined;
    let holder: string | undefined;
    try {
      holder = await directory.holder(this.clientId);
    } catch (err) {
      this.log.error({ err, clientId: this.clientId }, 'mqtt session directory read failed');
      return undefined;
    }
    if (holder === undefined || holder === node.id) return undefined;
    // Wrapped: an async function returning the promise itself would wait for it here.
    return { wait: sessions.awaitHandoff(this.nonce, HANDOFF_WAIT_MS) };
  }

  /** Tells the other nodes that this connection holds the client id (this node's registry already knows). */
  private async announceTakeover(handoff: boolean): Promise<void> {
    const { node, topics } = this.ctx;
    try {
      const notice = Buffer.from(JSON.stringify({ c: this.clientId, n: this.nonce, node: node.id, handoff }));
      await node.publish(node.rules.resolve(topics.takeoverChannel), notice, { skipHistory: true });
    } catch (err) {
      // Not fatal: another node's older connection then lives until it ends on its own.
      this.log.error({ err, clientId: this.clientId }, 'mqtt takeover notice failed');
    }
  }

  private connack(sessionPresent: boolean, assigned: string | undefined): mqtt.IConnackPacket {
    if (this.version === 4) return { cmd: 'connack', returnCode: 0, sessionPresent };
    return {
      cmd: 'connack',
      reasonCode: 0,
      sessionPresent,
      properties: {
        assignedClientIdentifier: assigned,
        maximumPacketSize: this.ctx.config.maxPacketSize,
        topicAliasMaximum: TOPIC_ALIAS_MAXIMUM,
        retainAvailable: true,
        wildcardSubscriptionAvailable: true,
        subscriptionIdentifiersAvailable: true,
        sharedSubscriptionAvailable: false,
        // Maximum QoS is left out: absent means 2, and QoS 2 PUBLISH packets are accepted.
        sessionExpiryInterval: this.session?.expiry,
      },
    };
  }

  /** Refuses a CONNECT with the version's code; logged with the reason, never the password. */
  private refuse(r: Refusal, detail: string, clientId?: string): void {
    this.log.info({ clientId, version: this.version, remote: this.remoteAddr, reason: r.reason, detail }, 'mqtt connect refused');
    if (this.version === 4) this.write({ cmd: 'connack', returnCode: r.v4, sessionPresent: false });
    else this.write({ cmd: 'connack', reasonCode: r.v5, sessionPresent: false, properties: { reasonString: detail } });
    this.close();
  }

  private async handlePublish(p: mqtt.IPublishPacket): Promise<void> {
    const id = p.messageId ?? 0;
    if (p.qos === 2 && this.qos2.has(id)) {
      // A resent QoS 2 message already published: acknowledged again, not published twice.
      this.write({ cmd: 'pubrec', messageId: id });
      return;
    }
    const topic = this.topicOfPublish(p);
    if (topic === undefined) return;
    const problem = topicNameProblem(topic);
    if (problem) {
      this.fail(Reason.topicNameInvalid, problem);
      return;
    }
    if (isServerTopic(topic) || !this.acl?.mayPublish(topic)) {
      this.denied('publish', topic);
      this.acknowledge(p, Reason.notAuthorized);
      return;
    }
    const { node, topics, retained } = this.ctx;
    let ch;
    try {
      ch = node.rules.resolve(topics.channelOf(topic));
    } catch {
      this.acknowledge(p, Reason.topicNameInvalid);
      return;
    }
    const payload = typeof p.payload === 'string' ? Buffer.from(p.payload) : p.payload;
    const expiry = p.properties?.messageExpiryInterval;
    const expiresAt = expiry === undefined ? undefined : this.ctx.node.clock.now() + expiry * 1000;
    try {
      if (p.retain) await retained.retain({ topic, payload, qos: p.qos === 0 ? 0 : 1, expiresAt });
      await node.publish(ch, payload, { info: this.client!.info(), tags: publicationTags(p.retain, expiresAt) });
    } catch (err) {
      const refused = brokerRefusal(err);
      if (refused !== undefined) {
        // The broker takes no such channel (a NATS wildcard character): it never will, so
        // the message is refused as an ACL denial is, without a reconnect that resends it.
        this.log.info({ clientId: this.clientId, topic, reason: refused }, 'mqtt publish refused by the broker');
        this.acknowledge(p, Reason.topicNameInvalid);
        return;
      }
      this.log.error({ err, clientId: this.clientId, topic }, 'mqtt publish failed');
      // 3.1.1 has no way to refuse a PUBLISH: the client sends it again after a reconnect.
      if (this.version === 4 && p.qos > 0) this.end(Reason.unspecified, 'publish failed');
      else this.acknowledge(p, Reason.unspecified);
      return;
    }
    if (p.qos === 2) this.qos2.add(id);
    this.acknowledge(p, Reason.success);
  }

  /**
   * The topic name of a PUBLISH, through its MQTT 5 Topic Alias: a topic with an alias
   * (re)binds the alias, an empty topic uses it. Undefined when the connection was closed
   * for a bad alias.
   */
  private topicOfPublish(p: mqtt.IPublishPacket): string | undefined {
    const alias = p.properties?.topicAlias;
    if (alias === undefined) return p.topic;
    if (this.version !== 5 || alias < 1 || alias > TOPIC_ALIAS_MAXIMUM) {
      this.fail(Reason.topicAliasInvalid, `topic alias ${alias} outside 1..${TOPIC_ALIAS_MAXIMUM}`);
      return undefined;
    }
    if (p.topic !== '') {
      // Bound even when the topic is then refused: the client sees it as set (MQTT 5 §3.3.2.3.4).
      this.aliases.set(alias, p.topic);
      return p.topic;
    }
    const topic = this.aliases.get(alias);
    if (topic === undefined) this.fail(Reason.protocolError, `topic alias ${alias} was never set`);
    return topic;
  }

  private acknowledge(p: mqtt.IPublishPacket, reasonCode: number): void {
    if (p.qos === 0) return;
    const cmd = p.qos === 1 ? 'puback' : 'pubrec';
    this.write(this.version === 5 ? { cmd, messageId: p.messageId, reasonCode } : { cmd, messageId: p.messageId });
  }

  private async handleSubscribe(p: mqtt.ISubscribePacket): Promise<void> {
    const id = p.properties?.subscriptionIdentifier;
    if (id !== undefined && id < 1) {
      this.fail(Reason.protocolError, 'subscription identifier 0');
      return;
    }
    const granted: number[] = [];
    const fresh: boolean[] = [];
    for (const s of p.subscriptions) {
      const options: SubscriptionOptions = { qos: s.qos === 0 ? 0 : 1, id, noLocal: s.nl || undefined, retainAsPublished: s.rap || undefined };
      fresh.push(!this.session?.filters.has(s.topic));
      granted.push(await this.subscribeOne(s.topic, options));
    }
    this.write({ cmd: 'suback', messageId: p.messageId, granted });
    const now = this.ctx.node.clock.now();
    for (const [i, s] of p.subscriptions.entries()) {
      const qos = granted[i]!;
      // Retain Handling 1: retained messages only for a new subscription; 2: never.
      if (qos > 1 || s.rh === 2 || (s.rh === 1 && !fresh[i])) continue;
      try {
        for (const m of await this.ctx.retained.matching(s.topic)) {
          if (hasExpired(m, now)) continue;
          this.session?.send({ topic: m.topic, payload: m.payload, qos: Math.min(qos, m.qos) as DeliveryQos, retain: true, ids: id === undefined ? undefined : [id], expiresAt: m.expiresAt });
        }
      } catch (err) {
        this.log.error({ err, filter: s.topic }, 'mqtt retained read failed');
      }
    }
  }

  /** Subscribes one filter; returns the granted QoS or the version's failure code. */
  private async subscribeOne(filter: string, options: SubscriptionOptions): Promise<number> {
    const failure = (v5: number): number => (this.version === 5 ? v5 : SUBACK_FAILURE_V4);
    if (filter.startsWith('$share/')) return failure(Reason.sharedSubscriptionsNotSupported);
    if (topicFilterProblem(filter)) return failure(Reason.topicFilterInvalid);
    if (isServerTopic(filter) || !this.acl?.maySubscribe(filter)) {
      this.denied('subscribe', filter);
      return failure(Reason.notAuthorized);
    }
    const { topics, node } = this.ctx;
    const exact = !hasWildcard(filter);
    const channel = exact ? topics.channelOf(filter) : topics.bucketOf(filter);
    try {
      node.rules.resolve(channel);
    } catch {
      return failure(Reason.topicFilterInvalid);
    }
    const session = this.session!;
    const isNew = !session.filters.has(filter);
    try {
      await session.subscribe(filter, channel, options);
    } catch (err) {
      const refused = brokerRefusal(err);
      if (refused !== undefined) {
        this.log.info({ clientId: this.clientId, filter, reason: refused }, 'mqtt subscribe refused by the broker');
        return failure(Reason.topicFilterInvalid);
      }
      this.log.error({ err, clientId: this.clientId, filter }, 'mqtt subscribe failed');
      return failure(Reason.unspecified);
    }
    if (exact && isNew) await this.presence(channel, true);
    return options.qos;
  }

  private async handleUnsubscribe(p: mqtt.IUnsubscribePacket): Promise<void> {
    const codes: number[] = [];
    for (const filter of p.unsubscriptions) {
      const channel = this.session?.filters.get(filter);
      const had = (await this.session?.unsubscribe(filter)) ?? false;
      if (had && channel !== undefined && !hasWildcard(filter)) await this.presence(channel, false);
      codes.push(had ? Reason.success : 0x11);
    }
    this.write(this.version === 5 ? { cmd: 'unsuback', messageId: p.messageId, granted: codes } : { cmd: 'unsuback', messageId: p.messageId, granted: [] });
  }

  private async handleDisconnect(p: mqtt.IDisconnectPacket): Promise<void> {
    // 0x04: "disconnect with will message".
    if ((p.reasonCode ?? 0) !== 0x04) this.willCancelled = true;
    const expiry = p.properties?.sessionExpiryInterval;
    if (expiry !== undefined && this.session) this.session.expiry = expiry;
    this.close();
  }

  /** A denied PUBLISH or SUBSCRIBE: counted, and past `max_acl_violations` the client goes. */
  private denied(what: 'publish' | 'subscribe', topic: string): void {
    this.violations++;
    this.log.info({ clientId: this.clientId, what, topic, violations: this.violations }, 'mqtt topic acl denied');
    const max = this.ctx.config.maxAclViolations;
    if (max > 0 && this.violations >= max) this.end(Reason.notAuthorized, 'too many topic acl violations');
  }

  /** Presence and join/leave of an exact topic's channel, as its namespace has them. */
  private async presence(channel: string, on: boolean): Promise<void> {
    const client = this.client;
    if (!client) return;
    const { node } = this.ctx;
    try {
      const { options } = node.rules.resolve(channel);
      if (options.presence) {
        if (on) await node.presence.addPresence(channel, client.id, client.info());
        else await node.presence.removePresence(channel, client.id, client.user);
      }
      if (options.joinLeave) await (on ? node.broker.publishJoin(channel, client.info()) : node.broker.publishLeave(channel, client.info()));
    } catch (err) {
      this.log.error({ err, channel }, 'mqtt presence update failed');
    }
  }

  /** Re-adds presence for the session's exact topics (engines expire entries not refreshed). */
  async refreshPresence(): Promise<void> {
    if (this.state !== 'connected' || !this.session) return;
    for (const channel of this.session.exactChannels()) await this.presence(channel, true);
  }

  sendPublish(message: OutboundMessage, packetId: number, dup: boolean): void {
    if (this.state !== 'connected') return;
    const bytes = this.encode({
      cmd: 'publish',
      topic: message.topic,
      payload: Buffer.from(message.payload.buffer, message.payload.byteOffset, message.payload.byteLength),
      qos: message.qos,
      messageId: message.qos > 0 ? packetId : undefined,
      dup,
      retain: message.retain ?? false,
      properties: this.version === 5 ? this.publishProperties(message) : undefined,
    });
    // MQTT 5 §3.1.2.11.4: a packet over the client's maximum is dropped as if delivered.
    if (this.fitsClient(bytes)) this.out.send(bytes, false);
    else if (message.qos > 0) this.session?.acknowledged(packetId);
  }

  sendPlainQos0(publication: MqttPublication): void {
    if (this.state !== 'connected') return;
    const bytes = publication.plainQos0(this.version);
    if (this.fitsClient(bytes)) this.out.send(bytes, false);
  }

  private fitsClient(bytes: Buffer): boolean {
    return this.clientMaxPacket === 0 || bytes.length <= this.clientMaxPacket;
  }

  subscribedChannels(): string[] {
    const { topics } = this.ctx;
    return [...(this.session?.filters.keys() ?? [])].map((f) => topics.channelOf(f));
  }

  /** MQTT 5 PUBLISH properties: the matching filters' identifiers and the expiry left. */
  private publishProperties(m: OutboundMessage): mqtt.IPublishPacket['properties'] {
    if (m.ids === undefined && m.expiresAt === undefined) return undefined;
    const left = m.expiresAt === undefined ? undefined : Math.max(1, Math.ceil((m.expiresAt - this.ctx.node.clock.now()) / 1000));
    return { subscriptionIdentifier: m.ids?.length === 1 ? m.ids[0] : m.ids, messageExpiryInterval: left };
  }

  takenOver(): void {
    this.log.info({ clientId: this.clientId, remote: this.remoteAddr }, 'mqtt session taken over');
    this.end(Reason.sessionTakenOver, 'session taken over');
  }

  /** The node ended the session: revocation (3500), fleet disconnect, expiry, shutdown… */
  closeByNode(code: number, reason: string): void {
    if (code === DisconnectCode.invalidToken) this.willCancelled = true;
    this.end(reasonForDisconnect(code), reason);
  }

  private connectTimedOut(): void {
    this.timer = undefined;
    if (this.state !== 'awaiting_connect') return;
    this.log.info({ remote: this.remoteAddr }, 'mqtt connection closed: no connect in time');
    this.close();
  }

  /** Closes the connection after `keepalive × 1.5` without a packet (MQTT 3.1.2.10). */
  private armKeepalive(): void {
    if (this.keepaliveMs <= 0) return;
    const limit = this.keepaliveMs * 1.5;
    const idle = this.ctx.node.clock.now() - this.lastSeen;
    this.timer = this.ctx.node.deps.wheel.schedule(Math.max(0, limit - idle), this.checkKeepalive, this);
  }

  private checkKeepalive(): void {
    this.timer = undefined;
    if (this.state !== 'connected') return;
    if (this.ctx.node.clock.now() - this.lastSeen >= this.keepaliveMs * 1.5) {
      this.log.info({ clientId: this.clientId, keepalive: this.keepaliveMs / 1000 }, 'mqtt keepalive timeout');
      this.end(Reason.keepAliveTimeout, 'keep alive timeout');
      return;
    }
    this.armKeepalive();
  }

  /** A protocol violation: MQTT 5 clients are told why (once connected), then the connection closes. */
  private fail(reasonCode: number, detail: string): void {
    if (this.state === 'closed') return;
    this.log.info({ clientId: this.clientId || undefined, remote: this.remoteAddr, detail }, 'mqtt connection closed: bad input');
    this.end(reasonCode, detail);
  }

  /** Sends DISCONNECT (MQTT 5, connected sessions only: 3.1.1 has no server DISCONNECT) and closes. */
  private end(reasonCode: number, reasonString: string): void {
    if (this.state === 'closed') return;
    if (this.version === 5 && this.state === 'connected') this.write({ cmd: 'disconnect', reasonCode, properties: { reasonString } });
    this.close();
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.out.end();
    this.cleanup();
  }

  private onClose(): void {
    this.state = 'closed';
    this.out.drop();
    this.cleanup();
  }

  private cleaned = false;

  /** Once, when the connection of a session ends however it ends: the Client leaves the hub, the session waits or ends, the will goes out. */
  private cleanup(): void {
    if (this.cleaned) return;
    this.timer?.cancel();
    this.timer = undefined;
    const { client, session } = this;
    // Not a session yet: a CONNECT still being handled finishes this when it sees the close.
    if (!client || !session) return;
    this.cleaned = true;
    this.ctx.sessions.release(this.clientId, this);
    for (const channel of session.exactChannels()) void this.presence(channel, false);
    client.handleTransportClose();
    session.detach(this);
    if (this.will && !this.willCancelled) this.sendWill(this.will, session.expiry);
  }

  /**
   * Publishes the will now, or after its Will Delay Interval, bounded by the session's
   * expiry (the will goes when either ends, MQTT 5 §3.1.3.2.2); a CONNECT of the client id
   * on any node before then drops it.
   */
  private sendWill(will: Will, sessionExpiry: number): void {
    const delay = Math.min(will.delay, sessionExpiry);
    if (delay <= 0) {
      void this.publishWill(will);
      return;
    }
    const { sessions, node } = this.ctx;
    const timer: TimerHandle = node.deps.wheel.schedule(delay * 1000, () => {
      sessions.willDone(this.clientId, timer);
      void this.publishWill(will);
    }, this);
    sessions.deferWill(this.clientId, timer);
  }

  private async publishWill(will: Will): Promise<void> {
    const { node, topics, retained } = this.ctx;
    if (!this.acl?.mayPublish(will.topic)) {
      this.log.info({ clientId: this.clientId, topic: will.topic }, 'mqtt will denied by topic acl');
      return;
    }
    const expiresAt = will.expiry === undefined ? undefined : node.clock.now() + will.expiry * 1000;
    try {
      if (will.retain) await retained.retain({ topic: will.topic, payload: will.payload, qos: will.qos, expiresAt });
      await node.publish(node.rules.resolve(topics.channelOf(will.topic)), will.payload, { info: this.client!.info(), tags: publicationTags(will.retain, expiresAt) });
    } catch (err) {
      this.log.error({ err, clientId: this.clientId }, 'mqtt will publish failed');
    }
  }

  private encode(packet: mqtt.Packet): Buffer {
    return mqtt.generate(packet, { protocolVersion: this.version });
  }

  /** A control packet (acknowledgements, CONNACK, DISCONNECT…): leaves this turn. */
  private write(packet: mqtt.Packet): void {
    this.out.send(this.encode(packet), true);
  }
}

/** Tags that carry MQTT PUBLISH attributes with a publication, so subscribers on every node see them. */
function publicationTags(retain: boolean, expiresAt: number | undefined): Record<string, string> | undefined {
  if (!retain && expiresAt === undefined) return undefined;
  const tags: Record<string, string> = {};
  if (retain) tags[RETAIN_TAG] = '1';
  if (expiresAt !== undefined) tags[EXPIRES_AT_TAG] = String(expiresAt);
  return tags;
}

/** What the broker said when it refuses a channel for good (a NATS wildcard character in it); undefined for any other failure. */
function brokerRefusal(err: unknown): string | undefined {
  const failure = engineFailure(err);
  return failure?.code === ErrorCode.badRequest ? (failure.detail ?? 'refused by the broker') : undefined;
}
