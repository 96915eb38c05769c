-- Library, put before the scripts that use it (RedisScripts): a conversation's last seq and activity time.
-- Moves them forward (never backwards) in the conversation's info HASH (see conversation_create.lua): one write per
-- message, whatever the number of members (their lists are ordered when read, see RedisConversationIndex).
-- seq in decimal, activity as UTC ticks and as Unix ms. Returns 1 when the activity time moved, else 0 (also for an
-- unknown conversation).
local function touch_conversation(info_key, seq, ticks, ms)
  -- One read and at most one write: every conversation has both fields from its creation, so a hash without either is
  -- checked for existence only then.
  local current = redis.call('HMGET', info_key, 'last_seq', 'activity')
  if not current[1] and not current[2] and redis.call('EXISTS', info_key) == 0 then
    return 0
  end
  local higher = tonumber(seq) > tonumber(current[1] or '0')
  -- Ticks exceed a Lua number's exact range: compare them as decimal strings (longer is later).
  local activity = current[2] or '0'
  local later = #ticks > #activity or (#ticks == #activity and ticks > activity)
  if higher and later then
    redis.call('HSET', info_key, 'last_seq', seq, 'activity', ticks, 'activity_ms', ms)
  elseif higher then
    redis.call('HSET', info_key, 'last_seq', seq)
  elseif later then
    redis.call('HSET', info_key, 'activity', ticks, 'activity_ms', ms)
  end
  return later and 1 or 0
end
