-- Moves a former member's departure forward (never backwards); a no-op for a member or a user with no departure.
-- KEYS[1] members, KEYS[2] departures (see conversation_member.lua)
-- ARGV[1] userId   ARGV[2] the seq of the removal's system message
-- Returns 1 when moved, else 0.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return 0
end
local current = redis.call('HGET', KEYS[2], ARGV[1])
if not current or tonumber(current) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
