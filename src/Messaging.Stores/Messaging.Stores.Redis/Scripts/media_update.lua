-- Stores an upload's progress; on completion moves it from the open uploads to the unsent ones (unless shared).
-- KEYS[1] upload HASH   KEYS[2] owner's pending HASH   KEYS[3] open uploads ZSET   KEYS[4] unsent uploads ZSET
-- ARGV[1] mediaId   ARGV[2] offset   ARGV[3] updated (UTC ticks)   ARGV[4] updated (Unix ms)
-- ARGV[5] completed (UTC ticks, empty while open)   ARGV[6] completed (Unix ms)   ARGV[7] sha256
-- Returns 1 when stored, 0 when the upload does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end

redis.call('HSET', KEYS[1], 'offset', ARGV[2], 'updated', ARGV[3])
if ARGV[5] == '' then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
  return 1
end

redis.call('HSET', KEYS[1], 'completed', ARGV[5], 'sha256', ARGV[7])
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('HEXISTS', KEYS[1], 'shared') == 0 then
  redis.call('HSET', KEYS[2], ARGV[1], 'c|' .. redis.call('HGET', KEYS[1], 'length'))
  redis.call('ZADD', KEYS[4], ARGV[6], ARGV[1])
end
return 1
