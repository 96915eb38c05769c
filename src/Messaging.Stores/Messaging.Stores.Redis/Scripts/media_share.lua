-- Records that a completed upload was sent in a conversation; the first share takes it out of the owner's pending
-- uploads and out of expiry.
-- KEYS[1] upload HASH   KEYS[2] conversations SET   KEYS[3] owner's pending HASH   KEYS[4] unsent uploads ZSET
-- ARGV[1] mediaId   ARGV[2] conversationId   ARGV[3] shared at (UTC ticks)
-- Returns 1 when recorded, 0 when no completed upload has the id.
if redis.call('HEXISTS', KEYS[1], 'completed') == 0 then
  return 0
end

if redis.call('HSETNX', KEYS[1], 'shared', ARGV[3]) == 1 then
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
end
redis.call('SADD', KEYS[2], ARGV[2])
return 1
