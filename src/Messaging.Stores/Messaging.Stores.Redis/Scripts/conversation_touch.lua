-- Moves a conversation's last seq and activity time forward (never backwards).
-- KEYS[1] info, KEYS[2] members (see conversation_create.lua)
-- ARGV[1] seq   ARGV[2] activity (UTC ticks)   ARGV[3] activity (Unix ms)
-- Returns the member ids when the activity time moved (their indexes must follow), else an empty array.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'last_seq') or '0') then
  redis.call('HSET', KEYS[1], 'last_seq', ARGV[1])
end
-- Ticks exceed a Lua number's exact range: compare them as decimal strings (longer is later).
local activity = redis.call('HGET', KEYS[1], 'activity') or '0'
local later = #ARGV[2] > #activity or (#ARGV[2] == #activity and ARGV[2] > activity)
if not later then
  return {}
end
redis.call('HSET', KEYS[1], 'activity', ARGV[2], 'activity_ms', ARGV[3])
return redis.call('HKEYS', KEYS[2])
