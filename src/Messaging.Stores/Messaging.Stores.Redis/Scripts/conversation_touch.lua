-- Moves a conversation's last seq and activity time forward (never backwards).
-- KEYS[1] info, KEYS[2] members (see conversation_create.lua)
-- ARGV[1] seq   ARGV[2] activity (UTC ticks)   ARGV[3] activity (Unix ms)
-- ARGV[4] the conversation id to raise the members' indexes here (ZADD GT), or '' to leave them to the caller.
--         Only on a server that is not a cluster: the indexes live in the members' slots, which are not declared.
-- Returns the member ids when the activity time moved and ARGV[4] is '' (their indexes must follow), else an empty
-- array.
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
local members = redis.call('HKEYS', KEYS[2])
if ARGV[4] == '' then
  return members
end
-- The key of RedisKeys.UserConversations: '%', '{' and '}' in the user id are percent-encoded inside the hash tag.
local escapes = {['%'] = '%25', ['{'] = '%7B', ['}'] = '%7D'}
for _, userId in ipairs(members) do
  local tag = string.gsub(userId, '[%%{}]', escapes)
  redis.call('ZADD', 'messaging:user:{' .. tag .. '}:conversations', 'GT', ARGV[3], ARGV[4])
end
return {}
