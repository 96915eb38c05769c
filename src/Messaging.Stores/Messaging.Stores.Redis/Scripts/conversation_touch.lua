-- Moves a conversation's last seq and activity time forward (never backwards): one write per message, whatever the
-- number of members (their lists are ordered when read, see RedisConversationIndex).
-- KEYS[1] info (see conversation_create.lua)
-- ARGV[1] seq   ARGV[2] activity (UTC ticks)   ARGV[3] activity (Unix ms)
-- Returns 1 when the activity time moved, else 0 (also for an unknown conversation).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'last_seq') or '0') then
  redis.call('HSET', KEYS[1], 'last_seq', ARGV[1])
end
-- Ticks exceed a Lua number's exact range: compare them as decimal strings (longer is later).
local activity = redis.call('HGET', KEYS[1], 'activity') or '0'
local later = #ARGV[2] > #activity or (#ARGV[2] == #activity and ARGV[2] > activity)
if not later then
  return 0
end
redis.call('HSET', KEYS[1], 'activity', ARGV[2], 'activity_ms', ARGV[3])
return 1
