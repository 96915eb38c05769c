-- Adds an upload unless its owner's quota would be exceeded, atomically with the owner's pending list.
-- KEYS[1] upload HASH   KEYS[2] owner's pending HASH mediaId -> "o|<length>" (open) or "c|<length>" (completed, unsent)
-- KEYS[3] open uploads ZSET score updated (Unix ms)   KEYS[4] unsent uploads ZSET score completed (Unix ms)
-- ARGV[1] mediaId   ARGV[2] max open uploads   ARGV[3] max pending bytes   ARGV[4] length
-- ARGV[5] "o" open, "c" completed unsent, "s" shared   ARGV[6] expiry score (Unix ms)   ARGV[7..] upload fields
-- Returns 0 added, 1 open-upload limit, 2 storage quota, 3 exists.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 3
end

local state = ARGV[5]
local length = tonumber(ARGV[4])
local open, bytes = 0, 0
local pending = redis.call('HVALS', KEYS[2])
for i = 1, #pending do
  local entry = pending[i]
  if string.sub(entry, 1, 1) == 'o' then
    open = open + 1
  end
  bytes = bytes + tonumber(string.sub(entry, 3))
end

if state == 'o' and open >= tonumber(ARGV[2]) then
  return 1
end
if state ~= 's' and bytes + length > tonumber(ARGV[3]) then
  return 2
end

redis.call('HSET', KEYS[1], unpack(ARGV, 7))
if state ~= 's' then
  redis.call('HSET', KEYS[2], ARGV[1], state .. '|' .. ARGV[4])
  redis.call('ZADD', state == 'o' and KEYS[3] or KEYS[4], ARGV[6], ARGV[1])
end
return 0
