import type { Cluster, Redis } from 'ioredis';
import { z } from 'zod';
import { isInForce, newestFirst, type UserBlock } from './blocks.js';
import { MAX_BLOCK_HISTORY, pageOf, type BlockPage, type BlockQuery, type ModerationStore, type StoredRateLimits } from './store.js';

export interface RedisModerationStoreOptions {
  client: Redis | Cluster;
  /** Key prefix shared with the engine (`engine.redis.prefix`). */
  prefix: string;
  /** Whether closing the store closes the client (true when the store owns it). */
  ownsClient: boolean;
  maxHistory?: number;
}

const record = z.object({ id: z.string(), user: z.string(), reason: z.string(), blocked_by: z.string(), blocked_at: z.number(), expire_at: z.number() });
const storedLimits = z.object({ settings: z.record(z.string(), z.unknown()), updated_at: z.number(), updated_by: z.string() });

/*
 * Both scripts keep `current` (user → "<expire_at>:<id>" of the block not lifted) and
 * `lifted` (id → "<at>:<by>") in step; a block counts as in force while `current` names it
 * and its expiry is ahead. Lifting, recording and trimming happen in one script, so two
 * operators blocking the same user at once cannot leave two blocks in force.
 */
const BLOCK = `
local function inForce(cur, now)
  local sep = string.find(cur, ':', 1, true)
  local exp = tonumber(string.sub(cur, 1, sep - 1))
  return (exp == 0 or exp > now), string.sub(cur, sep + 1)
end
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1 then return 0 end
local now = tonumber(ARGV[4])
local cur = redis.call('HGET', KEYS[3], ARGV[1])
if cur then
  local live, prev = inForce(cur, now)
  if live then redis.call('HSET', KEYS[4], prev, ARGV[4] .. ':' .. ARGV[5]) end
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[6] .. ':' .. ARGV[2])
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[7])
if extra > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, extra - 1)) do
    local rec = redis.call('HGET', KEYS[1], id)
    local keep = false
    if rec then
      local c = redis.call('HGET', KEYS[3], cjson.decode(rec).user)
      if c then
        local live, cid = inForce(c, now)
        keep = live and cid == id
      end
    end
    if not keep then
      redis.call('HDEL', KEYS[1], id)
      redis.call('HDEL', KEYS[4], id)
      redis.call('ZREM', KEYS[2], id)
    end
  end
end
return 1
`;

const UNBLOCK = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
local sep = string.find(cur, ':', 1, true)
local exp = tonumber(string.sub(cur, 1, sep - 1))
local id = string.sub(cur, sep + 1)
if exp ~= 0 and exp <= tonumber(ARGV[2]) then return false end
redis.call('HSET', KEYS[2], id, ARGV[2] .. ':' .. ARGV[3])
return redis.call('HGET', KEYS[3], id)
`;

/** "<number>:<rest>" as the scripts write it. */
function splitPair(v: string): [number, string] {
  const sep = v.indexOf(':');
  return [Number(v.slice(0, sep)), v.slice(sep + 1)];
}

function fromRecord(json: string, lifted: string | null): UserBlock {
  const r = record.parse(JSON.parse(json));
  const [liftedAt, liftedBy] = lifted ? splitPair(lifted) : [0, ''];
  return { id: r.id, user: r.user, reason: r.reason, blockedBy: r.blocked_by, blockedAt: r.blocked_at, expireAt: r.expire_at, liftedAt, liftedBy };
}

/**
 * Blocks and overrides in Redis, seen by every node. All keys share one hash tag, so the
 * scripts work under Redis Cluster too:
 * `<prefix>:{moderation}:blocks` (id → record), `…:block_order` (zset by time),
 * `…:blocks_current`, `…:blocks_lifted` and `…:rate_limits`.
 */
export class RedisModerationStore implements ModerationStore {
  readonly shared = true;
  readonly kind = 'redis';
  private readonly keys: { records: string; order: string; current: string; lifted: string; limits: string };
  private closed = false;

  constructor(private readonly opts: RedisModerationStoreOptions) {
    const base = `${opts.prefix}:{moderation}`;
    this.keys = { records: `${base}:blocks`, order: `${base}:block_order`, current: `${base}:blocks_current`, lifted: `${base}:blocks_lifted`, limits: `${base}:rate_limits` };
  }

  async block(b: UserBlock): Promise<void> {
    const { records, order, current, lifted } = this.keys;
    const json = JSON.stringify({ id: b.id, user: b.user, reason: b.reason, blocked_by: b.blockedBy, blocked_at: b.blockedAt, expire_at: b.expireAt });
    const max = this.opts.maxHistory ?? MAX_BLOCK_HISTORY;
    await this.opts.client.eval(BLOCK, 4, records, order, current, lifted, b.user, b.id, json, b.blockedAt, b.blockedBy, b.expireAt, max);
  }

  async unblock(user: string, by: string, at: number): Promise<UserBlock | undefined> {
    const { current, lifted, records } = this.keys;
    const json = (await this.opts.client.eval(UNBLOCK, 3, current, lifted, records, user, at, by)) as string | null;
    return json ? fromRecord(json, `${at}:${by}`) : undefined;
  }

  async activeBlocks(now: number): Promise<UserBlock[]> {
    const { client } = this.opts;
    const ids = Object.values(await client.hgetall(this.keys.current))
      .map(splitPair)
      .filter(([expireAt]) => expireAt === 0 || expireAt > now)
      .map(([, id]) => id);
    if (ids.length === 0) return [];
    const jsons = await client.hmget(this.keys.records, ...ids);
    return jsons.flatMap((j) => (j ? [fromRecord(j, null)] : []));
  }

  async listBlocks(q: BlockQuery): Promise<BlockPage> {
    if (!q.history) return pageOf((await this.activeBlocks(q.now)).sort(newestFirst), q, () => true);
    const { client } = this.opts;
    const ids = await client.zrevrange(this.keys.order, 0, -1);
    if (ids.length === 0) return { blocks: [], nextCursor: '' };
    const [jsons, lifts] = await Promise.all([client.hmget(this.keys.records, ...ids), client.hmget(this.keys.lifted, ...ids)]);
    const all = jsons.flatMap((j, i) => (j ? [fromRecord(j, lifts[i] ?? null)] : [])).sort(newestFirst);
    return pageOf(all, q, (b) => isInForce(b, q.now));
  }

  async rateLimits(): Promise<StoredRateLimits | undefined> {
    const raw = await this.opts.client.get(this.keys.limits);
    if (raw === null) return undefined;
    const r = storedLimits.parse(JSON.parse(raw));
    return { settings: r.settings, updatedAt: r.updated_at, updatedBy: r.updated_by };
  }

  async setRateLimits(r: StoredRateLimits): Promise<void> {
    await this.opts.client.set(this.keys.limits, JSON.stringify({ settings: r.settings, updated_at: r.updatedAt, updated_by: r.updatedBy }));
  }

  async close(): Promise<void> {
    if (this.closed || !this.opts.ownsClient) return;
    this.closed = true;
    this.opts.client.disconnect();
  }
}
