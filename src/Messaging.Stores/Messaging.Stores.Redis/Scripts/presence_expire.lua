-- Claims the users of one presence shard whose leases all lapsed and marks them offline, atomically, so each
-- offline transition is reported by exactly one sweeper even with several nodes sweeping.
-- KEYS[1] shard expiries ZSET (see presence_touch.lua)
-- ARGV[1] now (Unix ms)   ARGV[2] at most this many users per call
-- ARGV[3] the shard's key prefix: a user's keys are <prefix>leases:<userId> and <prefix>user:<userId>. They are
--         not declared in KEYS because they are only known here; they carry the shard's hash tag, so they live in
--         the same cluster slot as KEYS[1].
-- ARGV[4] the due index (ZSET shard -> earliest expiry in the shard) to set to the shard's new earliest expiry (or
--         to remove the shard from when it is empty), or '' to leave it alone. Only on a server that is not a
--         cluster (see presence_touch.lua).
-- ARGV[5] the shard's number (the member of the due index)
-- Returns {number of users examined, userId, last active (UTC ticks or ''), userId, ...} for each user that went
-- offline. Examined == ARGV[2] means more may be due.
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local result = {#due}
for _, user in ipairs(due) do
  local leases = ARGV[3] .. 'leases:' .. user
  local state = ARGV[3] .. 'user:' .. user
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
  local latest = redis.call('ZRANGE', leases, -1, -1, 'WITHSCORES')
  if #latest == 0 then
    redis.call('ZREM', KEYS[1], user)
    if redis.call('HGET', state, 'online') == '1' then
      redis.call('HSET', state, 'online', '0')
      table.insert(result, user)
      table.insert(result, redis.call('HGET', state, 'active') or '')
    end
  else
    redis.call('ZADD', KEYS[1], latest[2], user)
  end
end
if ARGV[4] ~= '' then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #first == 0 then
    redis.call('ZREM', ARGV[4], ARGV[5])
  else
    redis.call('ZADD', ARGV[4], first[2], ARGV[5])
  end
end
return result
