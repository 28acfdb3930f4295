import type { Clock } from '../../lib/index.js';
import { decodeClientInfo, encodeClientInfo, type ClientInfo } from '../../protocol/index.js';
import type { PresenceManager, PresenceStats } from '../types.js';
import { RedisKeys } from './keys.js';
import { shardFor, type RedisShard } from './shard.js';
import { redisCall } from './unavailable.js';

/**
 * Presence in Redis: per channel a hash (client id → info) and a sorted set of expiry
 * times. Each node refreshes its own clients' entries; entries of a node that died
 * expire after `presence_ttl` and are dropped on the next read.
 */
export class RedisPresenceManager implements PresenceManager {
  private readonly keys: RedisKeys;

  constructor(
    private readonly shards: RedisShard[],
    prefix: string,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {
    this.keys = new RedisKeys(prefix);
  }

  private shard(channel: string): RedisShard {
    return shardFor(this.shards, channel);
  }

  private async entries(channel: string): Promise<Array<[string, ClientInfo]>> {
    const flat = await redisCall('presence', () =>
      this.shard(channel).cmd.parsecPresenceBuffer(this.keys.presenceExpire(channel), this.keys.presenceData(channel), Math.floor(this.clock.now() / 1000)),
    );
    const out: Array<[string, ClientInfo]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!.toString(), decodeClientInfo(flat[i + 1]!)]);
    return out;
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    return Object.fromEntries(await this.entries(channel));
  }

  async presenceStats(channel: string): Promise<PresenceStats> {
    const entries = await this.entries(channel);
    return { numClients: entries.length, numUsers: new Set(entries.map(([, i]) => i.user)).size };
  }

  async addPresence(channel: string, clientId: string, info: ClientInfo): Promise<void> {
    const ttl = Math.max(1, Math.ceil(this.ttlMs / 1000));
    await redisCall('presence', () => this.shard(channel).cmd.parsecAddPresence(
      this.keys.presenceExpire(channel),
      this.keys.presenceData(channel),
      ttl,
      Math.floor(this.clock.now() / 1000) + ttl,
      clientId,
      Buffer.from(encodeClientInfo(info)),
    ));
  }

  async removePresence(channel: string, clientId: string): Promise<void> {
    const cmd = this.shard(channel).cmd;
    await redisCall('presence', () => Promise.all([cmd.hdel(this.keys.presenceData(channel), clientId), cmd.zrem(this.keys.presenceExpire(channel), clientId)]));
  }
}
