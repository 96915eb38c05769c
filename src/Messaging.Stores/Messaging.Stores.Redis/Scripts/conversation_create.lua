-- Creates a conversation unless one with the same id exists; returns it either way.
-- KEYS[1] info    HASH kind, name (absent when none), created (UTC ticks), last_seq, activity (UTC ticks),
--                      activity_ms (Unix ms), next (join order of the last member added)
-- KEYS[2] members HASH userId -> "<join order>|<role>|<joined, UTC ticks>"
-- ARGV[1] kind   ARGV[2] name   ARGV[3] '1' when there is a name   ARGV[4] created ticks   ARGV[5] created Unix ms
-- ARGV[6..] one triple per member: userId, role, joined ticks
-- Returns {1 if created else 0, HGETALL info, HGETALL members}
local created = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  local order = 0
  for i = 6, #ARGV, 3 do
    order = order + 1
    redis.call('HSET', KEYS[2], ARGV[i], order .. '|' .. ARGV[i + 1] .. '|' .. ARGV[i + 2])
  end
  redis.call('HSET', KEYS[1], 'kind', ARGV[1], 'created', ARGV[4], 'last_seq', '0',
    'activity', ARGV[4], 'activity_ms', ARGV[5], 'next', order)
  if ARGV[3] == '1' then
    redis.call('HSET', KEYS[1], 'name', ARGV[2])
  end
  created = 1
end
return {created, redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}
