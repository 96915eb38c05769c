-- Library, put before the scripts that use it (RedisScripts): a conversation's last seq and activity time.
-- Moves them forward (never backwards) in the conversation's info HASH (see conversation_create.lua): one write per
-- message, whatever the number of members (their lists are ordered when read, see RedisConversationIndex).
-- seq in decimal, activity as UTC ticks and as Unix ms. Returns 1 when the activity time moved, else 0 (also for an
-- unknown conversation).
local function touch_conversation(info_key, seq, ticks, ms)
  if redis.call('EXISTS', info_key) == 0 then
    return 0
  end
  if tonumber(seq) > tonumber(redis.call('HGET', info_key, 'last_seq') or '0') then
    redis.call('HSET', info_key, 'last_seq', seq)
  end
  -- Ticks exceed a Lua number's exact range: compare them as decimal strings (longer is later).
  local activity = redis.call('HGET', info_key, 'activity') or '0'
  local later = #ticks > #activity or (#ticks == #activity and ticks > activity)
  if not later then
    return 0
  end
  redis.call('HSET', info_key, 'activity', ticks, 'activity_ms', ms)
  return 1
end
