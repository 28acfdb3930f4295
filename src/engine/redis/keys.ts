/**
 * Key and PUB/SUB channel names. Keys of one channel share a hash tag (a hash of the
 * channel name, since the name itself may contain braces) so Lua scripts touching
 * several of them work on Redis Cluster.
 */
export function channelTag(channel: string): string {
  // FNV-1a: cheap, stable across nodes and versions.
  let h = 0x811c9dc5;
  for (let i = 0; i < channel.length; i++) {
    h ^= channel.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

export class RedisKeys {
  constructor(private readonly prefix: string) {}

  streamMeta(channel: string): string {
    return `${this.prefix}.stream.{${channelTag(channel)}}.meta.${channel}`;
  }

  streamData(channel: string): string {
    return `${this.prefix}.stream.{${channelTag(channel)}}.data.${channel}`;
  }

  idempotency(channel: string, key: string): string {
    return `${this.prefix}.stream.{${channelTag(channel)}}.idem.${channel}.${key}`;
  }

  presenceData(channel: string): string {
    return `${this.prefix}.presence.{${channelTag(channel)}}.data.${channel}`;
  }

  presenceExpire(channel: string): string {
    return `${this.prefix}.presence.{${channelTag(channel)}}.expire.${channel}`;
  }

  /**
   * The channel's PUB/SUB channel. A sharded one (SSUBSCRIBE/SPUBLISH on a cluster) carries the
   * channel's hash tag: it lives in the slot of the channel's keys, so the publish script can
   * SPUBLISH to it, and all nodes of the shard that owns the slot, and only those, carry it.
   */
  pubsub(channel: string, sharded = false): string {
    return sharded ? `${this.prefix}.shard.{${channelTag(channel)}}.${channel}` : `${this.prefix}.client.${channel}`;
  }

  /** Whether a PUB/SUB channel name is a sharded one. */
  isSharded(pubsub: string): boolean {
    return pubsub.startsWith(`${this.prefix}.shard.{`);
  }

  /** PUB/SUB channel name (either kind) back to the Parsec channel, or undefined for other channels. */
  channelOf(pubsub: string): string | undefined {
    const classic = `${this.prefix}.client.`;
    if (pubsub.startsWith(classic)) return pubsub.slice(classic.length);
    if (!this.isSharded(pubsub)) return undefined;
    const end = pubsub.indexOf('}.', this.prefix.length + 8);
    return end < 0 ? undefined : pubsub.slice(end + 2);
  }

  get control(): string {
    return `${this.prefix}.control`;
  }
}
