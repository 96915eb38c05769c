-- Reads a conversation's two hashes in one command (see conversation_create.lua for their layout).
-- KEYS[1] info, KEYS[2] members
-- Returns {HGETALL info, HGETALL members}; the first is empty when there is no such conversation.
local info = redis.call('HGETALL', KEYS[1])
if #info == 0 then
  return {info, {}}
end
return {info, redis.call('HGETALL', KEYS[2])}
