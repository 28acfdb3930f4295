import type { Clock } from '../../lib/index.js';
import { decodeClientInfo, encodeClientInfo, type ClientInfo } from '../../protocol/index.js';
import type { Closer, HealthReporter, PresenceManager, PresenceStats } from '../types.js';
import type { RedisClient } from './connection.js';
import { RedisKeys } from './keys.js';
import { shardFor, type ScriptCommands } from './shard.js';
import { redisCall } from './unavailable.js';

/** A shard's command connection, with the Lua commands defined. */
type Commands = RedisClient & ScriptCommands;

/**
 * Presence in Redis: per channel a hash (client id → info) and a sorted set of expiry
 * times. Each node refreshes its own clients' entries; entries of a node that died
 * expire after `presence_ttl` and are dropped on the next read. Uses the command
 * connections it is given, one per shard, which the engine's broker shares.
 */
export class RedisPresenceManager implements PresenceManager, HealthReporter {
  private readonly keys: RedisKeys;

  constructor(
    protected readonly shards: readonly Commands[],
    prefix: string,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {
    this.keys = new RedisKeys(prefix);
  }

  private cmd(channel: string): Commands {
    return shardFor(this.shards, channel);
  }

  private async entries(channel: string): Promise<Array<[string, ClientInfo]>> {
    const flat = await redisCall('presence', () =>
      this.cmd(channel).parsecPresenceBuffer(this.keys.presenceExpire(channel), this.keys.presenceData(channel), Math.floor(this.clock.now() / 1000)),
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
    await redisCall('presence', () => this.cmd(channel).parsecAddPresence(
      this.keys.presenceExpire(channel),
      this.keys.presenceData(channel),
      ttl,
      Math.floor(this.clock.now() / 1000) + ttl,
      clientId,
      Buffer.from(encodeClientInfo(info)),
    ));
  }

  async removePresence(channel: string, clientId: string): Promise<void> {
    const cmd = this.cmd(channel);
    await redisCall('presence', () => Promise.all([cmd.hdel(this.keys.presenceData(channel), clientId), cmd.zrem(this.keys.presenceExpire(channel), clientId)]));
  }

  /** Undefined while every shard's command connection is ready. */
  unhealthyReason(): string | undefined {
    const i = this.shards.findIndex((c) => c.status !== 'ready');
    return i < 0 ? undefined : `redis shard ${i}: command connection ${this.shards[i]!.status}`;
  }
}

/** A presence manager with Redis connections of its own (`presence_manager.redis`), which it closes. */
export class OwnRedisPresenceManager extends RedisPresenceManager implements Closer {
  /** Drops the connections at once: a QUIT would wait on a Redis that may be gone. Idempotent. */
  async close(): Promise<void> {
    for (const c of this.shards) c.disconnect();
  }
}
