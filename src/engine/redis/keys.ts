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

  pubsub(channel: string): string {
    return `${this.prefix}.client.${channel}`;
  }

  /** PUB/SUB channel name back to the Parsec channel, or undefined for other channels. */
  channelOf(pubsub: string): string | undefined {
    const p = `${this.prefix}.client.`;
    return pubsub.startsWith(p) ? pubsub.slice(p.length) : undefined;
  }

  get control(): string {
    return `${this.prefix}.control`;
  }
}
