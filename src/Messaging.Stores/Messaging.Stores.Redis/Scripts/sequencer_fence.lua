-- Raises the counter to at least ARGV[1] (never lowers it).
-- KEYS[1] counter STRING   KEYS[2] fence STRING (see sequencer_next.lua)
-- ARGV[1] the lowest value the counter may have   ARGV[2] '1' to also mark the counter fenced for this server run
-- Returns the counter afterwards.
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = tonumber(ARGV[1])
if wanted > current then
  redis.call('SET', KEYS[1], ARGV[1])
  current = wanted
end
if ARGV[2] == '1' then
  redis.call('SET', KEYS[2], string.match(redis.call('INFO', 'server'), 'run_id:(%x+)'))
end
return current
