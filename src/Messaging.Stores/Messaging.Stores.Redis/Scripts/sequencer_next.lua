-- Takes the next seq, but only once the counter was fenced against the message store since this Redis server
-- started. A restart may have lost recent writes (no persistence, an fsync window, a failover to a lagging
-- replica): the server's run_id changes with every start, so a fence mark that does not name the current run_id
-- means "not fenced since the restart".
-- KEYS[1] counter STRING   KEYS[2] fence STRING: run_id of the server that last fenced the counter
-- ARGV[1] 'next' to take a seq, 'current' to read the counter
-- Returns the new seq (or the counter), or -1 when the caller must fence first (sequencer_fence.lua, ARGV[2] = '1').
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
if redis.call('GET', KEYS[2]) ~= run then
  return -1
end
if ARGV[1] == 'current' then
  return tonumber(redis.call('GET', KEYS[1]) or '0')
end
return redis.call('INCR', KEYS[1])
