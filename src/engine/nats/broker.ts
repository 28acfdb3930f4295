import type { Msg, NatsConnection, NatsError, Subscription } from 'nats';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/index.js';
import type { ClientInfo, StreamPosition } from '../../protocol/index.js';
import { EngineError, EngineErrorCode } from '../errors.js';
import { IdempotentResults } from '../idempotency.js';
import type { Broker, BrokerEventHandler, Closer, HistoryPage, PublishOptions } from '../types.js';
import { connectNats, watchNats, within, type NatsLink } from './connection.js';
import { decodeChannelMessage, encodeChannelMessage, type ChannelMessage } from './envelope.js';
import { decodeChannel, encodeChannel } from './subject.js';

const SWEEP_INTERVAL_MS = 10_000;

export interface NatsBrokerOptions {
  /** One NATS URL or several separated by commas (`broker.nats.url`). */
  url: string;
  /** Subjects are `<prefix>.client.<channel>` and `<prefix>.control` (`broker.nats.prefix`). */
  prefix: string;
  /** How long the first connection may take, ms (`broker.nats.dial_timeout`). */
  dialTimeout: number;
  /** How long NATS may take to confirm a subscription or finish a drain, ms (`broker.nats.write_timeout`). */
  writeTimeout: number;
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

/**
 * PUB/SUB over NATS core, as Centrifugo's NATS broker does it: at most once, no history,
 * no offsets. Each channel a local client listens to is one NATS subscription, made when
 * the node's first subscriber arrives. nats.js reconnects by itself and restores the
 * subscriptions; what is published while a node is cut off does not reach it. While
 * disconnected, publish and subscribe fail at once (PARSEC_ENGINE_UNAVAILABLE) rather
 * than queue without bound.
 */
export class NatsBroker implements Broker, Closer {
  private handler: BrokerEventHandler | undefined;
  private link: NatsLink | undefined;
  private readonly subs = new Map<string, Subscription>();
  // Per node: a retry that lands on another node is delivered again.
  private readonly idempotent = new IdempotentResults();
  private readonly clientPrefix: string;
  private readonly controlSubject: string;
  private readonly log: Logger;
  private sweeper: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: NatsBrokerOptions) {
    this.clientPrefix = `${opts.prefix}.client.`;
    this.controlSubject = `${opts.prefix}.control`;
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
    this.log.info({ server: nc.getServer(), prefix: this.opts.prefix }, 'nats broker connected');
  }

  async subscribe(channel: string): Promise<void> {
    if (this.subs.has(channel)) return;
    const nc = this.live();
    this.subs.set(channel, nc.subscribe(this.clientPrefix + encodeChannel(channel), { callback: this.onChannelMessage }));
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
    const now = this.opts.clock.now();
    const seen = this.idempotent.get(channel, opts.idempotencyKey, now);
    if (seen) return seen;
    this.send(channel, { kind: 'publication', pub: { data, info: opts.info, tags: opts.tags, time: now, delta: opts.delta } });
    const position = { offset: 0, epoch: '' };
    this.idempotent.remember(channel, opts.idempotencyKey, position, now, opts.idempotentResultTtl);
    return position;
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    this.send(channel, { kind: 'join', info });
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    this.send(channel, { kind: 'leave', info });
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
  private readonly onChannelMessage = (err: NatsError | null, msg: Msg): void => {
    if (err) {
      this.log.warn({ err }, 'nats subscription failed');
      return;
    }
    const channel = decodeChannel(msg.subject.slice(this.clientPrefix.length));
    const handler = this.handler;
    if (!handler || !this.subs.has(channel)) return;
    let m: ChannelMessage | undefined;
    try {
      m = decodeChannelMessage(msg.data);
    } catch (e) {
      this.log.warn({ err: e, subject: msg.subject }, 'undecodable nats channel message dropped');
      return;
    }
    try {
      if (m?.kind === 'publication') handler.handlePublication(channel, { ...m.pub, offset: 0 }, { offset: 0, epoch: '' });
      else if (m?.kind === 'join') handler.handleJoin(channel, m.info);
      else if (m?.kind === 'leave') handler.handleLeave(channel, m.info);
    } catch (e) {
      this.log.error({ err: e, channel }, 'channel message handling failed');
    }
  };

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
