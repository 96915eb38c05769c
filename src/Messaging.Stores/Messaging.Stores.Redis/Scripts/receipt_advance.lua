-- Advances one device's delivered/read marks and the user's aggregate (max over devices), in one step.
-- KEYS[1] device marks HASH "<userId length>:<userId><deviceId>" -> mark
-- KEYS[2] user marks   HASH userId -> mark
-- mark = "<delivered>|<read>|<delivered at, UTC ticks or empty>|<read at, UTC ticks or empty>"
-- ARGV[1] device field   ARGV[2] userId   ARGV[3] delivered wanted   ARGV[4] read wanted   ARGV[5] at (UTC ticks)
-- Returns the user mark before the advance (false for a user without marks).
local function parse(mark)
  if not mark then
    return {0, 0, '', ''}
  end
  local d, r, da, ra = string.match(mark, '^(%d+)|(%d+)|(%d*)|(%d*)$')
  return {tonumber(d), tonumber(r), da, ra}
end

local function format(m)
  return string.format('%d|%d|%s|%s', m[1], m[2], m[3], m[4])
end

-- read implies delivered; a time changes only with its mark.
local function raise(m, delivered, read, at)
  local r = math.max(m[2], read)
  local d = math.max(m[1], delivered, r)
  return {d, r, d > m[1] and at or m[3], r > m[2] and at or m[4]}
end

local at = ARGV[5]
local device = raise(parse(redis.call('HGET', KEYS[1], ARGV[1])), tonumber(ARGV[3]), tonumber(ARGV[4]), at)
redis.call('HSET', KEYS[1], ARGV[1], format(device))

local beforeText = redis.call('HGET', KEYS[2], ARGV[2])
local after = raise(parse(beforeText), device[1], device[2], at)
redis.call('HSET', KEYS[2], ARGV[2], format(after))
return beforeText
