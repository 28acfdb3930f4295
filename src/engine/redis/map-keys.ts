import { channelTag } from './keys.js';

/**
 * Map channels are spread over this many partitions. A channel's keys carry its partition
 * as their hash tag, and so does the partition's cleanup index, so one Lua script can touch
 * a channel's state, stream and the index together on Redis Cluster.
 */
export const MAP_PARTITIONS = 64;

/** The partition of a map channel: every node computes the same one. */
export function mapPartition(channel: string): number {
  return parseInt(channelTag(channel), 36) % MAP_PARTITIONS;
}

/** The Redis keys of one map channel, all in one hash slot. */
export interface MapChannelKeys {
  /** Hash: `e` epoch, `s` top offset, `o` the options the last write used (for TTL cleanup). */
  meta: string;
  /** Hash: key → `<offset>:<removal length>:<removal record><record>`. */
  state: string;
  /** Sorted set, all scores 0: the keys in byte order, for paging by cursor. */
  order: string;
  /** Sorted set: key → unix ms it expires at (keys with a TTL only). */
  expire: string;
  /** Hash: key → `<version>:<version epoch>`; outlives removals so an older version cannot resurrect a key. */
  versions: string;
  /** Stream: entry id `<offset>-0`, fields `d` (record) and `t` (unix ms). */
  stream: string;
  /** Sorted set of the channels of this partition with keys to expire, scored by the earliest expiry. */
  cleanup: string;
}

export class RedisMapKeys {
  constructor(private readonly prefix: string) {}

  channel(channel: string): MapChannelKeys {
    const base = this.partitionBase(mapPartition(channel));
    return {
      meta: `${base}.meta.${channel}`,
      state: `${base}.state.${channel}`,
      order: `${base}.order.${channel}`,
      expire: `${base}.expire.${channel}`,
      versions: `${base}.versions.${channel}`,
      stream: `${base}.stream.${channel}`,
      cleanup: `${base}.cleanup`,
    };
  }

  /** The remembered result of an idempotent write; length-prefixed so no (channel, key) pair spells another. */
  idempotency(channel: string, key: string): string {
    return `${this.partitionBase(mapPartition(channel))}.idem.${channel.length}:${channel}${key}`;
  }

  /** The cleanup index of a partition. */
  cleanup(partition: number): string {
    return `${this.partitionBase(partition)}.cleanup`;
  }

  pubsub(channel: string): string {
    return `${this.prefix}.map.client.${channel}`;
  }

  /** PUB/SUB channel name back to the map channel, or undefined for other channels. */
  channelOf(pubsub: string): string | undefined {
    const p = `${this.prefix}.map.client.`;
    return pubsub.startsWith(p) ? pubsub.slice(p.length) : undefined;
  }

  private partitionBase(partition: number): string {
    return `${this.prefix}.map.{m${partition}}`;
  }
}
