-- Finds a message of a conversation by its id.
-- KEYS[1] messages ZSET, KEYS[2] ids ZSET (see message_append.lua); ARGV[1] message id
-- Returns {seq, payload}, or false when unknown or trimmed.
local seq = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not seq then
  return false
end
local payload = redis.call('ZRANGEBYSCORE', KEYS[1], seq, seq)
if #payload == 0 then
  return false
end
return {seq, payload[1]}
