/**
 * Lua scripts: each runs atomically in Redis, which is what makes "append to history,
 * assign the offset, publish" one step that no other publish can interleave with.
 */

/**
 * KEYS: meta hash, history list, idempotency key (always a key of the channel's slot, so
 *       Redis Cluster accepts the call; used only when ARGV[9] is '1').
 * ARGV: publication bytes, history size, history ttl (s), meta ttl (s, 0 = none),
 *       PUB/SUB channel, epoch for a new stream, idempotent result ttl (s), use history ('1'/'0'),
 *       idempotent ('1'/'0'), how to publish ('publish', or 'spublish' for a sharded channel).
 * Returns "offset:epoch" (offset 0 and epoch '' without history).
 */
export const publishScript = `
if ARGV[9] == '1' then
  local seen = redis.call('get', KEYS[3])
  if seen then return seen end
end
local offset = 0
local epoch = ''
if ARGV[8] == '1' then
  epoch = redis.call('hget', KEYS[1], 'e')
  if not epoch then
    epoch = ARGV[6]
    redis.call('hset', KEYS[1], 'e', epoch)
  end
  offset = redis.call('hincrby', KEYS[1], 's', 1)
  if ARGV[4] ~= '0' then redis.call('expire', KEYS[1], ARGV[4]) end
  redis.call('rpush', KEYS[2], offset .. ':' .. ARGV[1])
  redis.call('ltrim', KEYS[2], -tonumber(ARGV[2]), -1)
  redis.call('expire', KEYS[2], ARGV[3])
end
redis.call(ARGV[10], ARGV[5], 'p' .. offset .. ':' .. epoch .. ':' .. ARGV[1])
local result = offset .. ':' .. epoch
if ARGV[9] == '1' then redis.call('set', KEYS[3], result, 'EX', ARGV[7]) end
return result
`;

/**
 * KEYS: meta hash, history list. ARGV: epoch for a new stream, meta ttl (s), read publications ('1'/'0').
 * Creates the stream meta when missing so the epoch stays stable between reads.
 * Returns { top offset, epoch, entries "offset:bytes" oldest first }.
 */
export const historyScript = `
local epoch = redis.call('hget', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[1]
  redis.call('hset', KEYS[1], 'e', epoch)
  if ARGV[2] ~= '0' then redis.call('expire', KEYS[1], ARGV[2]) end
end
local top = redis.call('hget', KEYS[1], 's') or '0'
local entries = {}
if ARGV[3] == '1' then entries = redis.call('lrange', KEYS[2], 0, -1) end
return {top, epoch, entries}
`;

/** KEYS: expiry zset, data hash. ARGV: ttl (s), expires at (unix s), client id, info bytes. */
export const addPresenceScript = `
redis.call('zadd', KEYS[1], ARGV[2], ARGV[3])
redis.call('hset', KEYS[2], ARGV[3], ARGV[4])
redis.call('expire', KEYS[1], ARGV[1])
redis.call('expire', KEYS[2], ARGV[1])
return 1
`;

/** KEYS: expiry zset, data hash. ARGV: now (unix s). Drops expired entries, returns the rest (HGETALL). */
export const presenceScript = `
local expired = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1])
if #expired > 0 then
  redis.call('hdel', KEYS[2], unpack(expired))
  redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
end
return redis.call('hgetall', KEYS[2])
`;
