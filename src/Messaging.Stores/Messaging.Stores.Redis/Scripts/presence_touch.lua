-- Extends or creates a device lease and reports the user's online transition, atomically.
-- All keys of a user share the hash tag of the user's presence shard, and so does the shard's expiry index.
-- KEYS[1] shard expiries ZSET  userId -> the user's latest lease expiry (Unix ms)
-- KEYS[2] user leases    ZSET  deviceId -> lease expiry (Unix ms)
-- KEYS[3] user state     HASH  online ('1'|'0'), active (latest activity, UTC ticks), visibility
-- ARGV[1] userId   ARGV[2] deviceId   ARGV[3] active at (UTC ticks)   ARGV[4] expires at (Unix ms)
-- ARGV[5] the due index (ZSET shard -> earliest expiry in the shard, and 'full' -> when the next sweep of every
--         shard is due) to keep exact here, or '' to leave it alone. Only on a server that is not a cluster: the
--         index lives in a slot of its own, which is not declared.
-- ARGV[6] the shard's number (the member of the due index)
-- Returns 1 when the user went online, else 0.
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
local active = redis.call('HGET', KEYS[3], 'active') or '0'
if #ARGV[3] > #active or (#ARGV[3] == #active and ARGV[3] > active) then
  redis.call('HSET', KEYS[3], 'active', ARGV[3])
end
-- The index holds the latest expiry of any device, so a sweep finds the user once every lease lapsed.
local latest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[1], latest[2], ARGV[1])
if ARGV[5] ~= '' then
  -- The shard is due at its earliest entry, which this touch may have moved either way.
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  redis.call('ZADD', ARGV[5], first[2], ARGV[6])
  -- A missing full-sweep mark (a sweeper stopped between claiming and renewing it, or the index was lost) comes back
  -- due when this lease lapses, so leases the index does not know of are still found.
  redis.call('ZADD', ARGV[5], 'NX', ARGV[4], 'full')
end
if redis.call('HGET', KEYS[3], 'online') == '1' then
  return 0
end
redis.call('HSET', KEYS[3], 'online', '1')
return 1
