import type { Cluster, Redis } from 'ioredis';
import { BucketsByKey, type BucketSpec, type Clock } from '../lib/index.js';

/** What a bucket check answers (Centrifugo PRO's `rate_limit` result, in ms). */
export interface BucketVerdict {
  allowed: boolean;
  /** Whole tokens left in the emptiest bucket after this check. */
  tokensLeft: number;
  /** ms until the request would be allowed; 0 when it was. */
  allowedIn: number;
  /** The time the buckets were checked at (unix ms): Redis's own clock, or this node's. */
  serverTime: number;
}

/**
 * Token buckets by key, the bucket specs given with every call (nothing is configured in
 * advance; a key asked with other specs has other buckets). Used for per-user command
 * limits and the `rate_limit` API method.
 */
export interface KeyedBuckets {
  /** True when every node shares the buckets (Redis). */
  readonly shared: boolean;
  /** Takes `score` tokens from all of the key's buckets when each has them, else none. Rejects when the store can't be reached. */
  take(key: string, specs: readonly BucketSpec[], score: number): Promise<BucketVerdict>;
}

const specsKey = (specs: readonly BucketSpec[]): string => specs.map((s) => `${s.interval}:${s.rate}`).join(',');

/**
 * Buckets in this process, for a node without Redis: per node, not per cluster. The map is
 * bounded (the longest unused key goes first), which errs on the side of allowing.
 */
export class MemoryKeyedBuckets implements KeyedBuckets {
  readonly shared = false;
  private readonly buckets: BucketsByKey;
  private readonly all = new Map<number, number[]>();

  constructor(
    private readonly clock: Clock,
    maxKeys = 100_000,
  ) {
    this.buckets = new BucketsByKey(maxKeys);
  }

  private slots(n: number): number[] {
    let s = this.all.get(n);
    if (!s) this.all.set(n, (s = Array.from({ length: n }, (_, i) => i)));
    return s;
  }

  async take(key: string, specs: readonly BucketSpec[], score: number): Promise<BucketVerdict> {
    const now = this.clock.now();
    const id = `${key}\u0000${specsKey(specs)}`;
    const b = this.buckets.get(id, specs);
    const slots = this.slots(specs.length);
    const wait = b.take(slots, now, score);
    return { allowed: wait === 0, tokensLeft: b.left(slots, now), allowedIn: wait, serverTime: now };
  }
}

/*
 * All of a key's buckets in one round trip, on Redis's clock so nodes with skewed clocks
 * agree. Each bucket is a hash {t: tokens, a: last refill ms} that expires once it would be
 * full again anyway. Returns {allowed, tokens left, ms until allowed, server time}.
 */
const TAKE = `
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local score = tonumber(ARGV[1])
local tokens = {}
local wait = 0
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local v = redis.call('HMGET', KEYS[i], 't', 'a')
  local t = tonumber(v[1])
  if t == nil then
    t = rate
  else
    local elapsed = now - tonumber(v[2])
    if elapsed < 0 then elapsed = 0 end
    t = math.min(rate, t + elapsed * rate / interval)
  end
  tokens[i] = t
  if t < score then
    local w = math.ceil((score - t) * interval / rate)
    if w > wait then wait = w end
  end
end
local left = -1
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i])
  local t = tokens[i]
  if wait == 0 then
    t = t - score
    redis.call('HSET', KEYS[i], 't', tostring(t), 'a', now)
    redis.call('PEXPIRE', KEYS[i], interval)
  end
  local whole = math.floor(t)
  if left < 0 or whole < left then left = whole end
end
if left < 0 then left = 0 end
return {wait == 0 and 1 or 0, left, wait, now}
`;

/** Buckets in Redis, shared by every node: `<prefix>:rl:{<key>}:<interval>:<rate>` (one hash tag per key, for Cluster). */
export class RedisKeyedBuckets implements KeyedBuckets {
  readonly shared = true;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  async take(key: string, specs: readonly BucketSpec[], score: number): Promise<BucketVerdict> {
    const keys = specs.map((s) => `${this.prefix}:rl:{${key}}:${s.interval}:${s.rate}`);
    const args = [score, ...specs.flatMap((s) => [s.interval, s.rate])];
    const [allowed, left, wait, now] = (await this.client.eval(TAKE, keys.length, ...keys, ...args)) as [number, number, number, number];
    return { allowed: allowed === 1, tokensLeft: left, allowedIn: wait, serverTime: now };
  }
}
