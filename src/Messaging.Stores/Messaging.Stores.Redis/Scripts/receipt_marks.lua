-- Library, put before the scripts that use it (RedisScripts): a conversation's receipt marks.
-- mark = "<delivered>|<read>|<delivered at, UTC ticks or empty>|<read at, UTC ticks or empty>"
local function parse_mark(mark)
  if not mark then
    return {0, 0, '', ''}
  end
  local d, r, da, ra = string.match(mark, '^(%d+)|(%d+)|(%d*)|(%d*)$')
  return {tonumber(d), tonumber(r), da, ra}
end

local function format_mark(m)
  return string.format('%d|%d|%s|%s', m[1], m[2], m[3], m[4])
end

-- read implies delivered; a time changes only with its mark.
local function raise_mark(m, delivered, read, at)
  local r = math.max(m[2], read)
  local d = math.max(m[1], delivered, r)
  return {d, r, d > m[1] and at or m[3], r > m[2] and at or m[4]}
end

-- Advances one device's marks and the user's aggregate (max over devices) in the device and user HASHes of a
-- conversation. Returns the user mark before the advance (false for a user without marks).
-- Only this function writes marks, so the user's marks are never below any of the user's devices'. An advance whose
-- read mark passes the user's, and whose delivered mark (at least the read one) passes the user's too, therefore
-- passes the device's: both become exactly the wanted marks at this time, written without reading the device's (the
-- usual case of a send, which reads everything up to the new seq).
local function advance_marks(device_key, user_key, device_field, user_id, delivered, read, at)
  local before = redis.call('HGET', user_key, user_id)
  local user_delivered, user_read = 0, 0
  if before then
    local d, r = string.match(before, '^(%d+)|(%d+)|')
    user_delivered, user_read = tonumber(d), tonumber(r)
  end
  local wanted = math.max(delivered, read)
  if read > user_read and wanted > user_delivered then
    local mark = format_mark({wanted, read, at, at})
    redis.call('HSET', device_key, device_field, mark)
    redis.call('HSET', user_key, user_id, mark)
    return before
  end
  local device = raise_mark(parse_mark(redis.call('HGET', device_key, device_field)), delivered, read, at)
  redis.call('HSET', device_key, device_field, format_mark(device))
  redis.call('HSET', user_key, user_id, format_mark(raise_mark(parse_mark(before), device[1], device[2], at)))
  return before
end
