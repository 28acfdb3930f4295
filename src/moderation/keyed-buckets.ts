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
 * advance; a key asked with other specs has other buckets). Used for the `rate_limit` API
 * method, and for per-user command limits when the buckets are in Redis (a node without
 * Redis keeps them in RateLimits' own per-user entries).
 */
export interface KeyedBuckets {
  /** True when every node shares the buckets (Redis). */
  readonly shared: boolean;
  /**
   * Takes `score` tokens from all of the key's buckets when each has them, else none. A store
   * in this process answers at once; Redis answers with a promise, which rejects when it
   * can't be reached.
   */
  take(key: string, specs: readonly BucketSpec[], score: number): BucketVerdict | Promise<BucketVerdict>;
}

/**
 * How a list of specs is named in keys, computed once per list: callers pass the same list
 * for every check of a command (a policy's compiled specs), so this is not rebuilt per call.
 */
const specsNames = new WeakMap<readonly BucketSpec[], string>();
function specsKey(specs: readonly BucketSpec[]): string {
  let name = specsNames.get(specs);
  if (name === undefined) specsNames.set(specs, (name = specs.map((s) => `${s.interval}:${s.rate}`).join(',')));
  return name;
}

/**
 * Buckets in this process, for a node without Redis: per node, not per cluster. The map is
 * bounded (the long unused keys go first), which errs on the side of allowing.
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

  take(key: string, specs: readonly BucketSpec[], score: number): BucketVerdict {
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

type TakeReply = [allowed: number, left: number, wait: number, now: number];

/** The client with the script defined on it: ioredis sends EVALSHA, and the script text only once per connection. */
interface WithTake {
  parsecTakeBuckets(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<TakeReply>;
}

/** Buckets in Redis, shared by every node: `<prefix>:rl:{<key>}:<interval>:<rate>` (one hash tag per key, for Cluster). */
export class RedisKeyedBuckets implements KeyedBuckets {
  readonly shared = true;
  private readonly redis: WithTake;
  private readonly prefix: string;

  constructor(client: Redis | Cluster, prefix: string) {
    // No numberOfKeys: each call says how many keys it passes (one per bucket spec).
    client.defineCommand('parsecTakeBuckets', { lua: TAKE });
    this.redis = client as unknown as WithTake;
    this.prefix = prefix;
  }

  async take(key: string, specs: readonly BucketSpec[], score: number): Promise<BucketVerdict> {
    const n = specs.length;
    const keysAndArgs: (string | number)[] = new Array<string | number>(2 * n + 1 + n);
    for (let i = 0; i < n; i++) {
      const s = specs[i]!;
      keysAndArgs[i] = `${this.prefix}:rl:{${key}}:${s.interval}:${s.rate}`;
      keysAndArgs[n + 1 + 2 * i] = s.interval;
      keysAndArgs[n + 2 + 2 * i] = s.rate;
    }
    keysAndArgs[n] = score;
    const [allowed, left, wait, now] = await this.redis.parsecTakeBuckets(n, ...keysAndArgs);
    return { allowed: allowed === 1, tokensLeft: left, allowedIn: wait, serverTime: now };
  }
}
