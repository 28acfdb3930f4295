import type { Logger } from 'pino';
import { randomString, type Clock } from '../../lib/index.js';
import type { StreamPosition } from '../../protocol/index.js';
import type { Closer, HealthReporter } from '../types.js';
import type {
  MapBroker,
  MapChannelOptions,
  MapEventHandler,
  MapPublishOptions,
  MapRemoveOptions,
  MapStatePage,
  MapStateQuery,
  MapStreamPage,
  MapStreamQuery,
  MapSuppressReason,
  MapWriteResult,
} from '../map-types.js';
import { MAP_PARTITIONS, RedisMapKeys, type MapChannelKeys } from './map-keys.js';
import { encodeRecord, parseMapMessage, parseStateValue, parseStreamEntry } from './map-records.js';
import { mapClearScript, mapExpireScript, mapPublishScript, mapReadStateScript, mapReadStreamScript, mapRemoveScript } from './map-scripts.js';
import { shardFor, type RedisShard } from './shard.js';
import { redisCall } from './unavailable.js';

type Arg = string | Buffer | number;
type WriteReply = [number, string, string];

/** The map scripts, defined on every command connection of the map broker's shards. */
interface MapScriptCommands {
  parsecMapPublish(...keysAndArgs: Arg[]): Promise<WriteReply>;
  parsecMapRemove(...keysAndArgs: Arg[]): Promise<WriteReply>;
  parsecMapExpire(...keysAndArgs: Arg[]): Promise<number>;
  parsecMapReadStateBuffer(...keysAndArgs: Arg[]): Promise<[number, Buffer, Buffer, ...Buffer[]]>;
  parsecMapReadStreamBuffer(...keysAndArgs: Arg[]): Promise<[number, Buffer, Array<[Buffer, Buffer[]]>]>;
  parsecMapClear(...keysAndArgs: Arg[]): Promise<number>;
}

/** Ephemeral channels keep no position worth keeping; their keys outlive the last key TTL by this much, so cleanup can publish removals first. */
const EPHEMERAL_SLACK_MS = 60_000;
/** Channels fetched per cleanup index read. */
const CLEANUP_CHANNELS = 1000;
/** Batches one channel may expire per cleanup round, so one busy channel cannot hold up the rest. */
const CLEANUP_BATCHES_PER_ROUND = 10;

export interface RedisMapBrokerOptions {
  shards: RedisShard[];
  prefix: string;
  clock: Clock;
  log: Logger;
  /** ms between looks for expired keys; 0 or less = keys are never expired (nor their removals published). */
  cleanupInterval: number;
  /** Keys expired per channel per script call. */
  cleanupBatchSize: number;
  /** ms an idempotent write's result is remembered, unless the write says otherwise. */
  idempotentResultTtl: number;
  /** Write state and stream but PUBLISH nothing and listen to nothing (another component delivers). */
  skipPubSub: boolean;
}

/**
 * Map channels in Redis, so any node serves any map: state, stream, position, versions,
 * key TTLs and idempotent results are Redis keys (map-keys.ts), each change one Lua script
 * that also PUBLISHes it (map-scripts.ts). Every node runs the TTL cleanup; the script makes
 * each expiry happen, and its removal be published, once.
 */
export class RedisMapBroker implements MapBroker, Closer, HealthReporter {
  private handler: MapEventHandler | undefined;
  private readonly keys: RedisMapKeys;
  private readonly shards: RedisShard[];
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly opts: RedisMapBrokerOptions;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private cleaning: Promise<void> | undefined;
  private cleanupFailing = false;

  constructor(opts: RedisMapBrokerOptions) {
    this.opts = opts;
    this.shards = opts.shards;
    this.clock = opts.clock;
    this.log = opts.log;
    this.keys = new RedisMapKeys(opts.prefix);
    for (const s of this.shards) defineMapScripts(s);
  }

  async run(handler: MapEventHandler): Promise<void> {
    this.handler = handler;
    if (this.opts.cleanupInterval > 0) {
      this.cleanupTimer = setInterval(() => void this.cleanupRound(), this.opts.cleanupInterval);
      this.cleanupTimer.unref();
    }
  }

  /** Routes a message from a shard's PUB/SUB connection. */
  onMessage(pubsub: Buffer, message: Buffer): void {
    const channel = this.keys.channelOf(pubsub.toString('utf8'));
    if (channel === undefined || !this.handler) return;
    let msg;
    try {
      msg = parseMapMessage(message);
    } catch (err) {
      this.log.error({ channel, err }, 'undecodable redis map message');
      return;
    }
    this.handler.handleMapPublication(channel, msg.pub, { offset: msg.pub.offset, epoch: msg.epoch }, msg.delta, msg.prevData);
  }

  /** The PUB/SUB connection came back: changes published meanwhile were not received. */
  onResumed(): void {
    this.handler?.handleMapDeliveryResumed();
  }

  async subscribe(channel: string): Promise<void> {
    if (this.opts.skipPubSub) return;
    await redisCall('map subscribe', () => this.shard(channel).subscribe(this.keys.pubsub(channel)));
  }

  async unsubscribe(channel: string): Promise<void> {
    if (this.opts.skipPubSub) return;
    await redisCall('map unsubscribe', () => this.shard(channel).unsubscribe(this.keys.pubsub(channel)));
  }

  async publish(channel: string, key: string, opts: MapPublishOptions, ch: MapChannelOptions): Promise<MapWriteResult> {
    const now = this.clock.now();
    const record = encodeRecord({ key, data: opts.data, info: opts.info, tags: opts.tags, time: now, version: opts.version || undefined }, opts.delta ?? false);
    const removal = encodeRecord({ key, data: new Uint8Array(0), removed: true, tags: opts.tags, time: 0 }, false);
    const expected = opts.expectedPosition ? `${opts.expectedPosition.offset}:${opts.expectedPosition.epoch}` : '';
    const reply = await redisCall('map publish', () =>
      this.cmd(channel).parsecMapPublish(
        ...this.writeKeys(channel, opts.idempotencyKey),
        key,
        record,
        removal,
        ch.hasStream ? '1' : '0',
        ch.keyTtl,
        ch.streamSize,
        ch.streamTtl,
        containerTtl(ch),
        randomString(),
        now,
        this.pubsubOf(channel),
        opts.idempotencyKey ? (opts.idempotentResultTtl ?? this.opts.idempotentResultTtl) : '',
        opts.version ?? 0,
        opts.versionEpoch ?? '',
        opts.keyMode ?? '',
        opts.refreshTtlOnSuppress ? '1' : '0',
        expected,
        opts.delta ? '1' : '0',
        channel,
      ),
    );
    return writeResult(reply);
  }

  async remove(channel: string, key: string, opts: MapRemoveOptions, ch: MapChannelOptions): Promise<MapWriteResult> {
    const reply = await redisCall('map remove', () =>
      this.cmd(channel).parsecMapRemove(
        ...this.writeKeys(channel, opts.idempotencyKey),
        key,
        ch.hasStream ? '1' : '0',
        ch.streamSize,
        ch.streamTtl,
        containerTtl(ch),
        randomString(),
        this.clock.now(),
        this.pubsubOf(channel),
        opts.idempotencyKey ? (opts.idempotentResultTtl ?? this.opts.idempotentResultTtl) : '',
        channel,
      ),
    );
    return writeResult(reply);
  }

  async readState(channel: string, query: MapStateQuery, ch: MapChannelOptions): Promise<MapStatePage> {
    const one = query.key !== undefined;
    const reply = await redisCall('map state read', () =>
      this.cmd(channel).parsecMapReadStateBuffer(
        ...this.channelKeys(channel),
        randomString(),
        containerTtl(ch),
        channel,
        query.cursor,
        query.limit,
        one ? '1' : '0',
        query.key ?? '',
        this.clock.now(),
      ),
    );
    const entries = [];
    const [top, epoch, cursor] = reply;
    for (let i = 4; i < reply.length; i += 2) entries.push(parseStateValue(reply[i] as Buffer));
    return { entries, position: positionOf(top, epoch), cursor: one ? '' : cursor.toString('utf8') };
  }

  async readStream(channel: string, query: MapStreamQuery, ch: MapChannelOptions): Promise<MapStreamPage> {
    const read = query.limit === 0 || !ch.hasStream ? '' : query.reverse ? 'rev' : 'fwd';
    const [top, epoch, entries] = await redisCall('map stream read', () =>
      this.cmd(channel).parsecMapReadStreamBuffer(...this.channelKeys(channel), randomString(), containerTtl(ch), channel, read, query.since?.offset ?? 0, query.limit),
    );
    return { entries: entries.map(parseStreamEntry), position: positionOf(top, epoch) };
  }

  async stats(channel: string, _ch: MapChannelOptions): Promise<{ numKeys: number }> {
    return { numKeys: await redisCall('map stats', () => this.cmd(channel).hlen(this.keys.channel(channel).state)) };
  }

  async clear(channel: string, _ch: MapChannelOptions): Promise<void> {
    await redisCall('map clear', () => this.cmd(channel).parsecMapClear(...this.channelKeys(channel), channel));
  }

  unhealthyReason(): string | undefined {
    for (const s of this.shards) {
      const reason = s.unhealthyReason();
      if (reason) return `map broker: ${reason}`;
    }
    return undefined;
  }

  async close(): Promise<void> {
    clearInterval(this.cleanupTimer);
    this.handler = undefined;
    await this.cleaning;
    await Promise.all(this.shards.map((s) => s.close()));
  }

  /**
   * One look for expired keys on every shard: the channels whose earliest expiry has
   * passed, from each partition's cleanup index, then a script per channel. A round still
   * running when the next is due makes that one skip.
   */
  private cleanupRound(): Promise<void> {
    if (this.cleaning) return this.cleaning;
    const run = async (): Promise<void> => {
      const now = this.clock.now();
      try {
        await Promise.all(this.shards.map((s) => this.cleanupShard(s, now)));
        if (this.cleanupFailing) this.log.info('map key expiry works again');
        this.cleanupFailing = false;
      } catch (err) {
        // Once per outage, not once a round.
        if (!this.cleanupFailing) this.log.warn({ err: (err as Error).message }, 'map key expiry failed; retrying every round');
        this.cleanupFailing = true;
      }
    };
    this.cleaning = run().finally(() => (this.cleaning = undefined));
    return this.cleaning;
  }

  private async cleanupShard(shard: RedisShard, now: number): Promise<void> {
    const cmd = shard.cmd as RedisShard['cmd'] & MapScriptCommands;
    const partitions = Array.from({ length: MAP_PARTITIONS }, (_, p) => p);
    await Promise.all(
      partitions.map(async (p) => {
        const due = await cmd.zrangebyscore(this.keys.cleanup(p), '-inf', now, 'LIMIT', 0, CLEANUP_CHANNELS);
        for (const channel of due) {
          // Another shard's channel can't be in this shard's index; a changed shard count leaves strays, which expire here all the same.
          for (let i = 0; i < CLEANUP_BATCHES_PER_ROUND; i++) {
            const expired = await cmd.parsecMapExpire(...this.channelKeys(channel), now, this.opts.cleanupBatchSize, channel, this.pubsubOf(channel));
            if (expired < this.opts.cleanupBatchSize) break;
          }
        }
      }),
    );
  }

  private shard(channel: string): RedisShard {
    return shardFor(this.shards, channel);
  }

  private cmd(channel: string): RedisShard['cmd'] & MapScriptCommands {
    // defineMapScripts added these commands to every shard's connection.
    return this.shard(channel).cmd as RedisShard['cmd'] & MapScriptCommands;
  }

  private channelKeys(channel: string): string[] {
    const k: MapChannelKeys = this.keys.channel(channel);
    return [k.meta, k.state, k.order, k.expire, k.versions, k.stream, k.cleanup];
  }

  /** The channel's keys and its idempotency key (a key of the same slot, unused without an idempotency key). */
  private writeKeys(channel: string, idempotencyKey: string | undefined): string[] {
    return [...this.channelKeys(channel), this.keys.idempotency(channel, idempotencyKey ?? '')];
  }

  private pubsubOf(channel: string): string {
    return this.opts.skipPubSub ? '' : this.keys.pubsub(channel);
  }
}

function defineMapScripts(shard: RedisShard): void {
  const cmd = shard.cmd;
  cmd.defineCommand('parsecMapPublish', { numberOfKeys: 8, lua: mapPublishScript });
  cmd.defineCommand('parsecMapRemove', { numberOfKeys: 8, lua: mapRemoveScript });
  cmd.defineCommand('parsecMapExpire', { numberOfKeys: 7, lua: mapExpireScript });
  cmd.defineCommand('parsecMapReadState', { numberOfKeys: 7, lua: mapReadStateScript });
  cmd.defineCommand('parsecMapReadStream', { numberOfKeys: 7, lua: mapReadStreamScript });
  cmd.defineCommand('parsecMapClear', { numberOfKeys: 7, lua: mapClearScript });
}

/**
 * How long a channel's keys live after its last change: the meta TTL in the stream modes
 * (0 = forever); in ephemeral mode a while past the key TTL, so nothing outlives its use.
 */
function containerTtl(ch: MapChannelOptions): number {
  if (ch.hasStream) return ch.metaTtl;
  return ch.keyTtl > 0 ? ch.keyTtl + EPHEMERAL_SLACK_MS : 0;
}

function positionOf(top: number, epoch: Buffer): StreamPosition {
  return { offset: top, epoch: epoch.toString('latin1') };
}

function writeResult([offset, epoch, reason]: WriteReply): MapWriteResult {
  const position = { offset: Number(offset), epoch };
  if (reason === '') return { position, suppressed: false };
  return { position, suppressed: true, suppressReason: reason as MapSuppressReason };
}
