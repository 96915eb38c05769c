-- Removes an upload with its sharing and index entries; with ARGV[2] = "1" only while it was never shared.
-- KEYS[1] upload HASH   KEYS[2] conversations SET   KEYS[3] owner's pending HASH   KEYS[4] open uploads ZSET
-- KEYS[5] unsent uploads ZSET
-- ARGV[1] mediaId   ARGV[2] "1" unshared only, "0" always
-- Returns 1 when removed, 0 otherwise.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
if ARGV[2] == '1' and redis.call('HEXISTS', KEYS[1], 'shared') == 1 then
  return 0
end

redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
return 1
