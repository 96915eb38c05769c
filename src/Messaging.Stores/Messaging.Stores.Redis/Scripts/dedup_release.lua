-- Removes a de-duplication claim only if it still holds the given seq (IDeduplicationStore.ReleaseAsync).
-- KEYS[1] client STRING "<seq>" or "<seq> <payload>" (see message_append.lua)   ARGV[1] seq in decimal
-- Returns 1 when removed, 0 otherwise.
local claim = redis.call('GET', KEYS[1])
if not claim then
  return 0
end
local space = string.find(claim, ' ', 1, true)
local seq = space and string.sub(claim, 1, space - 1) or claim
if seq ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
