/**
 * Lua scripts of the Redis map broker. Each change of a map channel (a write, a removal, a
 * key's TTL expiry) is one script: it updates the state, appends to the stream and
 * PUBLISHes, so no other change can come between and every node receives a channel's
 * changes in offset order, exactly once.
 *
 * Every script takes the channel's keys in the order of MapChannelKeys:
 *   KEYS[1] meta, [2] state, [3] order, [4] expire, [5] versions, [6] stream, [7] cleanup
 * (and the writes KEYS[8], the idempotency key, unused unless an idempotency TTL is given).
 *
 * Values:
 * - state: `<offset>:<removal length>:<removal record><record>`, records being protobuf
 *   Publications; the removal record (key and tags) is prepared with the write so a removal
 *   or an expiry can be published without decoding anything here;
 * - stream entries: id `<offset>-0`, fields `d` record and `t` unix ms;
 * - PUB/SUB: `<offset>:<epoch>:<unix ms>:<previous record length>:<previous record><record>`,
 *   the previous record (the key's value before, the base of a per-key delta) only when
 *   the write asked for delta.
 */

/** Functions every script shares. */
const common = `
local function pexpire_all(ttl, keys)
  if ttl > 0 then
    for _, k in ipairs(keys) do redis.call('pexpire', k, ttl) end
  end
end

-- The channel's epoch. A missing meta means the channel's position is gone (expired or
-- cleared): whatever is left of its state and stream belongs to the old epoch and goes.
local function epoch_of(new_epoch, ttl, channel)
  local epoch = redis.call('hget', KEYS[1], 'e')
  if epoch then return epoch end
  redis.call('del', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
  redis.call('zrem', KEYS[7], channel)
  redis.call('hset', KEYS[1], 'e', new_epoch)
  if ttl > 0 then redis.call('pexpire', KEYS[1], ttl) end
  return new_epoch
end

local function top()
  return tonumber(redis.call('hget', KEYS[1], 's') or '0')
end

-- A state value's removal record and record.
local function split_value(v)
  local c1 = string.find(v, ':', 1, true)
  local c2 = string.find(v, ':', c1 + 1, true)
  local n = tonumber(string.sub(v, c1 + 1, c2 - 1))
  return string.sub(v, c2 + 1, c2 + n), string.sub(v, c2 + n + 1)
end

-- The next offset, with the record appended to the stream (a new epoch starts a new stream).
local function append(record, size, stream_ttl, now)
  local offset = redis.call('hincrby', KEYS[1], 's', 1)
  if offset == 1 then redis.call('del', KEYS[6]) end
  redis.call('xadd', KEYS[6], 'MAXLEN', size, offset .. '-0', 'd', record, 't', now)
  if stream_ttl > 0 then redis.call('pexpire', KEYS[6], stream_ttl) end
  return offset
end

local function publish(pubsub, offset, epoch, now, prev, record)
  if pubsub ~= '' then
    redis.call('publish', pubsub, offset .. ':' .. epoch .. ':' .. now .. ':' .. #prev .. ':' .. prev .. record)
  end
end

-- A write's remembered result, when it is idempotent (ttl not '') and was made before.
local function remembered(ttl)
  if ttl == '' then return nil end
  local seen = redis.call('get', KEYS[8])
  if not seen then return nil end
  local c = string.find(seen, ':', 1, true)
  return {tonumber(string.sub(seen, 1, c - 1)), string.sub(seen, c + 1), 'idempotency'}
end

local function remember(ttl, offset, epoch)
  if ttl ~= '' then redis.call('set', KEYS[8], offset .. ':' .. epoch, 'PX', ttl) end
end

local function containers()
  return {KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]}
end
`;

/**
 * Sets a key. Checks in order: idempotency, version (stream modes), key mode, expected position;
 * a suppressed write changes nothing but, for a keepalive (`if_new` + refresh), the key's TTL.
 * ARGV: 1 key, 2 record, 3 removal record, 4 has stream '1'/'0', 5 key ttl ms, 6 stream size,
 *   7 stream ttl ms, 8 container ttl ms (0 = none), 9 epoch for a new channel, 10 now ms,
 *   11 PUB/SUB channel ('' = none), 12 idempotent result ttl ms ('' = not idempotent),
 *   13 version ('0' = none), 14 version epoch, 15 key mode, 16 refresh ttl on suppress '1'/'0',
 *   17 expected position `<offset>:<epoch>` ('' = none), 18 delta '1'/'0', 19 channel.
 * Returns { offset, epoch, suppress reason or '' }.
 */
export const mapPublishScript = `${common}
local key, record, removal = ARGV[1], ARGV[2], ARGV[3]
local has_stream, key_ttl, size, stream_ttl, ttl = ARGV[4] == '1', tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
local now, pubsub, channel = tonumber(ARGV[10]), ARGV[11], ARGV[19]
local seen = remembered(ARGV[12])
if seen then return seen end
local epoch = epoch_of(ARGV[9], ttl, channel)
local version = ARGV[13]
if has_stream and version ~= '0' then
  local stored = redis.call('hget', KEYS[5], key)
  if stored then
    local c = string.find(stored, ':', 1, true)
    if string.sub(stored, c + 1) == ARGV[14] and tonumber(version) <= tonumber(string.sub(stored, 1, c - 1)) then
      return {top(), epoch, 'version'}
    end
  end
end
local mode = ARGV[15]
if mode ~= '' then
  local exists = redis.call('hexists', KEYS[2], key) == 1
  if mode == 'if_new' and exists then
    if ARGV[16] == '1' then
      if key_ttl > 0 then
        redis.call('zadd', KEYS[4], now + key_ttl, key)
        redis.call('zadd', KEYS[7], 'LT', now + key_ttl, channel)
      end
      pexpire_all(ttl, containers())
    end
    return {top(), epoch, 'key_exists'}
  end
  if mode == 'if_exists' and not exists then return {top(), epoch, 'key_not_found'} end
end
if ARGV[17] ~= '' and ARGV[17] ~= top() .. ':' .. epoch then return {top(), epoch, 'position_mismatch'} end
if version ~= '0' then redis.call('hset', KEYS[5], key, version .. ':' .. ARGV[14]) end
local prev = ''
if ARGV[18] == '1' then
  local old = redis.call('hget', KEYS[2], key)
  if old then
    local _, old_record = split_value(old)
    prev = old_record
  end
end
local offset = 0
if has_stream then offset = append(record, size, stream_ttl, now) end
redis.call('hset', KEYS[2], key, offset .. ':' .. #removal .. ':' .. removal .. record)
redis.call('zadd', KEYS[3], 0, key)
if key_ttl > 0 then
  redis.call('zadd', KEYS[4], now + key_ttl, key)
  redis.call('zadd', KEYS[7], 'LT', now + key_ttl, channel)
else
  redis.call('zrem', KEYS[4], key)
end
redis.call('hset', KEYS[1], 'o', ARGV[4] .. ':' .. size .. ':' .. stream_ttl .. ':' .. ttl)
pexpire_all(ttl, containers())
publish(pubsub, offset, epoch, now, prev, record)
remember(ARGV[12], offset, epoch)
return {offset, epoch, ''}
`;

/**
 * Removes a key, publishing its removal record; a missing key is suppressed.
 * ARGV: 1 key, 2 has stream, 3 stream size, 4 stream ttl, 5 container ttl, 6 epoch for a new
 *   channel, 7 now, 8 PUB/SUB channel, 9 idempotent result ttl ('' = none), 10 channel.
 * Returns { offset, epoch, suppress reason or '' }.
 */
export const mapRemoveScript = `${common}
local key, has_stream, size, stream_ttl, ttl = ARGV[1], ARGV[2] == '1', ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local now, pubsub = tonumber(ARGV[7]), ARGV[8]
local seen = remembered(ARGV[9])
if seen then return seen end
local epoch = epoch_of(ARGV[6], ttl, ARGV[10])
local value = redis.call('hget', KEYS[2], key)
if not value then return {top(), epoch, 'key_not_found'} end
redis.call('hdel', KEYS[2], key)
redis.call('zrem', KEYS[3], key)
redis.call('zrem', KEYS[4], key)
local removal = split_value(value)
local offset = 0
if has_stream then offset = append(removal, size, stream_ttl, now) end
pexpire_all(ttl, containers())
publish(pubsub, offset, epoch, now, '', removal)
remember(ARGV[9], offset, epoch)
return {offset, epoch, ''}
`;

/**
 * Removes up to a batch of expired keys of one channel, each a removal like mapRemoveScript's,
 * with the options the channel's last write stored. Atomic, so when every node's cleanup
 * finds the same expired key, one removes and publishes it and the others find it gone.
 * Then sets the channel's cleanup score to its next expiry (or drops it).
 * ARGV: 1 now, 2 batch size, 3 channel, 4 PUB/SUB channel.
 * Returns the number of keys expired.
 */
export const mapExpireScript = `${common}
local now, channel, pubsub = tonumber(ARGV[1]), ARGV[3], ARGV[4]
local meta = redis.call('hmget', KEYS[1], 'e', 'o')
local epoch, o = meta[1], meta[2]
if not epoch then
  -- The channel expired as a whole: nobody holds a position in it to tell.
  redis.call('del', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
  redis.call('zrem', KEYS[7], channel)
  return 0
end
local has_stream, size, stream_ttl, ttl = '0', '0', 0, 0
if o then
  local h, s, st, t = string.match(o, '^(%d):(%d+):(%d+):(%d+)$')
  has_stream, size, stream_ttl, ttl = h, s, tonumber(st), tonumber(t)
end
local expired = redis.call('zrangebyscore', KEYS[4], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, key in ipairs(expired) do
  redis.call('zrem', KEYS[4], key)
  local value = redis.call('hget', KEYS[2], key)
  if value then
    redis.call('hdel', KEYS[2], key)
    redis.call('zrem', KEYS[3], key)
    local removal = split_value(value)
    local offset = 0
    if has_stream == '1' then offset = append(removal, size, stream_ttl, now) end
    publish(pubsub, offset, epoch, now, '', removal)
  end
end
if #expired > 0 then pexpire_all(ttl, containers()) end
local first = redis.call('zrange', KEYS[4], 0, 0, 'WITHSCORES')
if #first == 2 then
  redis.call('zadd', KEYS[7], first[2], channel)
else
  redis.call('zrem', KEYS[7], channel)
end
return #expired
`;

/**
 * A page of the state in key order, or one key. Expired keys not yet removed are left out
 * (their removal is on its way) but still move the cursor.
 * ARGV: 1 epoch for a new channel, 2 container ttl, 3 channel, 4 cursor ('' = from the start),
 *   5 limit (-1 = all, 0 = position only), 6 one key ('1' = ARGV[7] only), 7 key, 8 now.
 * Returns { top, epoch, next cursor ('' = last page), key, value, key, value… }.
 */
export const mapReadStateScript = `${common}
local epoch = epoch_of(ARGV[1], tonumber(ARGV[2]), ARGV[3])
local now, limit = tonumber(ARGV[8]), tonumber(ARGV[5])
local result = {top(), epoch, ''}
local keys
if ARGV[6] == '1' then
  keys = {ARGV[7]}
elseif limit == 0 then
  return result
else
  local from = '-'
  if ARGV[4] ~= '' then from = '(' .. ARGV[4] end
  if limit > 0 then
    keys = redis.call('zrangebylex', KEYS[3], from, '+', 'LIMIT', 0, limit + 1)
    if #keys > limit then
      table.remove(keys)
      result[3] = keys[#keys]
    end
  else
    keys = redis.call('zrangebylex', KEYS[3], from, '+')
  end
end
for _, key in ipairs(keys) do
  local value = redis.call('hget', KEYS[2], key)
  local expires = redis.call('zscore', KEYS[4], key)
  if value and not (expires and tonumber(expires) <= now) then
    result[#result + 1] = key
    result[#result + 1] = value
  end
end
return result
`;

/**
 * Stream entries after (or, reversed, before) an offset, or only the position.
 * ARGV: 1 epoch for a new channel, 2 container ttl, 3 channel, 4 '' = position only,
 *   'fwd' or 'rev', 5 since offset (0 = from the start / the top), 6 limit (-1 = all).
 * Returns { top, epoch, entries as XRANGE gives them }.
 */
export const mapReadStreamScript = `${common}
local epoch = epoch_of(ARGV[1], tonumber(ARGV[2]), ARGV[3])
local since, limit = tonumber(ARGV[5]), tonumber(ARGV[6])
local entries = {}
local count = {}
if limit > 0 then count = {'COUNT', limit} end
if ARGV[4] == 'fwd' then
  entries = redis.call('xrange', KEYS[6], '(' .. since .. '-0', '+', unpack(count))
elseif ARGV[4] == 'rev' then
  local before = '+'
  if since > 0 then before = '(' .. since .. '-0' end
  entries = redis.call('xrevrange', KEYS[6], before, '-', unpack(count))
end
return {top(), epoch, entries}
`;

/** Drops a channel's state, stream and position. ARGV: 1 channel. */
export const mapClearScript = `
redis.call('del', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
redis.call('zrem', KEYS[7], ARGV[1])
return 1
`;
