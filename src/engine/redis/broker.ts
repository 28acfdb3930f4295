import type { Logger } from 'pino';
import { randomString, type Clock } from '../../lib/index.js';
import { encodeClientInfo, encodePublication, type ClientInfo, type StreamPosition } from '../../protocol/index.js';
import type { Broker, BrokerEventHandler, Closer, EnginePublication, HealthReporter, HistoryPage, HistoryQuery, PublishOptions } from '../types.js';
import { RedisKeys } from './keys.js';
import { joinLeaveMessage, parseChannelMessage, parseHistoryEntry } from './messages.js';
import { shardFor, type RedisShard } from './shard.js';
import { redisCall } from './unavailable.js';

const DEFAULT_IDEMPOTENT_TTL_S = 300;

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Redis broker: history and delivery in one Lua script per publish (append, assign the
 * offset, PUBLISH), so every node sees a channel's publications in offset order.
 * Channels are spread over shards by a hash of their name. On a Redis Cluster of Redis 7 or
 * newer they use sharded PUB/SUB: a channel's messages go to the shard owning its slot only,
 * instead of every node of the cluster; the control channel stays classic, for every node.
 */
export class RedisBroker implements Broker, Closer, HealthReporter {
  private handler: BrokerEventHandler | undefined;
  private readonly keys: RedisKeys;

  constructor(
    private readonly shards: RedisShard[],
    prefix: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Channels use sharded PUB/SUB (SSUBSCRIBE/SPUBLISH): a Redis Cluster of Redis 7 or newer. */
    private readonly sharded = false,
  ) {
    this.keys = new RedisKeys(prefix);
  }

  private pubsub(channel: string): string {
    return this.keys.pubsub(channel, this.sharded);
  }

  /** A join or leave goes the way the channel's publications go. */
  private sendJoinLeave(channel: string, message: Buffer): Promise<unknown> {
    const { cmd } = this.shard(channel);
    return this.sharded ? cmd.spublish(this.pubsub(channel), message) : cmd.publish(this.pubsub(channel), message);
  }

  /** Routes a message from any shard's PUB/SUB connection. */
  onMessage(pubsub: Buffer, message: Buffer): void {
    const name = pubsub.toString('utf8');
    if (name === this.keys.control) {
      this.handler?.handleControl(message);
      return;
    }
    const channel = this.keys.channelOf(name);
    if (channel === undefined || !this.handler) return;
    let msg;
    try {
      msg = parseChannelMessage(message);
    } catch (err) {
      this.log.error({ channel, err }, 'undecodable redis message');
      return;
    }
    if (!msg) return;
    if (msg.kind === 'pub') this.handler.handlePublication(channel, msg.pub, msg.position);
    else if (msg.kind === 'join') this.handler.handleJoin(channel, msg.info);
    else this.handler.handleLeave(channel, msg.info);
  }

  onResumed(): void {
    this.handler?.handleDeliveryResumed();
  }

  async run(handler: BrokerEventHandler): Promise<void> {
    this.handler = handler;
  }

  private shard(channel: string): RedisShard {
    return shardFor(this.shards, channel);
  }

  async subscribe(channel: string): Promise<void> {
    await redisCall('subscribe', () => this.shard(channel).subscribe(this.pubsub(channel)));
  }

  async unsubscribe(channel: string): Promise<void> {
    await redisCall('unsubscribe', () => this.shard(channel).unsubscribe(this.pubsub(channel)));
  }

  async publish(channel: string, data: Uint8Array, opts: PublishOptions): Promise<StreamPosition> {
    const history = opts.historySize > 0 && opts.historyTtl > 0;
    const bytes = Buffer.from(encodePublication({ data, info: opts.info, tags: opts.tags, time: this.clock.now(), delta: opts.delta }));
    const result = await redisCall('publish', () => this.shard(channel).cmd.parsecPublish(
      this.keys.streamMeta(channel),
      this.keys.streamData(channel),
      this.keys.idempotency(channel, opts.idempotencyKey ?? ''),
      bytes,
      opts.historySize,
      seconds(opts.historyTtl),
      opts.historyMetaTtl > 0 ? seconds(opts.historyMetaTtl) : 0,
      this.pubsub(channel),
      randomString(6),
      opts.idempotentResultTtl ? seconds(opts.idempotentResultTtl) : DEFAULT_IDEMPOTENT_TTL_S,
      history ? '1' : '0',
      opts.idempotencyKey ? '1' : '0',
      this.sharded ? 'spublish' : 'publish',
    ));
    const colon = result.indexOf(':');
    return { offset: Number(result.slice(0, colon)), epoch: result.slice(colon + 1) };
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    await redisCall('publish', () => this.sendJoinLeave(channel, joinLeaveMessage('join', encodeClientInfo(info))));
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    await redisCall('publish', () => this.sendJoinLeave(channel, joinLeaveMessage('leave', encodeClientInfo(info))));
  }

  async publishControl(data: Uint8Array): Promise<void> {
    await redisCall('publish', () => this.shards[0]!.cmd.publish(this.keys.control, Buffer.from(data)));
  }

  async history(channel: string, query: HistoryQuery): Promise<HistoryPage> {
    const [top, epoch, entries] = await redisCall('history', () => this.shard(channel).cmd.parsecHistoryBuffer(
      this.keys.streamMeta(channel),
      this.keys.streamData(channel),
      randomString(6),
      query.historyMetaTtl > 0 ? seconds(query.historyMetaTtl) : 0,
      query.limit === 0 ? '0' : '1',
    ));
    const position = { offset: Number(top.toString()), epoch: epoch.toString() };
    if (query.limit === 0) return { publications: [], position };
    let pubs = entries.map(parseHistoryEntry).filter((p): p is EnginePublication => p !== undefined);
    const since = query.since;
    if (query.reverse) {
      if (since) pubs = pubs.filter((p) => p.offset < since.offset);
      pubs.reverse();
    } else if (since) {
      pubs = pubs.filter((p) => p.offset > since.offset);
    }
    if (query.limit > 0 && pubs.length > query.limit) pubs = pubs.slice(0, query.limit);
    return { publications: pubs, position };
  }

  async removeHistory(channel: string): Promise<void> {
    await redisCall('history remove', () => this.shard(channel).cmd.del(this.keys.streamData(channel)));
  }

  unhealthyReason(): string | undefined {
    for (const s of this.shards) {
      const reason = s.unhealthyReason();
      if (reason) return reason;
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.handler = undefined;
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
