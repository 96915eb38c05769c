-- Adds or removes one member atomically, with the member limit, keeping the departures.
-- KEYS[1] info, KEYS[2] members (see conversation_create.lua)
-- KEYS[3] departures HASH userId -> seq of the removal's system message (the last one the former member may receive)
-- ARGV[1] 'add' or 'remove'   ARGV[2] userId   ARGV[3] role (add)   ARGV[4] joined ticks (add)   ARGV[5] left at seq (remove)
-- ARGV[6] the most members allowed after an addition (add)
-- Returns false when the conversation does not exist, else
--   {outcome, HGETALL info, HGETALL members, promoted userId or ''}
-- outcome: 1 changed, 0 nothing to do (already a member / not a member), 2 full (not added).
-- A removal of the last admin makes the remaining member with the lowest join order admin.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local outcome = 0
local promoted = ''
local entry = redis.call('HGET', KEYS[2], ARGV[2])
if ARGV[1] == 'add' and not entry then
  if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[6]) then
    outcome = 2
  else
    local order = redis.call('HINCRBY', KEYS[1], 'next', 1)
    redis.call('HSET', KEYS[2], ARGV[2], order .. '|' .. ARGV[3] .. '|' .. ARGV[4])
    redis.call('HDEL', KEYS[3], ARGV[2])
    outcome = 1
  end
elseif ARGV[1] == 'remove' and entry then
  redis.call('HDEL', KEYS[2], ARGV[2])
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[5])
  outcome = 1
  if string.match(entry, '^%d+|admin|') then
    local members = redis.call('HGETALL', KEYS[2])
    local first, firstOrder, firstRest = nil, nil, nil
    local hasAdmin = false
    for i = 1, #members, 2 do
      local order, role, rest = string.match(members[i + 1], '^(%d+)|([^|]*)|(.*)$')
      if role == 'admin' then
        hasAdmin = true
        break
      end
      if first == nil or tonumber(order) < tonumber(firstOrder) then
        first, firstOrder, firstRest = members[i], order, rest
      end
    end
    if not hasAdmin and first then
      redis.call('HSET', KEYS[2], first, firstOrder .. '|admin|' .. firstRest)
      promoted = first
    end
  end
end
return {outcome, redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), promoted}
