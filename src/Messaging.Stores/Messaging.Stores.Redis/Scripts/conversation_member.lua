-- Adds or removes one member atomically (a no-op when already a member / not a member), keeping the departures.
-- KEYS[1] info, KEYS[2] members (see conversation_create.lua)
-- KEYS[3] departures HASH userId -> seq of the removal's system message (the last one the former member may receive)
-- ARGV[1] 'add' or 'remove'   ARGV[2] userId   ARGV[3] role (add)   ARGV[4] joined ticks (add)   ARGV[5] left at seq (remove)
-- Returns false when the conversation does not exist, else {1 if changed else 0, HGETALL info, HGETALL members}
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local changed = 0
local isMember = redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1
if ARGV[1] == 'add' and not isMember then
  local order = redis.call('HINCRBY', KEYS[1], 'next', 1)
  redis.call('HSET', KEYS[2], ARGV[2], order .. '|' .. ARGV[3] .. '|' .. ARGV[4])
  redis.call('HDEL', KEYS[3], ARGV[2])
  changed = 1
elseif ARGV[1] == 'remove' and isMember then
  redis.call('HDEL', KEYS[2], ARGV[2])
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[5])
  changed = 1
end
return {changed, redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}
