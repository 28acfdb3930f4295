import type { Msg, NatsConnection, NatsError, Subscription } from 'nats';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/index.js';
import type { ClientInfo, StreamPosition } from '../../protocol/index.js';
import { EngineError, EngineErrorCode } from '../errors.js';
import { IdempotentResults } from '../idempotency.js';
import type { Broker, BrokerEventHandler, Closer, HistoryPage, PublishOptions } from '../types.js';
import type { NatsTls } from '../../lib/index.js';
import { connectNats, watchNats, within, type NatsLink } from './connection.js';
import { decodeChannelMessage, encodeChannelMessage, type ChannelMessage, type ReceivedChannelMessage } from './envelope.js';
import { RawSubjects, type RawModeOptions } from './raw-subject.js';
import { encodeChannel, encodeWildcardChannel, hasWildcard } from './subject.js';

const SWEEP_INTERVAL_MS = 10_000;
const NO_POSITION = { offset: 0, epoch: '' } as const;

export interface NatsBrokerOptions {
  /** One NATS URL or several separated by commas (`broker.nats.url`). */
  url: string;
  /** Subjects are `<prefix>.client.<channel>` and `<prefix>.control` (`broker.nats.prefix`). */
  prefix: string;
  /** How long the first connection may take, ms (`broker.nats.dial_timeout`). */
  dialTimeout: number;
  /** How long NATS may take to confirm a subscription or finish a drain, ms (`broker.nats.write_timeout`). */
  writeTimeout: number;
  /** TLS to NATS (`broker.nats.tls`), when on. */
  tls?: NatsTls;
  /** Channels holding `*` or `>` may be subscribed to as subject wildcards (`broker.nats.allow_wildcards`). */
  allowWildcards?: boolean;
  /** Plain payloads on the application's subjects (`broker.nats.raw_mode`), when on. */
  rawMode?: RawModeOptions;
  clock: Clock;
  logger: Logger;
}

/** Thrown for what only a history-keeping broker can do. */
function historyNotKept(): EngineError {
  return new EngineError(
    EngineErrorCode.notSupported,
    'history requires a broker that keeps history (memory or redis); the NATS broker does not',
  );
}

function badRequest(message: string): EngineError {
  return new EngineError(EngineErrorCode.badRequest, message);
}

/** Why a channel holding `*` or `>` is refused: `why` after the channel and the characters. */
function wildcardRefusal(channel: string, why: string): string {
  return `channel ${JSON.stringify(channel)} holds a NATS wildcard character ("*" or ">"): ${why}`;
}

/**
 * PUB/SUB over NATS core, as Centrifugo's NATS broker does it: at most once, no history,
 * no offsets. Each channel a local client listens to is one NATS subscription, made when
 * the node's first subscriber arrives. nats.js reconnects by itself and restores the
 * subscriptions; what is published while a node is cut off does not reach it. While
 * disconnected, publish and subscribe fail at once (PARSEC_ENGINE_UNAVAILABLE) rather
 * than queue without bound.
 *
 * A channel name holding `*` or `>` anywhere is a NATS wildcard, as Centrifugo reads it:
 * nobody can publish to it or send join/leave there, and subscribing to it is refused
 * unless `allow_wildcards` is on. Then a channel such as `news.*` is a wildcard
 * subscription whose subscribers get the publications of every channel it matches, each
 * naming its own channel. In raw mode a channel's
 * subject is the application's (see RawSubjects) and its messages are bare payloads both
 * ways: no tags, info or join/leave, as in Centrifugo.
 */
export class NatsBroker implements Broker, Closer {
  private handler: BrokerEventHandler | undefined;
  private link: NatsLink | undefined;
  private readonly subs = new Map<string, Subscription>();
  // Per node: a retry that lands on another node is delivered again.
  private readonly idempotent = new IdempotentResults();
  private readonly clientPrefix: string;
  private readonly raw: RawSubjects | undefined;
  private readonly controlSubject: string;
  private readonly log: Logger;
  private sweeper: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: NatsBrokerOptions) {
    this.clientPrefix = `${opts.prefix}.client.`;
    this.controlSubject = `${opts.prefix}.control`;
    this.raw = opts.rawMode && new RawSubjects(opts.rawMode);
    this.log = opts.logger;
  }

  /** Connects (failing after `dialTimeout`) and listens for control messages. */
  async run(handler: BrokerEventHandler): Promise<void> {
    this.handler = handler;
    const nc = await connectNats(this.opts);
    this.link = watchNats(nc, this.log, () => this.closing !== undefined);
    nc.subscribe(this.controlSubject, { callback: this.onControl });
    await this.confirm(nc);
    this.sweeper = setInterval(() => this.idempotent.sweep(this.opts.clock.now()), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
    const { prefix, rawMode, allowWildcards, tls } = this.opts;
    this.log.info({ server: nc.getServer(), prefix, rawModePrefix: rawMode?.prefix, allowWildcards, tls: tls !== undefined }, 'nats broker connected');
  }

  subscribeRefusal(channel: string): string | undefined {
    return hasWildcard(channel) && !this.opts.allowWildcards ? wildcardRefusal(channel, 'subscribing to it needs broker.nats.allow_wildcards') : undefined;
  }

  async subscribe(channel: string): Promise<void> {
    if (this.subs.has(channel)) return;
    const refusal = this.subscribeRefusal(channel);
    if (refusal) throw badRequest(refusal);
    const wildcard = hasWildcard(channel);
    const subject = this.raw ? this.rawSubject(channel) : this.clientPrefix + (wildcard ? encodeWildcardChannel(channel) : encodeChannel(channel));
    const nc = this.live();
    const sub: Subscription = nc.subscribe(subject, {
      // A late message of an unsubscribed (or re-made) subscription finds another entry and is dropped.
      callback: (err, msg) => {
        if (this.subs.get(channel) === sub) this.onChannelMessage(channel, err, msg);
      },
    });
    this.subs.set(channel, sub);
    // The caller tells the client "subscribed" after this resolves, so a publish made
    // through any node from then on must reach us: wait until NATS has seen the SUB.
    await this.confirm(nc);
  }

  async unsubscribe(channel: string): Promise<void> {
    const sub = this.subs.get(channel);
    if (!sub) return;
    this.subs.delete(channel);
    // Not confirmed: a late message finds no entry in `subs` and is dropped.
    sub.unsubscribe();
  }

  async publish(channel: string, data: Uint8Array, opts: PublishOptions): Promise<StreamPosition> {
    if (opts.historySize > 0) throw historyNotKept();
    if (hasWildcard(channel)) throw badRequest(wildcardRefusal(channel, 'the NATS broker publishes to concrete channels only'));
    const now = this.opts.clock.now();
    const seen = this.idempotent.get(channel, opts.idempotencyKey, now);
    if (seen) return seen;
    if (this.raw) this.live().publish(this.rawSubject(channel), data);
    else this.send(channel, { kind: 'publication', pub: { data, info: opts.info, tags: opts.tags, time: now, delta: opts.delta } });
    const position = { offset: 0, epoch: '' };
    this.idempotent.remember(channel, opts.idempotencyKey, position, now, opts.idempotentResultTtl);
    return position;
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    this.sendPresenceEvent(channel, { kind: 'join', info });
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    this.sendPresenceEvent(channel, { kind: 'leave', info });
  }

  async publishControl(data: Uint8Array): Promise<void> {
    this.live().publish(this.controlSubject, data);
  }

  async history(): Promise<HistoryPage> {
    throw historyNotKept();
  }

  async removeHistory(): Promise<void> {
    throw historyNotKept();
  }

  /** Drains (queued publishes go out, delivered messages are handled), bounded by `writeTimeout`. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    const link = this.link;
    if (!link) return;
    try {
      await within(link.nc.drain(), this.opts.writeTimeout, 'drain');
    } catch (err) {
      this.log.warn({ err }, 'nats drain did not finish; closing');
      await link.nc.close();
    }
    await link.watched;
    this.handler = undefined;
  }

  /** Join and leave: raw subjects carry payloads only (Centrifugo drops them too), and a wildcard is no one channel. */
  private sendPresenceEvent(channel: string, msg: ChannelMessage): void {
    if (this.raw) return;
    if (hasWildcard(channel)) throw badRequest(wildcardRefusal(channel, 'it has no join/leave'));
    this.send(channel, msg);
  }

  /** The raw-mode subject of `channel`. @throws EngineError PARSEC_ENGINE_BAD_REQUEST when it would not be a valid subject. */
  private rawSubject(channel: string): string {
    const subject = this.raw?.subject(channel);
    if (subject === undefined) {
      throw badRequest(`channel ${JSON.stringify(channel)} does not make a NATS subject in raw mode (empty, whitespace or an empty token after broker.nats.raw_mode.prefix and channel_replacements)`);
    }
    return subject;
  }

  private send(channel: string, msg: ChannelMessage): void {
    this.live().publish(this.clientPrefix + encodeChannel(channel), encodeChannelMessage(channel, msg));
  }

  /** The connection, when it can take traffic now. */
  private live(): NatsConnection {
    if (!this.link?.connected || this.closing) throw new EngineError(EngineErrorCode.unavailable, 'NATS is not connected');
    return this.link.nc;
  }

  /** Resolves once NATS has answered a ping sent after everything queued so far. */
  private async confirm(nc: NatsConnection): Promise<void> {
    try {
      await within(nc.flush(), this.opts.writeTimeout, 'confirm');
    } catch (err) {
      throw new EngineError(EngineErrorCode.unavailable, 'NATS did not confirm in time (broker.nats.write_timeout)', { cause: err });
    }
  }

  // Callbacks run inside nats.js's socket reader: a throw there would break the
  // connection, so each one stops errors itself.
  private onChannelMessage(channel: string, err: NatsError | null, msg: Msg): void {
    if (err) {
      this.log.warn({ err, channel }, 'nats subscription failed');
      return;
    }
    const handler = this.handler;
    if (!handler) return;
    if (this.raw) {
      this.deliverRaw(handler, channel, msg);
      return;
    }
    let received: ReceivedChannelMessage | undefined;
    try {
      received = decodeChannelMessage(msg.data);
    } catch (e) {
      this.log.warn({ err: e, subject: msg.subject }, 'undecodable nats channel message dropped');
      return;
    }
    if (!received) return;
    const { msg: m } = received;
    try {
      if (m.kind === 'publication') {
        const pub = { ...m.pub, offset: 0 };
        // Under a wildcard subscription the message names the channel it was published to.
        handler.handlePublication(channel, received.channel === channel ? pub : { ...pub, channel: received.channel }, NO_POSITION);
      } else if (received.channel === channel) {
        // Join and leave belong to their own channel's subscription, not to a wildcard one matching it.
        if (m.kind === 'join') handler.handleJoin(channel, m.info);
        else handler.handleLeave(channel, m.info);
      }
    } catch (e) {
      this.log.error({ err: e, channel }, 'channel message handling failed');
    }
  }

  /** A raw payload, as it is; like Centrifugo, it names its subject (without the raw prefix) when that differs from the channel. */
  private deliverRaw(handler: BrokerEventHandler, channel: string, msg: Msg): void {
    const published = this.raw!.channelOf(msg.subject);
    const pub = { data: msg.data, offset: 0, time: this.opts.clock.now() };
    try {
      handler.handlePublication(channel, published === channel ? pub : { ...pub, channel: published }, NO_POSITION);
    } catch (e) {
      this.log.error({ err: e, channel }, 'channel message handling failed');
    }
  }

  private readonly onControl = (err: NatsError | null, msg: Msg): void => {
    if (err) {
      this.log.warn({ err }, 'nats control subscription failed');
      return;
    }
    try {
      this.handler?.handleControl(msg.data);
    } catch (e) {
      this.log.error({ err: e }, 'control message handling failed');
    }
  };
}
